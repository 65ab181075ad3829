package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/paper"
)

func tiny(out string) paper.Toy {
	cfg := paper.DefaultIntroConfig()
	cfg.Out, cfg.Steps, cfg.Restarts, cfg.EvalSamples = out, 30, 1, 1024
	cfg.Probabilities = []float64{1, 0.05}
	return cfg
}

// TestRunWritesContract checks summary.json carries the contract's fields and
// is byte-identical for the same seed.
func TestRunWritesContract(t *testing.T) {
	var summaries [][]byte
	for range 2 {
		out := t.TempDir()
		if err := paper.IntroExperiment(context.Background(), paper.Run{}, tiny(out)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		summaries = append(summaries, data)
		for _, f := range []string{"report.html", "intro_relu_gram.png", "intro_relu_directions.png", "intro_linear_gram.png"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Errorf("missing %s: %v", f, err)
			}
		}
	}
	if !bytes.Equal(summaries[0], summaries[1]) {
		t.Error("summary.json differs between two runs with the same seed")
	}
	var s struct {
		Experiment string
		Config     map[string]any
		Runs       []map[string]any
	}
	if err := json.Unmarshal(summaries[0], &s); err != nil {
		t.Fatal(err)
	}
	if s.Experiment != "intro" || s.Config["seed"] == nil || len(s.Runs) != 4 {
		t.Fatalf("summary: experiment %q, seed %v, %d runs; want intro, a seed, 4 runs", s.Experiment, s.Config["seed"], len(s.Runs))
	}
	for _, key := range []string{"model", "features", "hidden", "feature_probability", "importance", "seed", "loss",
		"W", "b", "norms", "interference", "dimensionality", "dims_per_feature", "represented"} {
		if _, ok := s.Runs[0][key]; !ok {
			t.Errorf("run record lacks %q", key)
		}
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-hidden", "0"},
		[]string{"-probabilities", "0.5,2"},
		[]string{"-lr", "NaN"},
		[]string{"-model", "cubic"},
		[]string{"-steps", "-3"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "intro", exitCode, "-steps", "30", "-restarts", "1", "-eval-samples", "1024", "-probabilities", "1,0.05")
}

// TestHostileFlags runs the hostile-input suite (issue 19) on intro.
func TestHostileFlags(t *testing.T) {
	clitest.Hostile(t, []string{"-probabilities", "1,0.1", "-steps", "30", "-restarts", "1", "-eval-samples", "512", "-batch", "32", "-model", "relu"})
}

// TestShards: split into 2 and 3 shards, run as separate processes and
// merged, the sweep gives the unsharded summary.json byte for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.ShardMerge(t, exitCode, []string{"-steps", "30", "-restarts", "1", "-eval-samples", "1024", "-probabilities", "1,0.2,0.05"}, 2, 3)
}
