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
	"os"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
)

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := cli.Toy{Toy: paper.DefaultPrivilegedConfig()}
	return cli.Sweep("privileged", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg.Toy) })
}

func run(ctx context.Context, r paper.Run, cfg paper.Toy) error {
	toyRuns, err := paper.RunToy(ctx, r, "privileged", cfg)
	if err != nil {
		return err
	}
	runs := make([]paper.NeuronRun, len(toyRuns))
	for i, r := range toyRuns {
		runs[i] = paper.ReadNeurons(r, false)
	}
	return paper.WriteOutputs(cfg.Out, interp.Summary{Experiment: "privileged", Config: cfg, Runs: runs}, interp.Report{
		Title: "Toy Models of Superposition: superposition in a privileged basis",
		Intro: "A ReLU on the hidden layer gives its neurons meaning. In the paper dense features get one neuron each, and " +
			"sparse features are packed into superposition, so the neurons become polysemantic. Here: " + paper.PrivilegedReading(runs),
		Config: cfg,
	}, func(out string) ([]interp.Section, error) {
		sections, err := paper.NeuronSections(out, "privileged", "Neurons of the privileged-basis model", runs, false)
		if err != nil {
			return nil, err
		}
		gram, err := paper.ToySections(out, "privileged", toyRuns)
		return append(sections, gram...), err
	})
}
