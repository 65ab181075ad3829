package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/paper"
)

// TestRunTiny runs tiny sweeps, one with a single L1 coefficient (one point
// per series on the L1 figure's log axis, which used to panic after
// training), and checks every output is written.
func TestRunTiny(t *testing.T) {
	tests := []struct {
		name string
		l1s  []float64
	}{
		{name: "two L1 coefficients", l1s: []float64{0.1, 1}},
		{name: "one L1 coefficient", l1s: []float64{0.3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := paper.DefaultSAESweepConfig()
			cfg.Out = t.TempDir()
			cfg.Features, cfg.Hidden, cfg.Probability = 10, 4, 0.1
			cfg.ToySteps, cfg.SAESteps, cfg.Batch, cfg.EvalSamples = 200, 30, 64, 1024
			cfg.L1s, cfg.Ratios, cfg.Ks, cfg.L0s = tt.l1s, []float64{1, 2}, []int{1, 2}, []float64{0.1}
			cfg.Superposition, cfg.GridProbabilities = []float64{1, 2}, []float64{0.1}
			if err := (cli.SAESweep{SAESweepConfig: cfg}).Validate(); err != nil {
				t.Fatal(err)
			}
			if err := paper.SAESweepExperiment(context.Background(), paper.Run{}, cfg); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			var s paper.SAESweepSummary
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			// Frontier: 2 ReLU variants × the L1s + 2 K-variants × 2 k + 1 JumpReLU.
			l1, frontier := 2*len(tt.l1s), 2*len(tt.l1s)+5
			if len(s.L1) != l1 || len(s.Frontier) != frontier || len(s.Ratio) != 2 || len(s.Grid) != 2 {
				t.Errorf("sweep sizes: l1 %d, frontier %d, ratio %d, grid %d; want %d, %d, 2, 2", len(s.L1), len(s.Frontier), len(s.Ratio), len(s.Grid), l1, frontier)
			}
			if s.Ratio[1].SAEs[0].Latents != 20 {
				t.Errorf("ratio 2 on 10 features: %d latents; want 20", s.Ratio[1].SAEs[0].Latents)
			}
			for _, f := range []string{"saesweep_l1.png", "saesweep_ratio.png", "saesweep_frontier.png", "saesweep_breakdown.png", "report.html"} {
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
		[]string{"-l1s", "0.1,-1"},
		[]string{"-ratios", ""},
		[]string{"-ks", "1,x"},
		[]string{"-ks", "0"},
		[]string{"-grid-probabilities", "2"},
		[]string{"-source", "synthetic"},
		[]string{"-grid-variants", "mlp"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "saesweep", exitCode, "-features", "10", "-hidden", "4", "-probability", "0.1", "-toy-steps", "200", "-sae-steps", "30", "-batch", "64", "-eval-samples", "1024", "-l1s", "0.1,1", "-ratios", "1,2", "-ks", "1,2", "-l0s", "0.1", "-superposition", "1,2", "-grid-probabilities", "0.1")
}

// shardArgs is a reduced sweep for the sharding tests: 9 SAEs on the base
// toy model and a breakdown grid of 2 cells.
var shardArgs = []string{"-features", "10", "-hidden", "4", "-probability", "0.1", "-toy-steps", "200", "-sae-steps", "30", "-batch", "64", "-eval-samples", "1024", "-l1s", "0.1,1", "-ratios", "1", "-ks", "1,2", "-l0s", "0.1", "-superposition", "1,2", "-grid-probabilities", "0.1"}

// TestShards: the sweeps split into 1, 3 and 7 shards, run as separate
// processes in any order and merged, give the unsharded summary.json byte
// for byte.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as a dozen processes")
	}
	clitest.ShardMerge(t, exitCode, shardArgs, 1, 3, 7)
}

// TestMergeRefuses: a missing, foreign, corrupted or doubled part is one
// line and exit status 2, and the folder is left as it was.
func TestMergeRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment as processes")
	}
	clitest.MergeRefusals(t, exitCode, shardArgs, []string{"-l1s", "0.1,0.9"})
}
