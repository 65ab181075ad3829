// Command tour is the project's short end-to-end run: it trains the intro
// figure of Toy Models of Superposition at reduced scale and writes
// out/tour/report.html with the figures and a reading of them. It takes a few
// minutes on two cores.
//
//	go run ./experiments/tour [-out out/tour] [-seed 1] [-steps 4000] [-restarts 3]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/experiments/internal/paper"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/toy"
)

// Config is the tour's configuration.
type Config struct {
	cli.Common
	// Intro is the reduced intro figure.
	Intro cli.Toy `json:"intro"`
}

// DefaultConfig is the reduced scale that keeps the tour short.
func DefaultConfig() Config {
	return Config{
		Common: cli.Common{Out: "out/tour", Seed: 1, Steps: 4000, Restarts: 3},
		Intro: cli.Toy{
			Features:      5,
			Hidden:        2,
			Importance:    0.9,
			Probabilities: toy.Powers(20, 0, 1, 10),
			Model:         "both",
			Batch:         1024,
			LR:            3e-3,
			EvalSamples:   1 << 17,
		},
	}
}

func main() {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("tour", flag.ContinueOnError)
	cfg.Register(fs)
	os.Exit(cli.Main("tour", fs, os.Args[1:], func() error { return cfg.resolve().Validate() }, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		return run(ctx, env, cfg)
	}))
}

// resolve copies the common flags into each stage.
func (c Config) resolve() cli.Toy {
	intro := c.Intro
	intro.Common = c.Common
	return intro
}

func run(ctx context.Context, env cli.Env, cfg Config) error {
	intro := cfg.resolve()
	cfg.Intro = intro
	runs, err := paper.RunToy(ctx, env, "tour: intro", intro)
	if err != nil {
		return err
	}
	if err := interp.WriteJSON(filepath.Join(cfg.Out, "summary.json"), interp.Summary{Experiment: "tour", Config: cfg, Runs: runs}); err != nil {
		return err
	}
	sections, err := paper.ToySections(cfg.Out, "intro", runs)
	if err != nil {
		return err
	}
	first, last := runs[0], runs[len(cfg.Intro.Probabilities)-1]
	lead := interp.Section{
		Heading: "Superposition appears as features get sparser",
		Paragraphs: []string{
			fmt.Sprintf("A model with %d hidden dimensions must reconstruct %d features of decreasing importance. "+
				"With dense features (p = %.3g) the ReLU-output model represents %d features, as a linear model would. "+
				"With sparse features (p = %.3g) it represents %d: it stores more features than it has dimensions, "+
				"accepting interference between them because they are rarely active together.",
				intro.Hidden, intro.Features, first.FeatureProbability, first.Represented, last.FeatureProbability, last.Represented),
			"Read the figures below from left to right: the Gram matrix WᵀW goes from an identity block on the two most important features, " +
				"through antipodal pairs (−1 off the diagonal), to a dense pattern of a pentagon; the biases turn negative to cancel the small interference. " +
				"The linear model never does this: it keeps two orthogonal features at every sparsity.",
		},
	}
	return interp.Report{
		Title:    "Superposition in Go: a short tour",
		Intro:    fmt.Sprintf("Reduced-scale reproduction (%d steps, best of %d) of the intro figure of Elhage et al. (2022), Toy Models of Superposition. Run go run ./experiments/intro for the full-scale figure.", intro.Steps, intro.Restarts),
		Sections: append([]interp.Section{lead}, sections...),
		Config:   cfg,
	}.Write(filepath.Join(cfg.Out, "report.html"))
}
