// Command intro reproduces the intro figure of Toy Models of Superposition:
// n = 5 features with importance 0.9ⁱ in m = 2 hidden dimensions, at ten
// feature probabilities from 1 to 0.05, for the ReLU-output and the linear
// model, best of 3 restarts.
//
//	go run ./experiments/intro [-out out/intro] [-seed 1] [-steps 10000] [-restarts 3]
//
// It writes summary.json (config and one record per trained model),
// intro_*_gram.png, intro_*_directions.png, report.html and timing.json.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
	"github.com/toymodels/superposition/toy"
)

// DefaultConfig is the paper's setup.
func DefaultConfig() paper.Toy {
	return paper.Toy{
		Common:        paper.Common{Out: "out/intro", Seed: 1, Steps: 10000, Restarts: 3},
		Features:      5,
		Hidden:        2,
		Importance:    0.9,
		Probabilities: toy.Powers(20, 0, 1, 10),
		Model:         "both",
		Training:      paper.Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 20},
	}
}

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := cli.Toy{Toy: DefaultConfig()}
	return cli.Sweep("intro", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.Toy) })
}

func run(ctx context.Context, r paper.Run, cfg paper.Toy) error {
	return paper.ToyExperiment(ctx, r, "intro", cfg, "Toy Models of Superposition: the intro figure", func(runs []interp.ToyRun) string {
		return fmt.Sprintf("%d features of decreasing importance (Iᵢ = %.2gⁱ) squeezed into %d hidden dimensions, each active with probability p = 1 − S. "+
			"In the paper (5 features, 2 dimensions) dense features leave the ReLU-output model the two most important, orthogonal, like the linear model; "+
			"as they get sparser it packs more features into the plane: antipodal pairs, then a pentagon. Here: ",
			cfg.Features, cfg.Importance, cfg.Hidden) + strings.Join(paper.SparsityReading(runs), " ")
	})
}
