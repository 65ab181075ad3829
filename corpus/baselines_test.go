package corpus

import (
	"math"
	"strings"
	"testing"
)

func TestUnigram(t *testing.T) {
	tests := []struct {
		name, train, val string
		entropy, cross   float64
	}{
		{"two equal bytes", "aabb", "ab", 1, -math.Log2(3.0 / 260)},
		{"one byte", "aaaa", "a", 0, -math.Log2(5.0 / 260)},
		{"unseen byte", "aaaa", "b", 0, -math.Log2(1.0 / 260)},
		{"four bytes", "abcd", "aabc", 2, -math.Log2(2.0 / 260)},
	}
	for _, tt := range tests {
		e, c := unigram([]byte(tt.train), []byte(tt.val))
		if math.Abs(e-tt.entropy) > 1e-12 || math.Abs(c-tt.cross) > 1e-12 {
			t.Errorf("unigram(%s) = %v, %v; want %v, %v", tt.name, e, c, tt.entropy, tt.cross)
		}
	}
}

func TestComputeBaselines(t *testing.T) {
	val := strings.Repeat("package p // the same line, over and over\n", 200)
	c := &Corpus{Train: []byte("package p\n"), Val: []byte(val)}
	b, err := ComputeBaselines(c)
	if err != nil {
		t.Fatal(err)
	}
	// A repeated line compresses to a few bytes of the 8,400.
	if b.Zlib9GoBits <= 0 || b.Zlib9GoBits > 0.2 {
		t.Errorf("Zlib9GoBits = %v; want in (0, 0.2]", b.Zlib9GoBits)
	}
	switch {
	case b.Xz9Bits == nil && b.XzUnavailable == "":
		t.Errorf("no xz result and no reason")
	case b.Xz9Bits != nil && (*b.Xz9Bits <= 0 || *b.Xz9Bits > 0.2):
		t.Errorf("Xz9Bits = %v; want in (0, 0.2]", *b.Xz9Bits)
	case b.Xz9Bits == nil:
		t.Logf("xz unavailable: %s", b.XzUnavailable)
	}
	if _, err := ComputeBaselines(&Corpus{Train: []byte("x")}); err == nil {
		t.Errorf("ComputeBaselines(no val) error = nil; want one")
	}
}

// An xz that is not on PATH is a reason, not an error.
func TestBaselinesWithoutXz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	b, err := ComputeBaselines(&Corpus{Train: []byte("ab"), Val: []byte("ab")})
	if err != nil {
		t.Fatal(err)
	}
	if b.Xz9Bits != nil || b.XzUnavailable != "xz: not on PATH" {
		t.Errorf("without xz: Xz9Bits %v, XzUnavailable %q; want nil, %q", b.Xz9Bits, b.XzUnavailable, "xz: not on PATH")
	}
}
