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

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs decompose with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("decompose", args) }
