package sae

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/toymodels/superposition/graph"
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
