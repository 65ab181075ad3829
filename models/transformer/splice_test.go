package transformer

import (
	"context"
	"math"
	"testing"

	"github.com/toymodels/superposition/graph"
)

func TestKLSum(t *testing.T) {
	tests := []struct {
		name string
		p, q []float32
		want float64
	}{
		{"same", []float32{1, 2, 3}, []float32{1, 2, 3}, 0},
		{"shifted logits are the same distribution", []float32{1, 2, 3}, []float32{11, 12, 13}, 0},
		// p = (1/2, 1/2), q = (e/(1+e), 1/(1+e)): KL = ½ log(½/q₀) + ½ log(½/q₁).
		{"two outcomes", []float32{0, 0}, []float32{1, 0}, 0.5*math.Log(0.5*(1+math.E)/math.E) + 0.5*math.Log(0.5*(1+math.E))},
		{"two rows add", []float32{0, 0, 1, 2}, []float32{0, 0, 1, 2}, 0},
	}
	for _, tt := range tests {
		v := 2
		if len(tt.p) == 3 {
			v = 3
		}
		if got := klSum(tt.p, tt.q, v); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: klSum = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestSpliceEval: with no hook the hooked model is the clean one (equal bits,
// zero KL); with the MLP zeroed its bits are BitsPerByte's with the same hook
// and the KL is positive; the clean figure is BitsPerByte's.
func TestSpliceEval(t *testing.T) {
	m, _ := New(tiny)
	p := initParams(t, m, 3)
	data := text(8*10 + 5)
	ctx := context.Background()
	clean, err := BitsPerByte(ctx, m, p, data, 4, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	zeroHook := graph.HookPoints{HookMLPPost: func(x []float32, _, _ int) error { clear(x); return nil }}
	zero, err := BitsPerByte(ctx, m, p, data, 4, 0, zeroHook)
	if err != nil {
		t.Fatal(err)
	}
	same, err := SpliceEval(ctx, m, p, data, 4, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(same.CleanBits-clean) > 1e-9 || same.HookedBits != same.CleanBits || same.KLBits > 1e-9 {
		t.Errorf("SpliceEval(no hook) = %+v; want clean = hooked = %v and KL 0", same, clean)
	}
	z, err := SpliceEval(ctx, m, p, data, 4, 0, zeroHook)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(z.HookedBits-zero) > 1e-9 || math.Abs(z.CleanBits-clean) > 1e-9 || !(z.KLBits > 0) {
		t.Errorf("SpliceEval(zeroed MLP) = %+v; want clean %v, hooked %v, KL > 0", z, clean, zero)
	}
	if _, err := SpliceEval(ctx, m, p, data[:5], 4, 0, nil); err == nil {
		t.Error("SpliceEval on 5 bytes: no error; want one (no window)")
	}
}
