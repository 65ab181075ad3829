// Command phase reproduces "Superposition as a Phase Change" of Toy Models of
// Superposition: for n = 2 features in m = 1 dimension, with importances
// (1, r), it trains a ReLU-output model at every cell of a grid of relative
// importance r ∈ [0.1, 10] and feature probability p ∈ [0.01, 1] (both log
// spaced), keeps the best of several restarts, and classifies the result as
// "ignored" (the extra feature is dropped), "dedicated" (it gets the
// dimension) or "superposition" (an antipodal pair). The empirical diagram is
// drawn over the closed-form boundary. It also draws the n = 3, m = 2 diagram
// (importances (1, 1, r)).
//
//	go run ./experiments/phase [-out out/phase] [-seed 1] [-steps 6000] [-restarts 3] [-grid 12]
//
// It writes summary.json (a cells array with importance_ratio,
// feature_probability, phase and theory_phase; cells3 for n = 3), phase.png,
// phase3.png, report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs phase with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("phase", args) }
