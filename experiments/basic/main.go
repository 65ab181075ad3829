// Command basic reproduces the basic results of Toy Models of Superposition:
// n = 20 features with importance 0.7ⁱ in m = 5 hidden dimensions, for the
// linear and the ReLU-output model, at feature probabilities 1 to 0.001.
//
//	go run ./experiments/basic [-out out/basic] [-seed 1] [-steps 10000] [-restarts 1]
//
// The linear model keeps the five most important features at every sparsity
// (the PCA solution); the ReLU-output model packs more and more features into
// superposition as they get sparser. It writes summary.json, basic_*_gram.png,
// report.html and timing.json.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
)

// DefaultConfig is the paper's setup.
func DefaultConfig() paper.Toy {
	return paper.Toy{
		Common:        paper.Common{Out: "out/basic", Seed: 1, Steps: 10000, Restarts: 1},
		Features:      20,
		Hidden:        5,
		Importance:    0.7,
		Probabilities: []float64{1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001},
		Model:         "both",
		Training:      paper.Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 20},
	}
}

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := cli.Toy{Toy: DefaultConfig()}
	return cli.Sweep("basic", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.Toy) })
}

func run(ctx context.Context, r paper.Run, cfg paper.Toy) error {
	return paper.ToyExperiment(ctx, r, "basic", cfg, "Toy Models of Superposition: basic results", func(runs []interp.ToyRun) string {
		var counts []string
		for _, r := range runs {
			counts = append(counts, fmt.Sprintf("%s p=%.3g: %d", r.Model, r.FeatureProbability, r.Represented))
		}
		return fmt.Sprintf("%d features with importance %.2gⁱ in %d hidden dimensions, each active with probability p = 1 − S. ",
			cfg.Features, cfg.Importance, cfg.Hidden) + strings.Join(paper.SparsityReading(runs), " ") +
			fmt.Sprintf(" Represented features (‖Wᵢ‖ > 0.5): %s.", strings.Join(counts, ", "))
	})
}
