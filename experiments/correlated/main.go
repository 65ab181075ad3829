// Command correlated reproduces "Superposition with Correlated Features" of
// Toy Models of Superposition: m = 2, uniform importance, and features in
// correlated sets (active together) or anticorrelated sets (never active
// together), at feature probabilities p = 400^(−linspace(0.5, 1, 5)):
//
//   - two correlated pairs (n = 4): correlated features end orthogonal;
//
//   - two anticorrelated pairs (n = 4): anticorrelated features end antipodal;
//
//   - three correlated pairs (n = 6): side by side at high sparsity, and each
//     pair collapsing onto one direction (a+b)/√2 at lower sparsity.
//
//     go run ./experiments/correlated [-out out/correlated] [-seed 1] [-steps 10000] [-restarts 3]
//
// It writes summary.json (per instance the cosines within each set and
// whether correlated pairs are orthogonal, anticorrelated ones antipodal, and
// which pairs collapsed), correlated_*.png, report.html and timing.json.
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
	cfg := cli.Correlated{CorrelatedConfig: paper.DefaultCorrelatedConfig()}
	return cli.Sweep("correlated", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.CorrelatedConfig) })
}

func run(ctx context.Context, r paper.Run, cfg paper.CorrelatedConfig) error {
	sum, err := paper.TrainCorrelated(ctx, r, "correlated", cfg, paper.CorrelatedSetups)
	if err != nil {
		return err
	}
	return paper.WriteOutputs(cfg.Out, sum, interp.Report{
		Title:  "Toy Models of Superposition: correlated and anticorrelated features",
		Intro:  "Four or six features of equal importance in two dimensions, grouped in sets that are active together (correlated) or never together (anticorrelated).",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return paper.CorrelatedFigures(out, "correlated", sum) })
}
