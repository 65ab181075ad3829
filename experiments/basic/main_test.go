package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/paper"
)

func TestRunTiny(t *testing.T) {
	cfg := paper.DefaultBasicConfig()
	cfg.Out, cfg.Steps, cfg.EvalSamples = t.TempDir(), 20, 1024
	cfg.Probabilities = []float64{1, 0.01}
	if err := paper.BasicExperiment(context.Background(), paper.Run{}, cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Experiment string
		Runs       []struct {
			Model    string
			Features int
			W        [][]float64
		}
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Experiment != "basic" || len(s.Runs) != 4 || len(s.Runs[0].W) != 5 || len(s.Runs[0].W[0]) != 20 {
		t.Errorf("summary: %q with %d runs; want basic, 4 runs of W [5][20]", s.Experiment, len(s.Runs))
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, "report.html")); err != nil {
		t.Error(err)
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-features", "0"},
		[]string{"-restarts", "0"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "basic", exitCode, "-steps", "20", "-eval-samples", "1024", "-probabilities", "1,0.01")
}

// TestShards: split into 2 and 3 shards, run as separate processes and
// merged, the sweep gives the unsharded summary.json byte for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.ShardMerge(t, exitCode, []string{"-steps", "20", "-eval-samples", "1024", "-probabilities", "1,0.1,0.01"}, 2, 3)
}
