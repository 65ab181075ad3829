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
	cfg.Features, cfg.Hidden = 20, 4
	cfg.Probabilities = []float64{1, 0.1}
	if err := run(context.Background(), cli.QuietEnv(), cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Points []map[string]any
		Runs   []map[string]any
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 2 || len(s.Runs) != 2 {
		t.Fatalf("summary: %d points, %d runs; want 2 and 2", len(s.Points), len(s.Runs))
	}
	for _, key := range []string{"dims_per_feature", "dimensionality", "sum_dimensionality", "frobenius_sq"} {
		if _, ok := s.Runs[0][key]; !ok {
			t.Errorf("run lacks %q", key)
		}
	}
	for _, f := range []string{"geometry_dstar.png", "geometry_dimensionality.png", "report.html"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
			t.Error(err)
		}
	}
}
