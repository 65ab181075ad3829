// Command phase reproduces "Superposition as a Phase Change" of Toy Models of
// Superposition: for n = 2 features in m = 1 dimension, with importances
// (1, r), it trains a ReLU-output model at every cell of a grid of relative
// importance r ∈ [0.1, 10] and feature probability p ∈ [0.01, 1] (both log
// spaced), keeps the best of several restarts, and classifies the result as
// "ignored" (the extra feature is dropped), "dedicated" (it gets the
// dimension) or "superposition" (an antipodal pair). The empirical diagram is
// drawn over the closed-form boundary. It also draws the n = 3, m = 2 diagram
// (importances (1, 1, r)).
//
//	go run ./experiments/phase [-out out/phase] [-seed 1] [-steps 6000] [-restarts 3] [-grid 12]
//
// It writes summary.json (a cells array with importance_ratio,
// feature_probability, phase and theory_phase; cells3 for n = 3), phase.png,
// phase3.png, report.html and timing.json.
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
	cfg := cli.Phase{PhaseConfig: paper.DefaultPhaseConfig()}
	return cli.Sweep("phase", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.PhaseConfig) })
}

func run(ctx context.Context, r paper.Run, cfg paper.PhaseConfig) error {
	sum, err := paper.TrainPhase(ctx, r, "phase", cfg)
	if err != nil {
		return err
	}
	return paper.WriteOutputs(cfg.Out, sum, interp.Report{
		Title:  "Toy Models of Superposition: superposition as a phase change",
		Intro:  "Two features, one dimension: is the extra feature ignored, given the dimension, or stored in superposition with the first?",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return paper.PhaseFigures(out, "phase", sum) })
}
