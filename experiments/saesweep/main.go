// Command saesweep sweeps sparse autoencoders on a toy model's activations:
// MMCS against the L1 coefficient and against the dictionary size (as in the
// sparse-coding toy replications), the L0–FVU frontier of every variant, and
// a breakdown grid that trains toy models from n/m = 1 to 4 features per
// neuron at a few sparsities and shows where decomposition stops working.
//
//	go run ./experiments/saesweep [decompose's flags] [-l1s 0.03,0.1,0.3,1] [-ratios 0.5,1,1.5,2,4]
//	    [-ks 1,2,3] [-l0s 0.03,0.1,0.3] [-superposition 1,1.5,2,2.5,3,4] [-grid-probabilities 0.01,0.03,0.1]
//	    [-grid-variants topk,relu-l1]
//
// It writes summary.json (l1_sweep, ratio_sweep, frontier and
// superposition_grid, each SAE with decompose's metrics), saesweep_l1.png,
// saesweep_ratio.png, saesweep_frontier.png, saesweep_breakdown.png,
// report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs saesweep with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("saesweep", args) }
