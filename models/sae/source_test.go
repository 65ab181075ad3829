package sae

import (
	"math"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// TestSyntheticStatistics recovers each sample's coefficients by projecting
// on orthonormal directions (d = features) and checks the activation rate,
// the magnitudes' mean and the pair correlation.
func TestSyntheticStatistics(t *testing.T) {
	for _, tc := range []struct {
		name        string
		correlation float64
	}{{"independent", 0}, {"correlated", 0.5}} {
		t.Run(tc.name, func(t *testing.T) {
			const n, rows = 8, 20000
			s, err := NewSynthetic(SyntheticConfig{Inputs: n, Features: n, Active: 2, Correlation: tc.correlation}, graph.NewRand(3, 0))
			if err != nil {
				t.Fatal(err)
			}
			// Replace the directions by the standard basis to read coefficients.
			for i := range s.dirs {
				s.dirs[i] = 0
			}
			for i := 0; i < n; i++ {
				s.dirs[i*n+i] = 1
			}
			x := make([]float32, rows*n)
			s.Fill(x)
			var on [n]float64
			var sum float64
			both := 0.0
			for r := 0; r < rows; r++ {
				for i := 0; i < n; i++ {
					if v := x[r*n+i]; v != 0 {
						on[i]++
						sum += float64(v)
					}
				}
				if x[r*n] != 0 && x[r*n+1] != 0 {
					both++
				}
			}
			p := 2.0 / n
			// Even features fire with p; odd ones with p + (1−p)·c·p.
			for i, c := range on {
				want := p
				if i%2 == 1 {
					want = p + (1-p)*tc.correlation*p
				}
				if got := c / rows; math.Abs(got-want) > 5*math.Sqrt(want*(1-want)/rows) {
					t.Errorf("feature %d fires in %.4f of rows; want %.4f", i, got, want)
				}
			}
			total := 0.0
			for _, c := range on {
				total += c
			}
			if mean := sum / total; math.Abs(mean-0.5) > 0.01 {
				t.Errorf("mean magnitude %.4f; want 0.5", mean)
			}
			wantBoth := p * (p + (1-p)*tc.correlation)
			if got := both / rows; math.Abs(got-wantBoth) > 5*math.Sqrt(wantBoth/rows) {
				t.Errorf("features 0 and 1 together in %.4f of rows; want %.4f", got, wantBoth)
			}
		})
	}
}

func TestToySourceMatchesModel(t *testing.T) {
	W := [][]float64{{1, -1, 0.5}, {0.2, 0.3, -2}}
	for _, kind := range []tms.Kind{tms.Privileged, tms.ReLUOutput} {
		s, err := NewToySource(kind, W, toy.Config{Features: 3, Probability: []float64{0.5}}, graph.NewRand(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		x, h := s.Sample(100)
		for r := 0; r < 100; r++ {
			for j := 0; j < 2; j++ {
				var want float64
				for i := 0; i < 3; i++ {
					want += W[j][i] * float64(x[r*3+i])
				}
				if kind == tms.Privileged {
					want = math.Max(want, 0)
				}
				if math.Abs(float64(h[r*2+j])-want) > 1e-6 {
					t.Fatalf("%s: h[%d][%d] = %v; want %v", kind, r, j, h[r*2+j], want)
				}
			}
		}
		truth := s.Truth()
		if kind == tms.Privileged && (truth[1][0] != 0 || math.Abs(truth[1][1]-0.3) > 1e-7) {
			t.Errorf("privileged truth of feature 1 = %v; want ReLU(W₁) = [0 0.3]", truth[1])
		}
	}
	if _, err := NewToySource(tms.AbsVal, W, toy.Config{Features: 3, Probability: []float64{0.5}}, graph.NewRand(1, 0)); err == nil {
		t.Error("NewToySource(absval) succeeded; want an error (no single hidden layer)")
	}
}

// TestWeightsSourceTruth: a toy model with a hidden bias, SoLU and a
// LayerNorm gives as truth each feature's activation alone less the
// activation at x = 0 (float32), which is Weights.Responses transposed; and
// its samples are that hidden layer of its inputs.
func TestWeightsSourceTruth(t *testing.T) {
	W := [][]float64{{1, 0.5, -0.3}, {0.2, 0.9, 0.8}, {-0.1, 0.3, 0.6}}
	w, err := tms.NewWeights(tms.Privileged, W, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.C, w.Activation, w.LNGain, w.LNBias = []float64{-0.1, 0.05, 0}, tms.SoLULN, []float64{1, 0.5, 2}, []float64{0.1, 0, -0.2}
	src, err := NewWeightsSource(w, toy.Config{Features: 3, Probability: []float64{0.5}}, graph.NewRand(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	truth, resp := src.Truth(), w.Responses()
	for i := range truth {
		for j := range truth[i] {
			if math.Abs(truth[i][j]-resp[j][i]) > 1e-5 {
				t.Errorf("Truth()[%d][%d] = %v; Responses()[%d][%d] = %v", i, j, truth[i][j], j, i, resp[j][i])
			}
		}
	}
	x, h := src.Sample(64)
	want := make([]float32, len(h))
	w.HiddenLayer(want, x)
	for i := range h {
		if h[i] != want[i] {
			t.Fatalf("Sample h[%d] = %v; HiddenLayer %v", i, h[i], want[i])
		}
	}
	if _, err := NewWeightsSource(w, toy.Config{Features: 4, Probability: []float64{0.5}}, graph.NewRand(1, 0)); err == nil {
		t.Error("NewWeightsSource with 4 data features for 3 = nil error; want one")
	}
}
