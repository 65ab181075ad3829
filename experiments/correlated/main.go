// Command correlated reproduces "Superposition with Correlated Features" of
// Toy Models of Superposition: m = 2, uniform importance, and features in
// correlated sets (active together) or anticorrelated sets (never active
// together), at feature probabilities p = 400^(−linspace(0.5, 1, 5)):
//
//   - two correlated pairs (n = 4): correlated features end orthogonal;
//
//   - two anticorrelated pairs (n = 4): anticorrelated features end antipodal;
//
//   - three correlated pairs (n = 6): side by side at high sparsity, and each
//     pair collapsing onto one direction (a+b)/√2 at lower sparsity.
//
//     go run ./experiments/correlated [-out out/correlated] [-seed 1] [-steps 10000] [-restarts 3]
//
// It writes summary.json (per instance the cosines within each set and
// whether correlated pairs are orthogonal, anticorrelated ones antipodal, and
// which pairs collapsed), correlated_*.png, report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs correlated with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("correlated", args) }
