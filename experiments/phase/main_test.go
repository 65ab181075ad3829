package main

import (
	"bytes"
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
	if err := paper.PhaseExperiment(context.Background(), paper.Run{}, cfg); err != nil {
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

// shardArgs is a reduced grid for the sharding tests: both diagrams, 18
// cells of two restarts.
var shardArgs = []string{"-grid", "3", "-steps", "60", "-restarts", "2", "-eval-samples", "1024"}

// TestShards: the grid split into 1, 3 and 7 shards, run as separate
// processes in any order and merged, gives the unsharded summary.json byte
// for byte; so does a split whose shard was killed (SIGKILL) and rerun.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as a dozen processes")
	}
	dir := clitest.ShardMerge(t, exitCode, shardArgs, 1, 3, 7)
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Errorf("the merge wrote no report: %v", err)
	}
	// Killed and resumed: long enough to be killed mid-way.
	long := []string{"-grid", "3", "-steps", "3000", "-restarts", "1", "-eval-samples", "1024", "-three=false", "-checkpoint-every", "10"}
	whole := t.TempDir()
	if code := exitCode(append(append([]string(nil), long...), "-out", whole)); code != 0 {
		t.Fatalf("unsharded run: exit code %d", code)
	}
	parts := filepath.Join(t.TempDir(), "parts")
	clitest.KillShard(t, long, "0/2", parts, "*.ckpt")
	if code := exitCode(append(append([]string(nil), long...), "-shard", "1/2", "-out", parts)); code != 0 {
		t.Fatalf("shard 1/2: exit code %d", code)
	}
	if code := exitCode(append(append([]string(nil), long...), "-merge", "-out", parts)); code != 0 {
		t.Fatalf("merge: exit code %d", code)
	}
	want, _ := os.ReadFile(filepath.Join(whole, "summary.json"))
	got, _ := os.ReadFile(filepath.Join(parts, "summary.json"))
	if !bytes.Equal(got, want) {
		t.Error("merged summary.json with a killed and rerun shard differs from the unsharded run's")
	}
}

// TestMergeRefuses: a missing, foreign, corrupted or doubled part is one
// line and exit status 2, and the folder is left as it was.
func TestMergeRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.MergeRefusals(t, exitCode, shardArgs, []string{"-seed", "2"})
}
