// Command geometry reproduces "The Geometry of Superposition" of Toy Models of
// Superposition: n = 200 features of equal importance in m = 20 dimensions,
// one ReLU-output model per feature probability p = 20^(−linspace(0, 1, 20)).
// Dimensions per feature D* stick at 1 and then at 1/2 (antipodal pairs) as
// features get sparser, and individual features' dimensionalities Dᵢ cluster
// at the fractions of uniform polytopes (2/3, 1/2, 2/5, 3/8, …).
//
//	go run ./experiments/geometry [-out out/geometry] [-seed 1] [-steps 10000]
//	    [-features 200] [-hidden 20] [-probabilities p1,p2,...]
//
// It writes summary.json (one record per p with dims_per_feature,
// frobenius_sq, sum_dimensionality and every dimensionality), geometry_dstar.png,
// geometry_dimensionality.png, report.html and timing.json.
package main

import "github.com/toymodels/superposition/experiments/internal/cli"

func main() { cli.Exit(exitCode) }

// exitCode runs geometry with args and returns its exit status.
func exitCode(args []string) int { return cli.Run("geometry", args) }
