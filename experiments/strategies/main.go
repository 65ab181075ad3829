// Command strategies measures the roads against polysemantic neurons that
// Toy Models of Superposition names, side by side on the same tasks: models
// without superposition (road 1: more neurons than features, an
// activation-sparsity penalty, negative hidden biases, SoLU), dictionary
// learning (road 2: an SAE on the plain model) and the mix (road 3: an SAE
// on each road-1 model), each read neuron by neuron (or latent by latent)
// and priced in loss against the plain model.
//
//	go run ./experiments/strategies [-scale toy] [-seed 1] [-steps 5000] [-restarts 3] [-out out/strategies]
//	    [-strategies wide,l1,bias,solu,hybrid] [-wide 10,20,40] [-l1s 0.001,...] [-bias-hidden 5,10,20]
//	    [-bias-init -0.1] [-solu-hidden 5,10] [-solu solu,solu-ln] [-sae-variant topk] [-sae-steps 3000]
//
// The toy scale trains privileged-basis models (n = 10, Iᵢ = 0.75ⁱ) at the
// sparsities of experiments/privileged. The language-model scale (-scale lm
// or both) trains nothing of its own transformers: it reads two
// experiments/lm runs of the same size, -lm-relu (default out/lm) and
// -lm-solu (default out/lm-solu, from go run ./experiments/lm -act solu -out
// out/lm-solu), scores both MLPs' neurons against the byte labels as
// experiments/monosemanticity does and trains one SAE on each MLP.
//
// It writes summary.json (under "toy", one record per model and per SAE:
// strategy, setting, features, hidden, feature_probability, monosemantic,
// polysemantic, dead, represented, loss, loss_plain, and for the hybrid
// recovered_fraction; under "lm", one record per transformer with its
// neurons' and its SAEs' scores), strategies_tradeoff.png (loss cost against
// the share of monosemantic units, one point per strategy and setting),
// strategies_tradeoff_all.png, strategies_l1_curve.png (and
// strategies_l1_curve_mM.png for each further width M of -l1-hidden),
// strategies_lm_tradeoff.png (lm), the SAEs of the lm scale in SAELens'
// layout under lm_relu/ and lm_solu/, report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs strategies with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("strategies", args) }
