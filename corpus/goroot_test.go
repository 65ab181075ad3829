package corpus

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"
)

// TestGOROOT loads the real corpus and checks its sizes against those of
// the PyTorch peer on the same toolchain, then logs its baselines and the
// class, flag and fine fractions of the validation stream, whose fine
// labels must refine its classes.
func TestGOROOT(t *testing.T) {
	if testing.Short() {
		t.Skip("reads all of GOROOT/src (70 MB); skipped under -short")
	}
	root, err := DefaultRoot()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Stats()
	t.Logf("Load(%s) in %v: %d files (%d train, %d val), %d train bytes, %d val bytes\nsha256 train %s\nsha256 val   %s",
		root, time.Since(start).Round(time.Millisecond), s.Files, s.TrainFiles, s.ValFiles, s.TrainBytes, s.ValBytes, s.SHA256Train, s.SHA256Val)
	if v := runtime.Version(); v != "go1.26.8" {
		t.Logf("sizes not checked: they are known for go1.26.8, this is %s", v)
	} else if s.Files != 4817 || s.TrainBytes != 68365217 || s.ValBytes != 3103363 {
		t.Errorf("go1.26.8 corpus: %d files, %d train bytes, %d val bytes; want 4817, 68365217, 3103363", s.Files, s.TrainBytes, s.ValBytes)
	}

	start = time.Now()
	b, err := ComputeBaselines(c)
	if err != nil {
		t.Fatal(err)
	}
	xz := "unavailable: " + b.XzUnavailable
	if b.Xz9Bits != nil {
		xz = fmt.Sprintf("%.4f", *b.Xz9Bits)
	}
	t.Logf("baselines in %v: unigram %.4f bits (train entropy), %.4f (smoothed cross-entropy on val), zlib9 (Go) %.4f, xz9 %s",
		time.Since(start).Round(time.Millisecond), b.UnigramBits, b.UnigramValBits, b.Zlib9GoBits, xz)
	if math.Abs(b.UnigramBits-5.48) > 0.01 {
		t.Errorf("unigram entropy %.4f bits; want the peer's 5.48", b.UnigramBits)
	}

	start = time.Now()
	l := c.Labels(Val)
	t.Logf("labelled %d val bytes in %v on GOMAXPROCS=%d; %d files did not parse: %q",
		len(l.Classes), time.Since(start).Round(time.Millisecond), runtime.GOMAXPROCS(0), len(l.Unparsed), l.Unparsed)
	var flags [NumFlags]int
	for _, f := range l.Flags {
		for i := range NumFlags {
			if f&(1<<i) != 0 {
				flags[i]++
			}
		}
	}
	for i, frac := range l.Fractions() {
		t.Logf("class %-10s %5.2f%%", Class(i), 100*frac)
	}
	for i, n := range flags {
		t.Logf("flag  %-10s %5.2f%%", FlagNames[i], 100*float64(n)/float64(len(l.Flags)))
	}
	for i, frac := range l.FineFractions() {
		t.Logf("fine  %-22s %6.3f%%", Fine(i), 100*frac)
	}
	for i, f := range l.Fine {
		if f.Class() != l.Classes[i] {
			t.Errorf("val byte %d: fine label %v refines %v; its class is %v", i, f, f.Class(), l.Classes[i])
			break
		}
	}
}
