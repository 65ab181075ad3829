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

// TestRunTiny runs a tiny sweep, and a single probability (one point on the
// figures' log axis, which used to panic after training), and checks every
// output is written.
func TestRunTiny(t *testing.T) {
	tests := []struct {
		name          string
		probabilities []float64
	}{
		{name: "two probabilities", probabilities: []float64{1, 0.1}},
		{name: "one probability", probabilities: []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := paper.DefaultGeometryConfig()
			cfg.Out, cfg.Steps, cfg.EvalSamples = t.TempDir(), 20, 1024
			cfg.Features, cfg.Hidden = 20, 4
			cfg.Probabilities = tt.probabilities
			if err := paper.GeometryExperiment(context.Background(), paper.Run{}, cfg); err != nil {
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
			if n := len(tt.probabilities); len(s.Points) != n || len(s.Runs) != n {
				t.Fatalf("summary: %d points, %d runs; want %d and %d", len(s.Points), len(s.Runs), n, n)
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
		})
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-hidden", "0"},
		[]string{"-probabilities", "0"},
	)
}

// TestStickyDimsPerFeature checks the paper's claim at reduced scale (n = 100,
// m = 10, 3,000 steps): D* = 1 for dense features and sticks at 1/2 (antipodal
// pairs) around p = 0.35, with Σᵢ Dᵢ = m.
func TestStickyDimsPerFeature(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 2 models")
	}
	cfg := paper.DefaultGeometryConfig()
	cfg.Features, cfg.Hidden, cfg.Steps, cfg.LR, cfg.EvalSamples = 100, 10, 3000, 3e-3, 1<<12
	cfg.Probabilities = []float64{1, 0.35}
	for _, seed := range []uint64{1, 2} {
		cfg.Seed = seed
		runs, err := paper.RunToy(context.Background(), paper.Run{}, "test", cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []struct{ lo, hi float64 }{{0.97, 1.03}, {0.48, 0.55}} {
			r := runs[i]
			if r.DimsPerFeature < want.lo || r.DimsPerFeature > want.hi {
				t.Errorf("seed %d, p=%v: D* = %.3f; want in [%v, %v]", seed, r.FeatureProbability, r.DimsPerFeature, want.lo, want.hi)
			}
			if d := r.SumDimensionality - float64(r.Hidden); d > 0.1 || d < -0.1 {
				t.Errorf("seed %d, p=%v: Σ Dᵢ = %.3f; want m = %d within 0.1", seed, r.FeatureProbability, r.SumDimensionality, r.Hidden)
			}
		}
	}
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "geometry", exitCode, "-steps", "20", "-eval-samples", "1024", "-features", "20", "-hidden", "4", "-probabilities", "1,0.1")
}

// TestShards: split into 2 and 3 shards, run as separate processes and
// merged, the sweep gives the unsharded summary.json byte for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.ShardMerge(t, exitCode, []string{"-steps", "20", "-eval-samples", "1024", "-features", "20", "-hidden", "4", "-probabilities", "1,0.3,0.1"}, 2, 3)
}
