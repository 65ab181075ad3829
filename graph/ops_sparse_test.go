package graph

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// sparseOpModel is Σ f(params) ⊙ R for the SAE ops, R fixed and random.
type sparseOpModel struct{ name string }

func (o sparseOpModel) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	_ = x
	const r, n = 6, 8
	A := b.Param("A", Normal(1), r, n)
	var out *Node
	switch o.name {
	case "topk":
		out = b.TopK(A, 3)
	case "batch topk":
		out = b.BatchTopK(A, 2)
	case "masked topk":
		out = b.MaskedTopK(A, 2, []bool{true, false, true, true, false, true, false, true})
	case "jumprelu":
		// θ is a constant: the finite-difference check covers the gradient
		// in A; TestJumpReLUThresholdGradient covers θ.
		out = b.JumpReLU(A, b.Const([]float64{0.1, 0.2, -0.3, 0, 0.5, 0.05, 0.3, 0.7}), 0.01)
	case "l1":
		return []Term{{Name: "l1", Node: b.L1(A, b.Const(slices.Repeat([]float64{1}, n)), NewCoef(0.7))}}
	case "l1 by decoder norm":
		D := b.Param("D", Normal(1), n, 5)
		return []Term{{Name: "l1", Node: b.L1(A, b.RowNorms(D), NewCoef(0.3))}}
	case "scale by":
		R := b.Const(slices.Repeat([]float64{0.5, -1}, r*n/2), r, n)
		return []Term{{Name: "loss", Node: b.ScaleBy(b.Sum(b.Mul(b.Mul(A, A), R)), NewCoef(0.7))}}
	case "row norms":
		out = b.RowNorms(A)
		R := b.Const([]float64{1, -2, 0.5, 3, -1, 0.25})
		return []Term{{Name: "loss", Node: b.Sum(b.Mul(out, R))}}
	case "detach":
		// Σ Detach(A) ⊙ A ⊙ R: the gradient is A ⊙ R, not 2A ⊙ R.
		out = b.Detach(A)
	}
	sh := out.Shape()
	R := make([]float64, sh[0]*sh[1])
	rng := NewRand(99, 0)
	for i := range R {
		R[i] = rng.NormFloat64()
	}
	return []Term{{Name: "loss", Node: b.Sum(b.Mul(b.Mul(out, A), b.Const(R, sh[0], sh[1])))}}
}

func TestSparseOpsGradCheck(t *testing.T) {
	for _, name := range []string{"topk", "batch topk", "masked topk", "jumprelu", "l1", "l1 by decoder norm", "scale by", "row norms"} {
		t.Run(name, func(t *testing.T) {
			res, err := GradCheck(sparseOpModel{name}, sparseBatch(), 5, NewParamsOf(tensor.Float64, 11), 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if res.RelErr > 1e-6 {
				t.Errorf("gradient of %s[%d]: analytic %v, finite difference %v", res.Param, res.Index, res.Analytic, res.Numeric)
			}
		})
	}
}

func TestTopKKernel(t *testing.T) {
	tests := []struct {
		name  string
		a     []float64
		n, k  int
		batch bool
		mask  []bool
		want  []float64
	}{
		{"two of four", []float64{0.1, 0.5, 0.3, 0.2}, 4, 2, false, nil, []float64{0, 0.5, 0.3, 0}},
		{"negatives never kept", []float64{-1, 0.5, -2, -3}, 4, 2, false, nil, []float64{0, 0.5, 0, 0}},
		{"ties go to the lower column", []float64{0.3, 0.3, 0.3, 0.1}, 4, 2, false, nil, []float64{0.3, 0.3, 0, 0}},
		{"per row", []float64{1, 2, 3, 6, 5, 4}, 3, 1, false, nil, []float64{0, 0, 3, 6, 0, 0}},
		{"batch", []float64{1, 2, 3, 6, 5, 4}, 3, 1, true, nil, []float64{0, 0, 0, 6, 5, 0}},
		{"mask", []float64{4, 3, 2, 1}, 4, 2, false, []bool{false, true, false, true}, []float64{0, 3, 0, 1}},
		{"empty mask", []float64{4, 3, 2, 1}, 4, 2, false, []bool{false, false, false, false}, []float64{0, 0, 0, 0}},
		{"ties under a mask", []float64{5, 2, 2, 1}, 4, 2, false, []bool{false, true, true, true}, []float64{0, 2, 2, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float64, len(tc.a))
			topK(got, slices.Clone(tc.a), tc.n, tc.k, tc.batch, tc.mask, nil)
			if !slices.Equal(got, tc.want) {
				t.Errorf("topK(%v, k=%d) = %v; want %v", tc.a, tc.k, got, tc.want)
			}
		})
	}
}

func TestKthLargest(t *testing.T) {
	rng := NewRand(3, 0)
	for trial := 0; trial < 200; trial++ {
		x := make([]float64, 1+rng.IntN(40))
		for i := range x {
			x[i] = float64(rng.IntN(10)) // many ties
		}
		k := 1 + rng.IntN(len(x))
		sorted := slices.Clone(x)
		slices.Sort(sorted)
		want := sorted[len(x)-k]
		if got := kthLargest(slices.Clone(x), k); got != want {
			t.Fatalf("kthLargest(%v, %d) = %v; want %v", x, k, got, want)
		}
	}
}

// stepModel is mean over rows of JumpReLU(z, θ) or of the L0 count, with the
// pre-activations z fixed data and θ [1] the only parameter.
type stepModel struct{ l0 bool }

const stepBandwidth = 0.05

func (s stepModel) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	theta := b.Param("theta", Full(0.5), 1)
	if s.l0 {
		return []Term{{Name: "l0", Node: b.L0(x, theta, stepBandwidth)}}
	}
	return []Term{{Name: "jump", Node: b.Mean(b.JumpReLU(x, theta, stepBandwidth))}}
}

// TestThresholdGradients checks the straight-through threshold gradients in
// the sense in which they are right: for pre-activations z ~ N(0, 1) they
// estimate the derivative of the expected value, d/dθ E[z H(z−θ)] = −θφ(θ)
// and d/dθ E[H(z−θ)] = −φ(θ), although each sample's true gradient is 0.
func TestThresholdGradients(t *testing.T) {
	const rows = 400000
	rng := NewRand(5, 0)
	z := make([]float64, rows)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	theta := 0.5
	phi := math.Exp(-theta*theta/2) / math.Sqrt(2*math.Pi)
	for _, tc := range []struct {
		l0   bool
		want float64
	}{{false, -theta * phi}, {true, -phi}} {
		t.Run(fmt.Sprintf("l0=%v", tc.l0), func(t *testing.T) {
			_, g, err := LossAndGrads(stepModel{tc.l0}, z, 1, NewParamsOf(tensor.Float64, 1))
			if err != nil {
				t.Fatal(err)
			}
			// The estimate's standard error is about sqrt(φ/(ε·rows)).
			se := math.Sqrt(phi / (stepBandwidth * rows))
			if got := g["theta"][0]; math.Abs(got-tc.want) > 5*se+0.01*math.Abs(tc.want) {
				t.Errorf("∂/∂θ = %v; want %v ± %v", got, tc.want, 5*se)
			}
		})
	}
}

func TestCoefChangesBetweenRuns(t *testing.T) {
	c := NewCoef(1)
	m := coefModel{c}
	x := []float64{1, -2, 3}
	l1, _, err := LossAndGrads(m, x, 3, NewParamsOf(tensor.Float64, 1))
	if err != nil {
		t.Fatal(err)
	}
	c.Set(0.25)
	l2, _, err := LossAndGrads(m, x, 3, NewParamsOf(tensor.Float64, 1))
	if err != nil {
		t.Fatal(err)
	}
	if l1 != 6 || l2 != 1.5 {
		t.Errorf("L1 of %v with coefficient 1 then 0.25 = %v, %v; want 6, 1.5", x, l1, l2)
	}
}

type coefModel struct{ c *Coef }

func (m coefModel) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	w := b.Param("w", Full(1), 3)
	return []Term{{Name: "l1", Node: b.L1(x, w, m.c)}}
}

func TestDetachStopsGradient(t *testing.T) {
	p := NewParamsOf(tensor.Float64, 11)
	_, g, err := LossAndGrads(sparseOpModel{"detach"}, sparseBatch(), 5, p)
	if err != nil {
		t.Fatal(err)
	}
	A := p.Float64s("A")
	rng := NewRand(99, 0)
	for i, a := range A {
		want := a * rng.NormFloat64() // A ⊙ R, R drawn as in the model
		if math.Abs(g["A"][i]-want) > 1e-12 {
			t.Fatalf("∂/∂A[%d] = %v; want %v (the detached factor carries no gradient)", i, g["A"][i], want)
		}
	}
}
