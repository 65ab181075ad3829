package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/cli"
)

func TestRunTiny(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Out, cfg.Steps, cfg.EvalSamples = t.TempDir(), 20, 1024
	cfg.Probabilities = []float64{1, 0.01}
	if err := run(context.Background(), cli.QuietEnv(), cfg); err != nil {
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
	for _, args := range [][]string{
		{"-features", "0"},
		{"-restarts", "0"},
	} {
		out := t.TempDir()
		if got := exitCode(append(args, "-out", out)); got != 2 {
			t.Errorf("exitCode(%q) = %d; want 2", args, got)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("exitCode(%q) wrote %d files; want none", args, len(entries))
		}
	}
}
