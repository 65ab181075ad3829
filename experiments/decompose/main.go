// Command decompose tells the story of Towards Monosemanticity on a toy
// model: it trains a privileged-basis toy model whose neurons are
// polysemantic (default: 30 features on 12 neurons at p = 0.03), then trains
// every sparse-autoencoder variant on its hidden activations and shows that
// each SAE latent is one ground-truth feature.
//
//	go run ./experiments/decompose [-source privileged|relu-output|synthetic] [-features 30] [-hidden 12]
//	    [-probability 0.03] [-importance 1] [-latents 0] [-variants relu-l1,topk,...] [-l1 0.3] [-k 0] [-batchtopk-k 0] [-l0 0.1]
//	    [-toy-steps 10000] [-sae-steps 6000] [-seed 1] [-out out/decompose]
//
// -export-saelens DIR writes every SAE in SAELens' layout (DIR/VARIANT/cfg.json
// and sae_weights.safetensors); -export-npy DIR writes the toy model and the
// evaluation activations as .npy files. With -source synthetic, -features true directions live in -hidden
// dimensions with -active of them active per sample.
//
// It writes summary.json (config, the toy run with its neuron view, and per
// SAE: l0, fvu, dead_fraction, both MMCS, matched_cosine,
// recovered_fraction, features_per_latent, loss_recovered),
// decompose_neurons_vs_latents.png, decompose_density.png,
// decompose_frontier.png, the toy model's figures, report.html and
// timing.json.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
)

func main() { os.Exit(exitCode(os.Args[1:])) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := config{Decompose: cli.Decompose{DecomposeConfig: paper.DefaultDecomposeConfig()}}
	fs := flag.NewFlagSet("decompose", flag.ContinueOnError)
	cfg.Register(fs)
	fs.StringVar(&cfg.ex.SAELens, "export-saelens", "", "also write every SAE in SAELens' layout (cfg.json, sae_weights.safetensors) into DIR/VARIANT")
	fs.StringVar(&cfg.ex.NPY, "export-npy", "", "also write the toy model (W.npy, b.npy), the true directions and the evaluation activations (x.npy, h.npy) into DIR")
	return cli.Main("decompose", fs, args, &cfg, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		return run(ctx, env.Run(), cfg.DecomposeConfig, cfg.ex)
	})
}

// config is decompose's flags and its export folders (not part of the
// results).
type config struct {
	cli.Decompose
	ex paper.DecomposeExports
}

// Validate names the first bad flag, export folders included.
func (c *config) Validate() error {
	if err := c.Decompose.Validate(); err != nil {
		return err
	}
	if err := cli.OutputFolder("-export-saelens", c.ex.SAELens); err != nil {
		return err
	}
	return cli.OutputFolder("-export-npy", c.ex.NPY)
}

func run(ctx context.Context, r paper.Run, cfg paper.DecomposeConfig, ex paper.DecomposeExports) error {
	sum, err := paper.Decompose(ctx, r, cfg, ex)
	if err != nil {
		return err
	}
	return paper.WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Towards Monosemanticity on a toy model: SAE latents against polysemantic neurons",
		Intro: "A toy model packs more features than it has neurons, so its neurons are polysemantic. " +
			"Sparse autoencoders trained on its hidden layer find one latent per feature. Every variant is reported, including the ones that do worse.",
		Config: sum.Config,
	}, func(out string) ([]interp.Section, error) {
		sections, err := paper.DecomposeFigures(out, "decompose", sum)
		if err != nil || sum.Toy == nil {
			return sections, err
		}
		neurons, err := paper.NeuronSections(out, "decompose", "The toy model's neurons", []paper.NeuronRun{sum.Toy.NeuronRun}, false)
		return append(sections, neurons...), err
	})
}
