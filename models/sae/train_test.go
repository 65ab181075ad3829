package sae

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
)

// TestGenericLoopTrainsTheRecipe: graph.Train on an SAE runs its whole
// recipe, so it ends with exactly the parameters sae.Train reaches, for every
// variant.
func TestGenericLoopTrainsTheRecipe(t *testing.T) {
	for _, v := range Variants {
		t.Run(string(v), func(t *testing.T) {
			run := func(generic bool) *graph.Params {
				cfg := Config{Variant: v, Inputs: 8, Latents: 24, L1: 0.3, K: 2, L0: 0.1,
					ResampleEvery: 20, DeadAfter: 10, Seed: 7, Train: graph.Config{Steps: 120, Batch: 32, LR: 3e-3}}
				m, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				src, err := NewSynthetic(SyntheticConfig{Inputs: 8, Features: 16, Active: 1.5}, graph.NewRand(5, 0))
				if err != nil {
					t.Fatal(err)
				}
				p := graph.NewParams(1)
				if err := Init(p, m, graph.NewRand(1, 1), nil); err != nil {
					t.Fatal(err)
				}
				if generic {
					_, err = graph.Train(context.Background(), m, graph.FromFeatures(src), p, m.Config().Train)
				} else {
					_, _, err = Train(context.Background(), m, src, p, 7)
				}
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			a, b := run(true), run(false)
			for _, name := range a.Names() {
				if !slices.Equal(a.Float64s(name), b.Float64s(name)) {
					t.Errorf("%s: graph.Train and sae.Train disagree", name)
				}
			}
		})
	}
}

// TestTrainRefusesUninitialised: an SAE whose parameters the builder made up
// (no Init) is not trained, through either entry point.
func TestTrainRefusesUninitialised(t *testing.T) {
	m, err := New(Config{Variant: TopK, Inputs: 4, Latents: 8, K: 1, Train: graph.Config{Steps: 3, Batch: 4}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewSynthetic(SyntheticConfig{Inputs: 4, Features: 8, Active: 1}, graph.NewRand(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = graph.Train(context.Background(), m, graph.FromFeatures(src), graph.NewParams(1), m.Config().Train)
	if err == nil || !strings.Contains(err.Error(), "not initialised") {
		t.Errorf("graph.Train without Init: %v; want an error saying the parameters are not initialised", err)
	}
}

// TestZeroConfigTakesDefaults: a config with only the SAE's shape trains
// with the documented defaults, and shows them.
func TestZeroConfigTakesDefaults(t *testing.T) {
	m, err := New(Config{Variant: ReLUL1, Inputs: 4, Latents: 8, L1: 0.1})
	if err != nil {
		t.Fatalf("New with a zero training config: %v", err)
	}
	got := m.Config().Train
	want := graph.DefaultConfig()
	if got != want {
		t.Errorf("Config().Train = %+v; want %+v", got, want)
	}
	if got.Adam.Beta1 != 0.9 || got.Adam.Beta2 != 0.999 || got.Adam.Eps != 1e-8 {
		t.Errorf("Adam = %+v; want β₁ 0.9, β₂ 0.999, ε 1e-8", got.Adam)
	}
}

// TestTopKSparseMatchesDense trains one TopK SAE with its whole recipe
// (AuxK on, latents dead after two steps so that AuxK has work) through the
// sparse path and through the dense reference (DenseTopK), and compares the
// loss terms of every step and the final parameters: they differ only by
// the rounding of sums taken in another order.
func TestTopKSparseMatchesDense(t *testing.T) {
	for _, tc := range []struct {
		dt  tensor.Dtype
		tol float64
	}{{tensor.Float64, 1e-10}, {tensor.Float32, 2e-4}} {
		t.Run(tc.dt.String(), func(t *testing.T) {
			run := func(dense bool) (graph.History, *graph.Params) {
				cfg := Config{Variant: TopK, Inputs: 16, Latents: 96, K: 3, AuxK: 6, AuxCoef: 0.5, DeadAfter: 2, DenseTopK: dense,
					Train: graph.Config{Steps: 8, Batch: 24, LR: 1e-2, LogEvery: 1}}
				m, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				src, err := NewSynthetic(SyntheticConfig{Inputs: 16, Features: 32, Active: 3}, graph.NewRand(5, 0))
				if err != nil {
					t.Fatal(err)
				}
				p := graph.NewParamsOf(tc.dt, 1)
				if err := Init(p, m, graph.NewRand(1, 1), nil); err != nil {
					t.Fatal(err)
				}
				hist, _, err := Train(context.Background(), m, src, p, 7)
				if err != nil {
					t.Fatal(err)
				}
				return hist, p
			}
			hs, ps := run(false)
			hd, pd := run(true)
			if len(hs.Records) != 8 {
				t.Fatalf("%d records; want one a step", len(hs.Records))
			}
			revived := false // AuxK reconstructed something: some latents were dead
			for i, r := range hd.Records {
				for j, want := range r.Terms {
					got := hs.Records[i].Terms[j]
					if math.Abs(got-want) > tc.tol*math.Max(1, math.Abs(want)) {
						t.Errorf("step %d: %s = %v; dense %v", r.Step, hd.Terms[j], got, want)
					}
				}
				mse, auxk := r.Terms[0], r.Terms[1]
				revived = revived || math.Abs(auxk-0.5*mse) > 1e-3
			}
			if !revived {
				t.Error("auxk = AuxCoef·mse at every step (no dead latent); want AuxK at work")
			}
			for _, name := range pd.Names() {
				want, got := pd.Float64s(name), ps.Float64s(name)
				for i := range want {
					if math.Abs(got[i]-want[i]) > tc.tol*math.Max(1, math.Abs(want[i])) {
						t.Errorf("%s[%d] = %v after training; dense %v", name, i, got[i], want[i])
						break
					}
				}
			}
		})
	}
}

// TestTopKBitIdenticalAcrossGOMAXPROCS trains a TopK SAE large enough for
// every op of the sparse path to split its work, on one core and on three:
// the parameters must agree to the bit.
func TestTopKBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	run := func(procs int) *graph.Params {
		runtime.GOMAXPROCS(procs)
		m, err := New(Config{Variant: TopK, Inputs: 32, Latents: 1024, K: 8, AuxK: 16, DeadAfter: 2,
			Train: graph.Config{Steps: 4, Batch: 128, LR: 1e-2}})
		if err != nil {
			t.Fatal(err)
		}
		src, err := NewSynthetic(SyntheticConfig{Inputs: 32, Features: 64, Active: 4}, graph.NewRand(5, 0))
		if err != nil {
			t.Fatal(err)
		}
		p := graph.NewParams(1)
		if err := Init(p, m, graph.NewRand(1, 1), nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Train(context.Background(), m, src, p, 7); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, three := run(1), run(3)
	for _, name := range one.Names() {
		a, b := one.Tensor(name).Float32s(), three.Tensor(name).Float32s()
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s[%d] = %v on one core, %v on three", name, i, a[i], b[i])
			}
		}
	}
}

// TestInferMatchesEncodeDecode: inference decodes TopK from its sparse
// code and every other variant densely; either way the latents are
// Encode's and the reconstruction is Decode's up to the rounding of a sum
// taken in another order.
func TestInferMatchesEncodeDecode(t *testing.T) {
	const d, n, rows = 6, 20, 37
	x := make([]float32, rows*d)
	rng := graph.NewRand(4, 0)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, v := range []Variant{TopK, ReLUL1, JumpReLU} {
		t.Run(string(v), func(t *testing.T) {
			m, err := New(Config{Variant: v, Inputs: d, Latents: n, K: 3, Train: graph.Config{Steps: 1, Batch: rows, LR: 1e-3}})
			if err != nil {
				t.Fatal(err)
			}
			p := graph.NewParams(5)
			if err := Init(p, m, graph.NewRand(5, 1), nil); err != nil {
				t.Fatal(err)
			}
			ref, err := graph.Forward(p, x, d, rows, func(b *graph.Builder, x *graph.Node) []*graph.Node {
				_, f := m.Encode(b, x, true)
				return []*graph.Node{f, m.Decode(b, f)}
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := graph.Forward(p, x, d, rows, func(b *graph.Builder, x *graph.Node) []*graph.Node {
				f, xh := m.Infer(b, x)
				return []*graph.Node{f, xh}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got[0], ref[0]) {
				t.Errorf("Infer's latents differ from Encode's")
			}
			for i := range ref[1] {
				if diff := math.Abs(float64(got[1][i] - ref[1][i])); diff > 1e-5 {
					t.Fatalf("reconstruction[%d] = %v; want %v (Decode's)", i, got[1][i], ref[1][i])
				}
			}
		})
	}
}
