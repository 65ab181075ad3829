package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/paper"
)

func TestRunTiny(t *testing.T) {
	cfg := paper.DefaultAbsVal()
	cfg.Out, cfg.Steps, cfg.EvalSamples = t.TempDir(), 20, 1024
	cfg.Features, cfg.Hidden, cfg.Probabilities = 10, 4, []float64{1, 0.1}
	if err := paper.AbsValExperiment(context.Background(), paper.Run{}, cfg); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"summary.json", "absval_neurons.png", "absval_small_neurons.png", "report.html"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSmallModel checks the n = 3, m = 6 claim: loss < 1e-4 and one
// ReLU(x) and one ReLU(−x) neuron per feature, one-hot within 0.05.
func TestSmallModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 3 models")
	}
	for _, seed := range []uint64{1, 2} {
		cfg := paper.SmallAbsValConfig(6000)
		cfg.Seed, cfg.LR = seed, 3e-3
		runs, err := paper.RunToy(context.Background(), paper.Run{}, "test", cfg)
		if err != nil {
			t.Fatal(err)
		}
		if runs[0].Loss >= 1e-4 {
			t.Errorf("seed %d: loss %.2g; want < 1e-4", seed, runs[0].Loss)
		}
		if ok, why := paper.PlusMinus(runs[0].W, 0.05); !ok {
			t.Errorf("seed %d: %s", seed, why)
		}
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-steps", "0"},
		[]string{"-model", "nope"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "absval", exitCode, "-steps", "20", "-eval-samples", "1024", "-features", "10", "-hidden", "4", "-probabilities", "1,0.1")
}

// TestShards: split into 2 and 3 shards, run as separate processes and
// merged, the sweep gives the unsharded summary.json byte for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.ShardMerge(t, exitCode, []string{"-steps", "20", "-eval-samples", "1024", "-features", "10", "-hidden", "4", "-probabilities", "1,0.3,0.1"}, 2, 3)
}
