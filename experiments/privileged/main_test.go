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
	cfg := paper.DefaultPrivilegedConfig()
	cfg.Out, cfg.Steps, cfg.Restarts, cfg.EvalSamples = t.TempDir(), 20, 1, 1024
	cfg.Probabilities = []float64{0.75, 0.02}
	if err := paper.PrivilegedExperiment(context.Background(), paper.Run{}, cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Runs []map[string]any }
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 2 {
		t.Fatalf("%d runs; want 2", len(s.Runs))
	}
	for _, key := range []string{"represented", "monosemantic_neurons", "polysemantic_neurons", "features_per_neuron", "neurons"} {
		if _, ok := s.Runs[0][key]; !ok {
			t.Errorf("run lacks %q", key)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, "privileged_neurons.png")); err != nil {
		t.Error(err)
	}
}

// TestPolysemanticNeurons checks the paper's claim at reduced scale: dense
// features get one neuron each; sparse ones outnumber the neurons, which turn
// polysemantic.
func TestPolysemanticNeurons(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 20 models")
	}
	for _, seed := range []uint64{1, 2} {
		cfg := paper.DefaultPrivilegedConfig()
		cfg.Seed, cfg.Steps, cfg.Restarts, cfg.LR, cfg.EvalSamples = seed, 5000, 5, 3e-3, 1<<16
		cfg.Probabilities = []float64{0.75, 0.02}
		toyRuns, err := paper.RunToy(context.Background(), paper.Run{}, "test", cfg)
		if err != nil {
			t.Fatal(err)
		}
		dense, sparse := paper.ReadNeurons(toyRuns[0], false), paper.ReadNeurons(toyRuns[1], false)
		if dense.Monosemantic != 5 || dense.Represented != 5 || dense.MaxInterference >= 0.05 {
			t.Errorf("seed %d, p=0.75: %d monosemantic neurons, %d represented, max interference %.3f; want 5, 5, < 0.05",
				seed, dense.Monosemantic, dense.Represented, dense.MaxInterference)
		}
		if sparse.Represented < 8 || sparse.Polysemantic < 3 {
			t.Errorf("seed %d, p=0.02: %d represented, %d polysemantic neurons; want ≥ 8 and ≥ 3", seed, sparse.Represented, sparse.Polysemantic)
		}
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-importance", "-1"},
		[]string{"-eval-samples", "0"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "privileged", exitCode, "-steps", "20", "-restarts", "1", "-eval-samples", "1024", "-probabilities", "0.75,0.02")
}

// TestShards: split into 2 and 3 shards, run as separate processes and
// merged, the sweep gives the unsharded summary.json byte for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.ShardMerge(t, exitCode, []string{"-steps", "20", "-restarts", "1", "-eval-samples", "1024", "-probabilities", "0.75,0.1,0.02"}, 2, 3)
}
