package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Limits on what Load reads: no Go source file in GOROOT/src comes near
// them (the largest, cmd/compile/internal/ssa/opGen.go, is 2.9 MB), so
// hitting one means the root is not what it should be.
const (
	// MaxFileBytes is the largest file Load accepts.
	MaxFileBytes = 8 << 20
	// MaxTotalBytes is the largest corpus (training plus validation) Load
	// accepts.
	MaxTotalBytes = 1 << 30
)

// HoldOut is the modulus of the split: a file is held out for validation
// when the FNV-1a 64-bit hash of its relative path is 0 mod HoldOut.
const HoldOut = 20

// Corpus is the Go source of one GOROOT: the files of the corpus rule, in
// order, and their concatenations.
type Corpus struct {
	// Root is the directory the paths are relative to (GOROOT/src).
	Root string
	// Files lists every file of the corpus in order.
	Files []File
	// Train is the concatenation of the training files, Val that of the
	// validation files, in the order of Files.
	Train, Val []byte
}

// File is one source file of a corpus.
type File struct {
	// Path is slash-separated and relative to the corpus root.
	Path string
	// Offset and Len locate the file's bytes in Train, or in Val when Val
	// is set.
	Offset, Len int
	// Val says the file is held out for validation.
	Val bool
}

// Split names one of the two streams of a corpus.
type Split uint8

// The two streams.
const (
	Train Split = iota
	Val
)

func (s Split) String() string {
	if s == Val {
		return "val"
	}
	return "train"
}

// Bytes returns the stream s: c.Train or c.Val.
func (c *Corpus) Bytes(s Split) []byte {
	if s == Val {
		return c.Val
	}
	return c.Train
}

// HeldOut reports whether the file at path (slash-separated, relative to
// the root) is a validation file.
func HeldOut(path string) bool { return pathHash(path)%HoldOut == 0 }

// pathHash is the FNV-1a 64-bit hash of path's bytes.
func pathHash(path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	return h.Sum64()
}

// DefaultRoot returns GOROOT/src of the Go toolchain on PATH (`go env
// GOROOT`), or, without one, of $GOROOT or of the toolchain that built the
// program.
func DefaultRoot() (string, error) {
	goroot := ""
	var out bytes.Buffer
	cmd := exec.Command("go", "env", "GOROOT")
	cmd.Stdout = &limitedBuffer{buf: &out, limit: 4096}
	if err := cmd.Run(); err == nil {
		goroot = strings.TrimSpace(out.String())
	}
	if goroot == "" {
		goroot = os.Getenv("GOROOT")
	}
	if goroot == "" {
		//lint:ignore SA1019 the last resort when no go command is on PATH, as documented.
		goroot = runtime.GOROOT()
	}
	if goroot == "" {
		return "", errors.New("corpus: no GOROOT: no go command on PATH, $GOROOT unset and none recorded in the binary")
	}
	src := filepath.Join(goroot, "src")
	if fi, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("corpus: GOROOT source: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("corpus: GOROOT source %s: not a directory", src)
	}
	return src, nil
}

// limits bounds what load reads.
type limits struct{ file, total int64 }

// Load reads the corpus under root (GOROOT/src, see [DefaultRoot]) by the
// rule of the package doc. A file of the corpus that is not a regular file
// (a symlink, a device) is an error, as is one over [MaxFileBytes] or a
// corpus over [MaxTotalBytes]; every error names the path.
func Load(root string) (*Corpus, error) {
	return load(root, limits{file: MaxFileBytes, total: MaxTotalBytes})
}

func load(root string, lim limits) (*Corpus, error) {
	type entry struct {
		rel, full string
		size      int64
	}
	var entries []entry
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == "testdata" && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (%v)", path, d.Type())
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		entries = append(entries, entry{rel: filepath.ToSlash(rel), full: path, size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("corpus: walk %s: %w", root, err)
	}
	// Byte-wise order of the whole relative path, which for UTF-8 is
	// Python's code-point order; not WalkDir's order, which visits a
	// directory "b" before its sibling "b.go".
	sort.Slice(entries, func(i, j int) bool { return entries[i].rel < entries[j].rel })

	var trainSize, valSize int64
	for _, e := range entries {
		if HeldOut(e.rel) {
			valSize += e.size
		} else {
			trainSize += e.size
		}
	}
	if trainSize+valSize > lim.total {
		return nil, fmt.Errorf("corpus: %s: %d bytes of Go source, more than the limit of %d", root, trainSize+valSize, lim.total)
	}
	c := &Corpus{
		Root:  root,
		Files: make([]File, 0, len(entries)),
		Train: make([]byte, 0, trainSize),
		Val:   make([]byte, 0, valSize),
	}
	var total int64
	for _, e := range entries {
		f := File{Path: e.rel, Val: HeldOut(e.rel)}
		stream := &c.Train
		if f.Val {
			stream = &c.Val
		}
		f.Offset = len(*stream)
		n, err := readInto(stream, e.full, lim.file)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		if total += n; total > lim.total {
			return nil, fmt.Errorf("corpus: %s: the corpus passes the limit of %d bytes here", e.full, lim.total)
		}
		f.Len = int(n)
		c.Files = append(c.Files, f)
	}
	return c, nil
}

// readInto appends the file at path to *dst, refusing one over limit bytes.
// It reads into *dst's spare capacity (Load reserves the sizes the walk
// saw), growing it only if the file has grown since.
func readInto(dst *[]byte, path string, limit int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := io.LimitReader(f, limit+1)
	start := len(*dst)
	var spill [512]byte
	for {
		b := *dst
		var n int
		if len(b) < cap(b) {
			n, err = r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
		} else {
			n, err = r.Read(spill[:])
			b = append(b, spill[:n]...)
		}
		*dst = b
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", path, err)
		}
	}
	n := int64(len(*dst) - start)
	if n > limit {
		return 0, fmt.Errorf("%s: more than the limit of %d bytes", path, limit)
	}
	return n, nil
}

// TrainSHA256 returns the hex SHA-256 of the training stream.
func (c *Corpus) TrainSHA256() string { return sha256Hex(c.Train) }

// ValSHA256 returns the hex SHA-256 of the validation stream.
func (c *Corpus) ValSHA256() string { return sha256Hex(c.Val) }

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Stats summarises a corpus for a summary.json. The JSON names of the
// counts are those of the PyTorch peer's corpus workload; its sha256_train
// is the first 16 hex digits of SHA256Train.
type Stats struct {
	Root        string `json:"root"`
	Files       int    `json:"files"`
	TrainFiles  int    `json:"train_files"`
	ValFiles    int    `json:"val_files"`
	TrainBytes  int    `json:"train_bytes"`
	ValBytes    int    `json:"val_bytes"`
	SHA256Train string `json:"sha256_train"`
	SHA256Val   string `json:"sha256_val"`
}

// Stats returns the corpus's counts and hashes.
func (c *Corpus) Stats() Stats {
	s := Stats{
		Root:        c.Root,
		Files:       len(c.Files),
		TrainBytes:  len(c.Train),
		ValBytes:    len(c.Val),
		SHA256Train: c.TrainSHA256(),
		SHA256Val:   c.ValSHA256(),
	}
	for _, f := range c.Files {
		if f.Val {
			s.ValFiles++
		} else {
			s.TrainFiles++
		}
	}
	return s
}

// limitedBuffer is a writer that fails once more than limit bytes come.
type limitedBuffer struct {
	buf   *bytes.Buffer
	limit int
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.limit {
		return 0, fmt.Errorf("output of more than %d bytes", w.limit)
	}
	return w.buf.Write(p)
}
