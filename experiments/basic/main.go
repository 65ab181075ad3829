// Command basic reproduces the basic results of Toy Models of Superposition:
// n = 20 features with importance 0.7ⁱ in m = 5 hidden dimensions, for the
// linear and the ReLU-output model, at feature probabilities 1 to 0.001.
//
//	go run ./experiments/basic [-out out/basic] [-seed 1] [-steps 10000] [-restarts 1]
//
// The linear model keeps the five most important features at every sparsity
// (the PCA solution); the ReLU-output model packs more and more features into
// superposition as they get sparser. It writes summary.json, basic_*_gram.png,
// report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs basic with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("basic", args) }
