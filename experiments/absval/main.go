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

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs absval with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("absval", args) }
