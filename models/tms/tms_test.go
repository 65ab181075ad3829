package tms

import (
	"context"
	"math"
	"runtime"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
	"gorgonia.org/tensor"
)

func TestGradCheck(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			m, err := New(Config{Kind: kind, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)})
			if err != nil {
				t.Fatal(err)
			}
			rng := graph.NewRand(3, 0)
			x := make([]float64, 8*5)
			for i := range x {
				if rng.Float64() < 0.5 {
					x[i] = rng.Float64()
				}
			}
			p := graph.NewParamsOf(tensor.Float64, 4)
			// A bias away from 0 keeps ReLU pre-activations off the kink.
			res, err := graph.GradCheck(m, x, 5, p, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if res.RelErr > 1e-6 {
				t.Errorf("gradient of %s[%d]: analytic %v, finite difference %v", res.Param, res.Index, res.Analytic, res.Numeric)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := Config{Kind: ReLUOutput, Features: 3, Hidden: 2, Importance: []float64{1, 1, 1}}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"kind", func(c *Config) { c.Kind = "tanh" }},
		{"hidden", func(c *Config) { c.Hidden = 0 }},
		{"features", func(c *Config) { c.Features = 0 }},
		{"importance length", func(c *Config) { c.Importance = []float64{1} }},
		{"importance sign", func(c *Config) { c.Importance = []float64{1, -1, 1} }},
	}
	for _, tt := range tests {
		c := good
		tt.edit(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("Validate with bad %s = nil; want an error", tt.name)
		}
	}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
}

// TestLinearDenseLoss checks the linear model's loss at p = 1 against the
// closed form: it keeps the m most important features, and each dropped one
// costs Iᵢ·Var(xᵢ) = Iᵢ/12 (the bias absorbs the mean).
func TestLinearDenseLoss(t *testing.T) {
	imp := toy.Geometric(6, 0.7)
	spec := Spec{
		Model: Config{Kind: Linear, Features: 6, Hidden: 2, Importance: imp},
		Data:  toy.Config{Features: 6, Probability: []float64{1}},
	}
	cfg := SweepConfig{Train: graph.Config{Steps: 3000, Batch: 1024, LR: 3e-3}, Restarts: 1, Seed: 1, EvalSamples: 1 << 19}
	res, err := Sweep(context.Background(), []Spec{spec}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for _, v := range imp[2:] {
		want += v / 12
	}
	if got := res[0].Loss; math.Abs(got-want)/want > 0.02 {
		t.Errorf("linear dense loss = %v; want %v within 2%%", got, want)
	}
}

// TestSweepDeterministic trains the same sweep with GOMAXPROCS 1 and 2: the
// kept weights must be bit-identical.
func TestSweepDeterministic(t *testing.T) {
	specs := []Spec{
		{Model: Config{Kind: ReLUOutput, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)}, Data: toy.Config{Features: 5, Probability: []float64{0.1}}},
		{Model: Config{Kind: Linear, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)}, Data: toy.Config{Features: 5, Probability: []float64{1}}},
	}
	cfg := SweepConfig{Train: graph.Config{Steps: 100, Batch: 256, LR: 1e-3}, Restarts: 2, Seed: 7, EvalSamples: 4096}
	run := func(procs int) []Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := Sweep(context.Background(), specs, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one, two := run(1), run(2)
	for i := range one {
		if one[i].Loss != two[i].Loss || one[i].Restart != two[i].Restart {
			t.Errorf("instance %d: loss %v (restart %d) with GOMAXPROCS=1, %v (restart %d) with 2",
				i, one[i].Loss, one[i].Restart, two[i].Loss, two[i].Restart)
		}
		w1, w2 := one[i].Params.Float64s(ParamW), two[i].Params.Float64s(ParamW)
		for j := range w1 {
			if w1[j] != w2[j] {
				t.Fatalf("instance %d: W[%d] = %v with GOMAXPROCS=1, %v with 2", i, j, w1[j], w2[j])
			}
		}
	}
}
