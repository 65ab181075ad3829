// Command saesweep sweeps sparse autoencoders on a toy model's activations:
// MMCS against the L1 coefficient and against the dictionary size (as in the
// sparse-coding toy replications), the L0–FVU frontier of every variant, and
// a breakdown grid that trains toy models from n/m = 1 to 4 features per
// neuron at a few sparsities and shows where decomposition stops working.
//
//	go run ./experiments/saesweep [decompose's flags] [-l1s 0.03,0.1,0.3,1] [-ratios 0.5,1,1.5,2,4]
//	    [-ks 1,2,3] [-l0s 0.03,0.1,0.3] [-superposition 1,1.5,2,2.5,3,4] [-grid-probabilities 0.01,0.03,0.1]
//	    [-grid-variants topk,relu-l1]
//
// It writes summary.json (l1_sweep, ratio_sweep, frontier and
// superposition_grid, each SAE with decompose's metrics), saesweep_l1.png,
// saesweep_ratio.png, saesweep_frontier.png, saesweep_breakdown.png,
// report.html and timing.json.
package main

import (
	"context"
	"os"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
)

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := cli.SAESweep{SAESweepConfig: paper.DefaultSAESweepConfig()}
	return cli.Sweep("saesweep", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.SAESweepConfig) })
}

func run(ctx context.Context, r paper.Run, cfg paper.SAESweepConfig) error {
	sum, err := paper.SAESweep(ctx, r, cfg)
	if err != nil {
		return err
	}
	return paper.WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Sparse autoencoders on a toy model: sweeps",
		Intro: "How the L1 coefficient, the dictionary size and the sparsity setting of each variant change what an SAE finds " +
			"in a toy model's activations, and how much superposition it can undo.",
		Config: sum.Config,
	}, func(out string) ([]interp.Section, error) { return paper.SAESweepFigures(out, sum) })
}
