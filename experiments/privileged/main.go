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

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs privileged with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("privileged", args) }
