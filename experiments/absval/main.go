// Command absval reproduces "Computation in Superposition" of Toy Models of
// Superposition: h = ReLU(W₁ x), y′ = ReLU(W₂ h + b), untied, trained to
// output |x| for inputs in [−1, 1]. With n = 3 and m = 6 every feature gets a
// ReLU(x) and a ReLU(−x) neuron; with n = 100, m = 40 and Iᵢ = 0.8ⁱ the
// neurons turn polysemantic as features get sparser while the most important
// features keep neurons of their own, and "asymmetric superposition" motifs
// appear.
//
//	go run ./experiments/absval [-out out/absval] [-seed 1] [-steps 30000] [-restarts 3]
//	    [-features 100] [-hidden 40] [-probabilities ...] [-small=true]
//
// It writes summary.json (small: the n = 3 model and its check; runs: per p
// the neuron view, polysemantic fraction, features alone on a neuron, whether
// the top five are, and the motifs), absval_neurons.png, absval_small_neurons.png,
// report.html and timing.json.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
)

// Config is absval's configuration.
type Config struct {
	cli.Toy
	// Small also trains the n = 3, m = 6 model (with -steps, at most 10,000).
	Small bool `json:"small"`
}

// Register adds the toy flags and -small to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	c.Toy.Register(fs)
	fs.BoolVar(&c.Small, "small", c.Small, "also train the n = 3, m = 6 model")
}

// Small is the reading of the n = 3, m = 6 model.
type Small struct {
	Run paper.NeuronRun `json:"run"`
	// PlusMinus: every feature has one positive and one negative neuron, each
	// neuron's input weights one-hot within 0.05.
	PlusMinus bool   `json:"plus_minus"`
	Why       string `json:"why"`
}

// Large is the reading of one n = 100 run.
type Large struct {
	paper.NeuronRun
	Top5Monosemantic bool `json:"top5_monosemantic"`
}

// Summary is absval's summary.json.
type Summary struct {
	Experiment string  `json:"experiment"`
	Config     Config  `json:"config"`
	Small      *Small  `json:"small,omitempty"`
	Runs       []Large `json:"runs"`
}

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := Config{Toy: cli.Toy{Toy: paper.DefaultAbsValConfig()}, Small: true}
	return cli.Sweep("absval", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg) })
}

func run(ctx context.Context, r paper.Run, cfg Config) error {
	sum := Summary{Experiment: "absval", Config: cfg}
	var sections []interp.Section
	if cfg.Small {
		sc := paper.SmallAbsValConfig(min(cfg.Steps, 10000))
		sc.Out, sc.Seed = cfg.Out, cfg.Seed
		sc.Checkpoint, sc.CheckpointEvery = cfg.Checkpoint, cfg.CheckpointEvery
		runs, err := paper.RunToy(ctx, r.Unsharded(), "absval n=3", sc)
		if err != nil {
			return err
		}
		small := &Small{Run: paper.ReadNeurons(runs[0], true)}
		small.PlusMinus, small.Why = paper.PlusMinus(runs[0].W, 0.05)
		sum.Small = small
		secs, err := paper.NeuronSections(cfg.Out, "absval_small", "n = 3, m = 6", []paper.NeuronRun{small.Run}, true)
		if err != nil {
			return err
		}
		secs[0].Paragraphs = append(secs[0].Paragraphs, fmt.Sprintf("Loss %.2g; %s.", small.Run.Loss, small.Why))
		sections = append(sections, secs...)
	}
	runs, err := paper.RunToy(ctx, r, "absval", cfg.Toy.Toy)
	if err != nil {
		return err
	}
	var neuronRuns []paper.NeuronRun
	for _, r := range runs {
		nr := paper.ReadNeurons(r, true)
		neuronRuns = append(neuronRuns, nr)
		sum.Runs = append(sum.Runs, Large{NeuronRun: nr, Top5Monosemantic: paper.Top5Monosemantic(nr)})
	}
	return paper.WriteOutputs(cfg.Out, sum, interp.Report{
		Title:  "Toy Models of Superposition: computation in superposition (|x|)",
		Intro:  "An untied model with a ReLU hidden layer computes |x| = ReLU(x) + ReLU(−x). In the paper, with dense features each feature gets two neurons (one for x > 0, one for x < 0); with sparse features neurons are shared.",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) {
		secs, err := paper.NeuronSections(out, "absval", fmt.Sprintf("n = %d, m = %d, Iᵢ = %.2gⁱ", cfg.Features, cfg.Hidden, cfg.Importance), neuronRuns, true)
		if err != nil {
			return nil, err
		}
		t := interp.Table{Caption: "Per feature probability: the share of polysemantic neurons, and whether each of the five most important features sits alone on some neuron.",
			Header: []string{"p = 1 − S", "polysemantic neurons", "top five each alone on a neuron"}}
		for _, r := range sum.Runs {
			alone := "no"
			if r.Top5Monosemantic {
				alone = "yes"
			}
			t.Rows = append(t.Rows, []string{strconv.FormatFloat(r.FeatureProbability, 'g', 3, 64), strconv.FormatFloat(100*r.PolysemanticFraction, 'g', 3, 64) + "%", alone})
		}
		secs[0].Tables = append([]interp.Table{t}, secs[0].Tables...)
		return append(sections, secs...), nil
	})
}
