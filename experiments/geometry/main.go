// Command geometry reproduces "The Geometry of Superposition" of Toy Models of
// Superposition: n = 200 features of equal importance in m = 20 dimensions,
// one ReLU-output model per feature probability p = 20^(−linspace(0, 1, 20)).
// Dimensions per feature D* stick at 1 and then at 1/2 (antipodal pairs) as
// features get sparser, and individual features' dimensionalities Dᵢ cluster
// at the fractions of uniform polytopes (2/3, 1/2, 2/5, 3/8, …).
//
//	go run ./experiments/geometry [-out out/geometry] [-seed 1] [-steps 10000]
//	    [-features 200] [-hidden 20] [-probabilities p1,p2,...]
//
// It writes summary.json (one record per p with dims_per_feature,
// frobenius_sq, sum_dimensionality and every dimensionality), geometry_dstar.png,
// geometry_dimensionality.png, report.html and timing.json.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
	"github.com/toymodels/superposition/toy"
)

// DefaultConfig is the paper's setup.
func DefaultConfig() paper.Toy {
	return paper.Toy{
		Common:        paper.Common{Out: "out/geometry", Seed: 1, Steps: 10000, Restarts: 1},
		Features:      200,
		Hidden:        20,
		Importance:    1,
		Probabilities: toy.Powers(20, 0, 1, 20),
		Model:         "relu",
		Training:      paper.Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 18},
	}
}

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := cli.Toy{Toy: DefaultConfig()}
	return cli.Sweep("geometry", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.Toy) })
}

func run(ctx context.Context, r paper.Run, cfg paper.Toy) error {
	runs, err := paper.RunToy(ctx, r, "geometry", cfg)
	if err != nil {
		return err
	}
	sum := paper.GeometrySummary{Experiment: "geometry", Config: cfg, Runs: runs}
	for _, r := range runs {
		sum.Points = append(sum.Points, paper.MeasureGeometry(r))
	}
	return paper.WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Toy Models of Superposition: the geometry of superposition",
		Intro: fmt.Sprintf("%d features of equal importance in %d dimensions, one ReLU-output model per feature probability (%d steps).",
			cfg.Features, cfg.Hidden, cfg.Steps),
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return paper.GeometryFigures(out, "geometry", runs) })
}
