package tms

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
)

// TestStackTrainsLikeAlone: K models trained in one stacked graph must end
// with exactly the weights and losses each reaches when trained alone, for
// both stackable kinds, sizes that take the AVX2 kernels and sizes that do
// not, and instances with different data and importances.
func TestStackTrainsLikeAlone(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		n, m int
	}{
		{"relu 5→2", ReLUOutput, 5, 2},
		{"linear 5→2", Linear, 5, 2},
		{"relu 40→9", ReLUOutput, 40, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const k, batch, steps = 3, 64, 30
			cfg := graph.Config{Steps: steps, Batch: batch, LR: 1e-2}
			probs := []float64{1, 0.3, 0.05}
			models := make([]*Model, k)
			srcs := make([]graph.Source, k)
			stackSrcs := make([]graph.Features, k)
			alone := make([]*graph.Params, k)
			stacked := make([]*graph.Params, k)
			cfgs := make([]Config, k)
			lastAlone := make([]float64, k)
			for i := range k {
				cfgs[i] = Config{Kind: tt.kind, Features: tt.n, Hidden: tt.m, Importance: toy.Geometric(tt.n, 0.7+0.1*float64(i))}
				m, err := New(cfgs[i])
				if err != nil {
					t.Fatal(err)
				}
				models[i] = m
				data := toy.Config{Features: tt.n, Probability: []float64{probs[i]}}
				s1, _ := toy.NewSource(data, graph.NewRand(11, uint64(i)))
				s2, _ := toy.NewSource(data, graph.NewRand(11, uint64(i)))
				srcs[i], stackSrcs[i] = graph.FromFeatures(s1), s2
				alone[i], stacked[i] = graph.NewParams(uint64(100+i)), graph.NewParams(uint64(100+i))
				hist, err := graph.Train(context.Background(), m, srcs[i], alone[i], cfg)
				if err != nil {
					t.Fatal(err)
				}
				lastAlone[i] = hist.Last()[0]
			}
			stack, err := NewStack(cfgs)
			if err != nil {
				t.Fatal(err)
			}
			sp, err := StackParams(models, stacked)
			if err != nil {
				t.Fatal(err)
			}
			fsrc, err := graph.StackSources(stackSrcs...)
			src := graph.FromFeatures(fsrc)
			if err != nil {
				t.Fatal(err)
			}
			scfg := cfg
			scfg.Batch = k * batch
			hist, err := graph.Train(context.Background(), stack, src, sp, scfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := UnstackParams(sp, models, stacked); err != nil {
				t.Fatal(err)
			}
			for i := range k {
				if got := hist.Last()[i]; got != lastAlone[i] {
					t.Errorf("instance %d: last loss %v stacked, %v alone", i, got, lastAlone[i])
				}
				for _, name := range []string{ParamW, ParamB} {
					a, s := alone[i].Float64s(name), stacked[i].Float64s(name)
					for j := range a {
						if math.Float64bits(a[j]) != math.Float64bits(s[j]) {
							t.Fatalf("instance %d: %s[%d] = %v stacked, %v alone", i, name, j, s[j], a[j])
						}
					}
				}
			}
		})
	}
}

func TestNewStackRejects(t *testing.T) {
	relu := Config{Kind: ReLUOutput, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 1)}
	tests := []struct {
		name string
		cfgs []Config
	}{
		{"none", nil},
		{"privileged", []Config{{Kind: Privileged, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 1)}}},
		{"sizes differ", []Config{relu, {Kind: ReLUOutput, Features: 5, Hidden: 3, Importance: toy.Geometric(5, 1)}}},
		{"kinds differ", []Config{relu, {Kind: Linear, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 1)}}},
		{"invalid", []Config{relu, {Kind: ReLUOutput, Features: 5, Hidden: 2}}},
	}
	for _, tt := range tests {
		if _, err := NewStack(tt.cfgs); err == nil {
			t.Errorf("NewStack(%s) = nil error; want one", tt.name)
		}
	}
}

// TestSweepStackedMatchesAlone: a sweep whose small models are stacked
// must keep exactly the fits of the same sweep trained one job per graph
// (a checkpointed sweep trains every job alone).
func TestSweepStackedMatchesAlone(t *testing.T) {
	var specs []Spec
	for _, p := range []float64{1, 0.3, 0.1, 0.03} {
		specs = append(specs,
			Spec{Model: Config{Kind: ReLUOutput, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)}, Data: toy.Config{Features: 5, Probability: []float64{p}}},
			Spec{Model: Config{Kind: Linear, Features: 6, Hidden: 3, Importance: toy.Geometric(6, 0.8)}, Data: toy.Config{Features: 6, Probability: []float64{p}}},
			Spec{Model: Config{Kind: Privileged, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)}, Data: toy.Config{Features: 5, Probability: []float64{p}}})
	}
	cfg := SweepConfig{Train: graph.Config{Steps: 60, Batch: 128, LR: 1e-2}, Restarts: 2, Seed: 3, EvalSamples: 2048}
	if units := planUnits(specs, allInstances(len(specs)), cfg.Restarts, true); len(units) >= len(specs)*cfg.Restarts {
		t.Fatalf("%d units for %d jobs: nothing stacked", len(units), len(specs)*cfg.Restarts)
	}
	stacked, err := Sweep(context.Background(), specs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	alone := cfg
	alone.CheckpointDir = t.TempDir()
	single, err := Sweep(context.Background(), specs, alone)
	if err != nil {
		t.Fatal(err)
	}
	for i := range specs {
		if !slices.Equal(stacked[i].RestartLosses, single[i].RestartLosses) {
			t.Errorf("instance %d: restart losses %v stacked, %v alone", i, stacked[i].RestartLosses, single[i].RestartLosses)
		}
		if len(single[i].TrainLoss) == 0 || !slices.Equal(stacked[i].TrainLoss, single[i].TrainLoss) {
			t.Errorf("instance %d: training loss curve %v stacked, %v alone", i, stacked[i].TrainLoss, single[i].TrainLoss)
		}
		for _, name := range []string{ParamW, ParamB} {
			if a, s := single[i].Params.Float64s(name), stacked[i].Params.Float64s(name); !slices.Equal(a, s) {
				t.Errorf("instance %d: %s differs stacked and alone", i, name)
			}
		}
	}
}

// allInstances lists the instances 0 … n−1.
func allInstances(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestSweepInstancesMatchesSweep: any subset of a sweep's instances, in
// any order, trains to exactly the whole sweep's fits of those instances
// (what lets a sweep be split between processes).
func TestSweepInstancesMatchesSweep(t *testing.T) {
	var specs []Spec
	for _, p := range []float64{1, 0.3, 0.1, 0.03, 0.01} {
		specs = append(specs, Spec{Model: Config{Kind: ReLUOutput, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)}, Data: toy.Config{Features: 5, Probability: []float64{p}}})
	}
	cfg := SweepConfig{Train: graph.Config{Steps: 40, Batch: 64, LR: 1e-2}, Restarts: 2, Seed: 5, EvalSamples: 1024}
	whole, err := Sweep(context.Background(), specs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, only := range [][]int{{3}, {4, 0}, {1, 2, 3}} {
		part, err := SweepInstances(context.Background(), specs, only, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for o, i := range only {
			got, want := part[o], whole[i]
			if got.Loss != want.Loss || got.Restart != want.Restart || !reflect.DeepEqual(got.W(), want.W()) || !reflect.DeepEqual(got.TrainLoss, want.TrainLoss) {
				t.Errorf("SweepInstances(%v)[%d]: loss %v restart %d; want instance %d of Sweep: loss %v restart %d", only, o, got.Loss, got.Restart, i, want.Loss, want.Restart)
			}
		}
	}
	for _, bad := range [][]int{{5}, {-1}, {2, 2}} {
		if _, err := SweepInstances(context.Background(), specs, bad, cfg); err == nil {
			t.Errorf("SweepInstances(%v) = nil error; want one", bad)
		}
	}
}
