package interp

import (
	"fmt"
	"math"
)

// StickyFraction is a value of feature dimensionality the paper finds
// features sticking to, with its geometric meaning.
type StickyFraction struct {
	Value float64
	Label string
	Shape string
}

// StickyFractions are the Dᵢ values of Toy Models of Superposition's
// "feature dimensionality" figure: each is a uniform polytope (or a
// combination of them) in which the feature can sit.
var StickyFractions = []StickyFraction{
	{1, "1", "own dimension"},
	{3. / 4, "3/4", "tetrahedron"},
	{2. / 3, "2/3", "triangle"},
	{1. / 2, "1/2", "digon (antipodal pair)"},
	{2. / 5, "2/5", "pentagon"},
	{3. / 8, "3/8", "square antiprism"},
	{1. / 3, "1/3", "hexagon"},
	{2. / 7, "2/7", "heptagon"},
	{1. / 4, "1/4", "octagon"},
}

// Guides returns the sticky fractions as chart guide lines.
func StickyGuides() []Guide {
	out := make([]Guide, len(StickyFractions))
	for i, f := range StickyFractions {
		out[i] = Guide{Y: f.Value, Label: f.Label}
	}
	return out
}

// FractionCount is how many features have Dᵢ near one sticky fraction.
type FractionCount struct {
	Fraction string `json:"fraction"`
	Count    int    `json:"count"`
}

// ClusterCounts counts the features whose Dᵢ lies within tol of each sticky
// fraction (fractions with no feature are left out).
func ClusterCounts(D []float64, tol float64) []FractionCount {
	var out []FractionCount
	for _, f := range StickyFractions {
		n := 0
		for _, d := range D {
			if math.Abs(d-f.Value) <= tol {
				n++
			}
		}
		if n > 0 {
			out = append(out, FractionCount{Fraction: f.Label, Count: n})
		}
	}
	return out
}

// DescribeClusters renders ClusterCounts as "12 at 1/2, 3 at 2/5".
func DescribeClusters(c []FractionCount) string {
	if len(c) == 0 {
		return "none near a sticky fraction"
	}
	s := ""
	for i, fc := range c {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d at %s", fc.Count, fc.Fraction)
	}
	return s
}
