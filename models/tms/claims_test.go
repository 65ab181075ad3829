package tms

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/toy"
)

// Paper-claim tests: the qualitative results of Toy Models of Superposition
// at reduced scale (fewer steps, a larger learning rate, fewer evaluation
// samples), for several seeds. The full-scale runs are the experiments.

func sweep(t *testing.T, kind Kind, n, m int, decay float64, probs []float64, steps, restarts int, lr float64, seed uint64) []Result {
	t.Helper()
	var specs []Spec
	for _, p := range probs {
		specs = append(specs, Spec{
			Model: Config{Kind: kind, Features: n, Hidden: m, Importance: toy.Geometric(n, decay)},
			Data:  toy.Config{Features: n, Probability: []float64{p}},
		})
	}
	cfg := SweepConfig{Train: graph.Config{Steps: steps, Batch: 1024, LR: lr}, Restarts: restarts, Seed: seed, EvalSamples: 1 << 18}
	res, err := Sweep(context.Background(), specs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIntroFigure: n = 5, m = 2, Iᵢ = 0.9ⁱ. Dense: the two most important
// features, orthogonal. Mid sparsity: two antipodal pairs. p = 0.05: all five
// as a pentagon with negative biases. The linear model keeps features 0 and 1.
func TestIntroFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 24 models")
	}
	for _, seed := range []uint64{1, 2} {
		relu := sweep(t, ReLUOutput, 5, 2, 0.9, []float64{1, 0.25, 0.05}, 4000, 3, 3e-3, seed)
		dense, mid, sparse := relu[0], relu[1], relu[2]
		if got := interp.Represented(dense.W()); !slices.Equal(got, []int{0, 1}) {
			t.Errorf("seed %d, ReLU p=1: represented %v; want [0 1]", seed, got)
		} else if c := interp.Cosine(dense.W(), 0, 1); math.Abs(c) > 0.05 {
			t.Errorf("seed %d, ReLU p=1: cos(W₀, W₁) = %.3f; want orthogonal", seed, c)
		}
		if want := 0.182925; math.Abs(dense.Loss-want)/want > 0.02 {
			t.Errorf("seed %d, ReLU p=1: loss %.5f; want %.5f within 2%%", seed, dense.Loss, want)
		}
		if pairs := interp.AntipodalPairs(mid.W()); len(pairs) != 2 {
			t.Errorf("seed %d, ReLU p=0.25: %d antipodal pairs (%v); want 2", seed, len(pairs), pairs)
		} else {
			for _, p := range pairs {
				for _, f := range []int{p.A, p.B} {
					if d := interp.Dimensionality(mid.W())[f]; math.Abs(d-0.5) > 0.03 {
						t.Errorf("seed %d, ReLU p=0.25: D[%d] = %.3f; want 0.50 ± 0.03", seed, f, d)
					}
				}
			}
		}
		W, b := sparse.W(), sparse.B()
		if got := interp.Represented(W); len(got) != 5 {
			t.Errorf("seed %d, ReLU p=0.05: represented %v; want all five", seed, got)
		}
		for i, d := range interp.Dimensionality(W) {
			if d < 0.36 || d > 0.44 {
				t.Errorf("seed %d, ReLU p=0.05: D[%d] = %.3f; want a pentagon's 0.40 ± 0.04", seed, i, d)
			}
			if b[i] >= 0 {
				t.Errorf("seed %d, ReLU p=0.05: b[%d] = %.3f; want negative", seed, i, b[i])
			}
		}
		for _, r := range sweep(t, Linear, 5, 2, 0.9, []float64{1, 0.05}, 4000, 3, 3e-3, seed) {
			if got := interp.Represented(r.W()); !slices.Equal(got, []int{0, 1}) {
				t.Errorf("seed %d, linear p=%v: represented %v; want [0 1]", seed, r.Data.Probability[0], got)
			}
		}
	}
}

// TestBasicResults: n = 20, m = 5, Iᵢ = 0.7ⁱ. The linear model keeps features
// 0–4 with loss Σ_{i≥5} Iᵢ(p/3 − p²/4); the ReLU-output model keeps 5 when
// dense and at least 10, a prefix of the importance order, when sparse.
func TestBasicResults(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 8 models")
	}
	imp := toy.Geometric(20, 0.7)
	for _, r := range sweep(t, Linear, 20, 5, 0.7, []float64{1, 0.03}, 3000, 1, 3e-3, 3) {
		p := r.Data.Probability[0]
		if got := interp.Represented(r.W()); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Errorf("linear p=%v: represented %v; want [0 1 2 3 4]", p, got)
		}
		var want float64
		for _, v := range imp[5:] {
			want += v * (p/3 - p*p/4)
		}
		if math.Abs(r.Loss-want)/want > 0.02 {
			t.Errorf("linear p=%v: loss %.5f; want %.5f within 2%%", p, r.Loss, want)
		}
	}
	relu := sweep(t, ReLUOutput, 20, 5, 0.7, []float64{1, 0.01}, 6000, 1, 3e-3, 3)
	if got := interp.Represented(relu[0].W()); len(got) != 5 {
		t.Errorf("ReLU p=1: represented %v; want 5 features", got)
	}
	got := interp.Represented(relu[1].W())
	if len(got) < 10 {
		t.Errorf("ReLU p=0.01: represented %v; want at least 10", got)
	}
	// A prefix of the importance order, allowing one exception at the cut-off.
	if len(got) > 0 && got[len(got)-1] > len(got) {
		t.Errorf("ReLU p=0.01: represented %v; want a prefix of 0, 1, 2, … (one gap allowed)", got)
	}
}
