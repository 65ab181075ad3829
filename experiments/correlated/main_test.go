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
	cfg := paper.DefaultCorrelatedConfig()
	cfg.Out, cfg.Steps, cfg.Restarts, cfg.EvalSamples = t.TempDir(), 20, 1, 1024
	cfg.Probabilities = []float64{0.05}
	if err := paper.CorrelatedExperiment(context.Background(), paper.Run{}, cfg); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"summary.json", "correlated_0.png", "correlated_1.png", "correlated_2.png", "report.html"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSparsestInstance checks the paper's claim at reduced scale for two
// seeds: in the sparsest instance correlated pairs are orthogonal and
// anticorrelated pairs antipodal.
func TestSparsestInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 40 models")
	}
	for _, seed := range []uint64{1, 2} {
		cfg := paper.DefaultCorrelatedConfig()
		cfg.Seed, cfg.Steps, cfg.LR, cfg.EvalSamples = seed, 4000, 5e-3, 1<<17
		cfg.Probabilities = cfg.Probabilities[len(cfg.Probabilities)-1:]
		sum, err := paper.TrainCorrelated(context.Background(), paper.Run{}, "test", cfg, paper.CorrelatedSetups[:2])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sum.Runs {
			if r.Setup == "correlated pairs" && !r.CorrelatedOrthogonal {
				t.Errorf("seed %d, p=%.4f: correlated pairs not orthogonal: %+v", seed, r.FeatureProbability, r.Pairs)
			}
			if r.Setup == "anticorrelated pairs" && !r.AnticorrelatedAntipodal {
				t.Errorf("seed %d, p=%.4f: anticorrelated pairs not antipodal: %+v", seed, r.FeatureProbability, r.Pairs)
			}
		}
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-probabilities", "0.9"},
		[]string{"-batch", "0"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "correlated", exitCode, "-steps", "20", "-restarts", "1", "-eval-samples", "1024", "-probabilities", "0.05")
}

// TestShards: split into 2 and 3 shards, run as separate processes and
// merged, the sweep gives the unsharded summary.json byte for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.ShardMerge(t, exitCode, []string{"-steps", "20", "-restarts", "1", "-eval-samples", "1024", "-probabilities", "0.05,0.2"}, 2, 3)
}
