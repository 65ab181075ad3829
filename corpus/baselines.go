package corpus

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"os/exec"
	"strings"
)

// Baselines are the bits per byte a language model of the corpus should
// beat, measured as the PyTorch peer's corpus workload measures them, on the
// validation stream unless said otherwise. On go1.26.8 (TestGOROOT logs
// them):
//
//	unigram_bits_per_byte                    5.4844  peer 5.4844
//	unigram_val_cross_entropy_bits_per_byte  5.4854  (the peer has none)
//	zlib9_go_bits_per_byte                   1.8620  peer (Python zlib 9) 1.8481: 722,305 bytes against 716,928
//	xz9_bits_per_byte                        1.4157  peer (Python lzma 9) 1.4157: 549,168 bytes, the same
type Baselines struct {
	// UnigramBits is the entropy of the byte distribution of the training
	// stream, the peer's unigram_bits_per_byte.
	UnigramBits float64 `json:"unigram_bits_per_byte"`
	// UnigramValBits is the cross-entropy on the validation stream of the
	// training bytes' unigram model with add-one smoothing (count+1 over
	// len(train)+256), so a byte never seen in training costs finite bits.
	UnigramValBits float64 `json:"unigram_val_cross_entropy_bits_per_byte"`
	// Zlib9GoBits is 8 × the size of the validation stream compressed by
	// Go's compress/zlib at BestCompression, over its length. Go's deflate
	// is not zlib's, so this is close to but not the peer's
	// val_bits_per_byte_zlib9.
	Zlib9GoBits float64 `json:"zlib9_go_bits_per_byte"`
	// Xz9Bits is the same for the output of `xz -9 -T1 -c` (one thread, so
	// one block, like the peer's lzma preset 9); nil when no xz could be
	// run, with the reason in XzUnavailable.
	Xz9Bits       *float64 `json:"xz9_bits_per_byte,omitempty"`
	XzUnavailable string   `json:"xz_unavailable,omitempty"`
}

// ComputeBaselines measures c's baselines. An xz that is missing or fails
// is reported in the result, never as an error.
func ComputeBaselines(c *Corpus) (Baselines, error) {
	if len(c.Train) == 0 || len(c.Val) == 0 {
		return Baselines{}, fmt.Errorf("corpus: baselines: %d training and %d validation bytes: need both", len(c.Train), len(c.Val))
	}
	var b Baselines
	b.UnigramBits, b.UnigramValBits = unigram(c.Train, c.Val)
	z, err := zlibSize(c.Val)
	if err != nil {
		return Baselines{}, fmt.Errorf("corpus: baselines: zlib: %w", err)
	}
	b.Zlib9GoBits = bitsPerByte(z, len(c.Val))
	if x, err := xzSize(c.Val); err != nil {
		b.XzUnavailable = err.Error()
	} else {
		v := bitsPerByte(x, len(c.Val))
		b.Xz9Bits = &v
	}
	return b, nil
}

func bitsPerByte(size, n int) float64 { return 8 * float64(size) / float64(n) }

// unigram returns the entropy of train's byte distribution and the
// add-one-smoothed cross-entropy of that distribution on val, in bits.
func unigram(train, val []byte) (entropy, cross float64) {
	var count, valCount [256]float64
	for _, c := range train {
		count[c]++
	}
	for _, c := range val {
		valCount[c]++
	}
	n := float64(len(train))
	for c := range 256 {
		if p := count[c] / n; p > 0 {
			entropy -= p * math.Log2(p)
		}
		q := (count[c] + 1) / (n + 256)
		cross -= valCount[c] / float64(len(val)) * math.Log2(q)
	}
	return entropy, cross
}

func zlibSize(data []byte) (int, error) {
	cw := countLimit{limit: math.MaxInt}
	zw, err := zlib.NewWriterLevel(&cw, zlib.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(data); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

// xzSize runs `xz -9 -T1 -c` on data and returns the size of its output,
// refusing more than len(data) plus 1 MiB (xz never grows data by more than
// a few bytes per 64 KiB).
func xzSize(data []byte) (int, error) {
	path, err := exec.LookPath("xz")
	if err != nil {
		return 0, fmt.Errorf("xz: not on PATH")
	}
	var out countLimit
	out.limit = len(data) + 1<<20
	var stderr bytes.Buffer
	cmd := exec.Command(path, "-9", "-T1", "-c")
	cmd.Stdin = bytes.NewReader(data)
	cmd.Stdout = &out
	cmd.Stderr = &limitedBuffer{buf: &stderr, limit: 4096}
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return 0, fmt.Errorf("%s -9 -T1 -c: %v: %s", path, err, firstLine(msg))
		}
		return 0, fmt.Errorf("%s -9 -T1 -c: %v", path, err)
	}
	return out.n, nil
}

// countLimit counts what is written to it and fails past limit bytes.
type countLimit struct{ n, limit int }

func (w *countLimit) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, fmt.Errorf("output of more than %d bytes", w.limit)
	}
	w.n += len(p)
	return len(p), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
