package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/paper"
)

func TestRunTiny(t *testing.T) {
	cfg := paper.DefaultPhaseConfig()
	cfg.Out, cfg.Grid, cfg.Steps, cfg.Restarts, cfg.EvalSamples = t.TempDir(), 2, 20, 1, 1024
	if err := run(context.Background(), paper.Run{}, cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Cells  []map[string]any
		Cells3 []map[string]any
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Cells) != 4 || len(s.Cells3) != 4 {
		t.Fatalf("summary: %d cells and %d n=3 cells; want 4 and 4", len(s.Cells), len(s.Cells3))
	}
	for _, key := range []string{"importance_ratio", "feature_probability", "phase", "theory_phase"} {
		if _, ok := s.Cells[0][key]; !ok {
			t.Errorf("cell lacks %q", key)
		}
	}
	for _, f := range []string{"phase.png", "phase3.png", "report.html"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, edit := range []func(*paper.PhaseConfig){
		func(c *paper.PhaseConfig) { c.Grid = 1 },
		func(c *paper.PhaseConfig) { c.RMin = 0 },
		func(c *paper.PhaseConfig) { c.RMax = c.RMin },
		func(c *paper.PhaseConfig) { c.PMax = 2 },
		func(c *paper.PhaseConfig) { c.Steps = 0 },
	} {
		c := paper.DefaultPhaseConfig()
		edit(&c)
		if err := (cli.Phase{PhaseConfig: c}).Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil; want an error", c)
		}
	}
}

// TestAgreesWithTheory checks the paper's claim at reduced scale: away from
// the boundary, the learned phase is the closed-form optimum.
func TestAgreesWithTheory(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 48 models")
	}
	cfg := paper.DefaultPhaseConfig()
	cfg.Grid, cfg.Steps, cfg.Three, cfg.EvalSamples = 4, 3000, false, 1<<15
	sum, err := paper.TrainPhase(context.Background(), paper.Run{}, "test", cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := sum.Agreement
	if a.FarCells < 10 || a.FarFraction < 0.9 {
		t.Errorf("agreement far from the boundary: %d of %d cells (%.2f); want ≥ 90%% of at least 10", a.FarAgree, a.FarCells, a.FarFraction)
		for _, c := range sum.Cells {
			if c.Phase != c.TheoryPhase {
				t.Logf("r=%.3g p=%.3g: learned %s, theory %s, W %v", c.ImportanceRatio, c.FeatureProbability, c.Phase, c.TheoryPhase, c.W)
			}
		}
	}
}

func TestFlags(t *testing.T) {
	cfg := cli.Phase{PhaseConfig: paper.DefaultPhaseConfig()}
	fs := flag.NewFlagSet("phase", flag.ContinueOnError)
	cfg.Register(fs)
	if err := fs.Parse([]string{"-grid", "3", "-r-max", "5", "-three=false", "-lr", "0.01"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Grid != 3 || cfg.RMax != 5 || cfg.Three || cfg.LR != 0.01 {
		t.Errorf("parsed %+v; want grid 3, r-max 5, three false, lr 0.01", cfg)
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-grid", "1"},
		[]string{"-p-max", "2"},
		[]string{"-lr", "-1"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "phase", exitCode, "-grid", "2", "-steps", "20", "-restarts", "1", "-eval-samples", "1024")
}
