// Command privileged reproduces "Superposition in a Privileged Basis" of Toy
// Models of Superposition: h = ReLU(W x), x′ = ReLU(Wᵀ h + b) with n = 10
// features of importance 0.75ⁱ and m = 5 neurons. With dense features every
// neuron carries one feature; as features get sparser the model represents
// more features than it has neurons and its neurons turn polysemantic.
//
//	go run ./experiments/privileged [-out out/privileged] [-seed 1] [-steps 10000] [-restarts 10]
//
// It writes summary.json (per p: represented, monosemantic_neurons,
// polysemantic_neurons, features_per_neuron and every neuron's feature list),
// privileged_neurons.png (the paper's per-neuron stacked bars),
// privileged_privileged_gram.png, report.html and timing.json.
package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/experiments/internal/paper"
	"github.com/toymodels/superposition/interp"
)

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := paper.DefaultPrivilegedConfig()
	fs := flag.NewFlagSet("privileged", flag.ContinueOnError)
	cfg.Register(fs)
	return cli.Main("privileged", fs, args, &cfg, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		return run(ctx, env, cfg)
	})
}

func run(ctx context.Context, env cli.Env, cfg cli.Toy) error {
	toyRuns, err := paper.RunToy(ctx, env, "privileged", cfg)
	if err != nil {
		return err
	}
	runs := make([]paper.NeuronRun, len(toyRuns))
	for i, r := range toyRuns {
		runs[i] = paper.ReadNeurons(r, false)
	}
	if err := interp.WriteJSON(filepath.Join(cfg.Out, "summary.json"), interp.Summary{Experiment: "privileged", Config: cfg, Runs: runs}); err != nil {
		return err
	}
	sections, err := paper.NeuronSections(cfg.Out, "privileged", "Neurons of the privileged-basis model", runs, false)
	if err != nil {
		return err
	}
	gram, err := paper.ToySections(cfg.Out, "privileged", toyRuns)
	if err != nil {
		return err
	}
	return interp.Report{
		Title: "Toy Models of Superposition: superposition in a privileged basis",
		Intro: "A ReLU on the hidden layer gives its neurons meaning. Dense features get one neuron each; " +
			"sparse features are packed into superposition and the neurons become polysemantic.",
		Sections: append(sections, gram...),
		Config:   cfg,
	}.Write(filepath.Join(cfg.Out, "report.html"))
}
