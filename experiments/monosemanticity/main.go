// Command monosemanticity is Towards Monosemanticity in miniature: sparse
// autoencoders trained on the 512-neuron MLP (blocks.0.mlp.hook_post) of the
// one-layer byte transformer that experiments/lm trains on Go's standard
// library, measured on the validation stream (L0, FVU, loss recovered by
// splicing against the clean and the zero-ablated model, dead and dense
// latents) and against the corpus's per-byte go/scanner labels
// (specificity, the byte-only baseline, label-specific units, byte
// detectors), beside the same measures of the MLP's neurons.
//
//	go run ./experiments/lm -out out/lm                  # first, the transformer
//	go run ./experiments/monosemanticity [-lm out/lm] [-out out/monosemanticity] [-sizes 512,4096] [-variants topk] [-sae-steps 800]
//
// It writes summary.json (the config, the model's and the corpus's SHA-256,
// clean and zero-ablated bits per byte, a "neurons" record and one record
// per SAE in "saes", feature-splitting families), report.html, timing.json,
// the feature browser (OUT/browser/index.html, static files that work from
// file://: every neuron and latent with its top contexts shaded by
// activation, histogram, label breakdown, logit effects and split family),
// and every SAE in SAELens' layout under OUT/saelens/VARIANT-LATENTS/, which
// ../shared/peers/lm_peer.py splice --load-tl LM/model.safetensors --load-sae DIR
// measures on the same validation rule.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs monosemanticity with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("monosemanticity", args) }
