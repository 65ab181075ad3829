// Command intro reproduces the intro figure of Toy Models of Superposition:
// n = 5 features with importance 0.9ⁱ in m = 2 hidden dimensions, at ten
// feature probabilities from 1 to 0.05, for the ReLU-output and the linear
// model, best of 3 restarts.
//
//	go run ./experiments/intro [-out out/intro] [-seed 1] [-steps 10000] [-restarts 3]
//
// It writes summary.json (config and one record per trained model),
// intro_*_gram.png, intro_*_directions.png, report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs intro with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("intro", args) }
