package interp

import "math"

// Phase is the optimal (or learned) arrangement of the n = 2, m = 1 toy
// model, where feature 0 has importance 1 and the "extra" feature 1 has
// relative importance r.
type Phase string

// The phases of "Superposition as a Phase Change".
const (
	// Ignored: the extra feature is not represented; feature 0 has the
	// dimension.
	Ignored Phase = "ignored"
	// Dedicated: the extra feature gets the dimension; feature 0 is dropped.
	Dedicated Phase = "dedicated"
	// Superposition: both features share the dimension as an antipodal pair.
	Superposition Phase = "superposition"
	// Other: the weights fit none of the three (a poor local minimum).
	Other Phase = "other"
)

// The closed-form losses of the n = 2, m = 1 ReLU-output model with
// importances (1, r), feature probability s, values U[0, 1] and every bias at
// its best constant (Toy Models of Superposition, "Superposition as a Phase
// Change"; the per-feature cost of a dropped feature is its variance
// s/3 − s²/4; an antipodal pair w = (1, −1) only errs when both features are
// active, costing (1 + r)s²/6).

// LossIgnored is the loss when the extra feature is dropped.
func LossIgnored(r, s float64) float64 { return r * (s/3 - s*s/4) }

// LossDedicated is the loss when feature 0 is dropped.
func LossDedicated(r, s float64) float64 { return s/3 - s*s/4 }

// LossSuperposition is the loss of the antipodal pair.
func LossSuperposition(r, s float64) float64 { return (1 + r) * s * s / 6 }

// Boundary returns the feature probability below which superposition is
// optimal: 4r/(2 + 5r) for r ≤ 1 and 4/(5 + 2r) for r ≥ 1. The two meet at
// the triple point r = 1, s = 4/7.
func Boundary(r float64) float64 {
	if r <= 1 {
		return 4 * r / (2 + 5*r)
	}
	return 4 / (5 + 2*r)
}

// TheoryPhase returns the phase with the lowest closed-form loss.
func TheoryPhase(r, s float64) Phase {
	if s < Boundary(r) {
		return Superposition
	}
	if r < 1 {
		return Ignored
	}
	return Dedicated
}

// ClassifyPhase reads the phase of a trained n = 2, m = 1 model from W [1, 2]
// (or any m, using the norms and the cosine): one feature represented
// (‖Wᵢ‖ > 0.5, the other below it) is Ignored or Dedicated; both represented
// with cosine below −0.9 is Superposition; anything else is Other.
func ClassifyPhase(W [][]float64) Phase {
	norms := Norms(W)
	a, b := norms[0] > RepresentedThreshold, norms[1] > RepresentedThreshold
	switch {
	case a && !b:
		return Ignored
	case b && !a:
		return Dedicated
	case a && b && Cosine(W, 0, 1) < -0.9:
		return Superposition
	}
	return Other
}

// FarFromBoundary reports whether s is at least frac (relatively) away from
// the boundary at r: |s − Boundary(r)| ≥ frac·Boundary(r).
func FarFromBoundary(r, s, frac float64) bool {
	b := Boundary(r)
	return math.Abs(s-b) >= frac*b
}

// ClassifyExtra reads the phase of a model whose last feature is the extra
// one (n = 3, m = 2, say): Ignored when it is not represented, Dedicated when
// it is and some other feature is not, Superposition when every feature is
// represented.
func ClassifyExtra(W [][]float64) Phase {
	norms := Norms(W)
	extra := norms[len(norms)-1] > RepresentedThreshold
	all := true
	for _, v := range norms {
		all = all && v > RepresentedThreshold
	}
	switch {
	case !extra:
		return Ignored
	case all:
		return Superposition
	}
	return Dedicated
}
