package tms

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
)

func TestParallelScaling(t *testing.T) {
	var specs []Spec
	for i := 0; i < 8; i++ {
		specs = append(specs, Spec{Model: Config{Kind: ReLUOutput, Features: 2, Hidden: 1, Importance: []float64{1, 0.5}}, Data: toy.Config{Features: 2, Probability: []float64{0.1}}})
	}
	cfg := SweepConfig{Train: graph.Config{Steps: 3000, Batch: 1024, LR: 1e-3}, Restarts: 1, Seed: 1, EvalSamples: 1024}
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		t0 := time.Now()
		if _, err := Sweep(context.Background(), specs, cfg); err != nil {
			t.Fatal(err)
		}
		t.Logf("GOMAXPROCS=%d: %v", procs, time.Since(t0))
		runtime.GOMAXPROCS(old)
	}
}
