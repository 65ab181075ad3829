// Command lm trains the one-layer byte transformer of Towards
// Monosemanticity in miniature on the Go standard library's own source (the
// corpus rule of package corpus: nothing is downloaded), with the PyTorch
// peer's defaults (../shared/peers/lm_peer.py lm): d_model 128, 4 heads,
// d_mlp 512, context 128, 32 sequences a step, AdamW at peak 1e-2 with
// betas 0.9/0.99, 100 warm-up steps then cosine to 0, gradients clipped at 1.
//
//	go run ./experiments/lm [-out out/lm] [-seed 1] [-steps 26000] [-act relu|solu] [-checkpoint DIR]
//
// It writes into -out: summary.json (the resolved config, the corpus's
// size and SHA-256, the baselines unigram / zlib -9 / xz -9 on the
// validation bytes, the training curve in bits per byte, the exact final
// val_bits_per_byte over every validation window, tokens_seen and seeded
// samples), lm_curve.png, report.html, model.safetensors and config.json
// (TransformerLens' names and HookedTransformerConfig's fields, which
// lm_peer.py eval --load-tl reads) and timing.json (tokens_per_s of the
// training steps, wall_seconds). With -checkpoint DIR a killed run started
// again with the same flags resumes and ends with the same summary.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs lm with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("lm", args) }
