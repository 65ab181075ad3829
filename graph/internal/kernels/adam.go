package kernels

import "math"

// AdamParams are the scalars of one Adam update: β₁, β₂, the bias
// corrections 1 − β₁ᵗ and 1 − β₂ᵗ, ε, the learning rate and the decoupled
// decay factor 1 − lr·λ.
type AdamParams struct {
	Beta1, Beta2, BC1, BC2, Eps, LR, Decay float64
}

// Adam32 applies one Adam update to float32 weights w with gradients g and
// float64 moments m and v, entry by entry in float64:
//
//	m = β₁m + (1−β₁)g,  v = β₂v + ((1−β₂)g)g,
//	w = float32(w·decay − lr·(m/bc1) / (√(v/bc2) + ε)).
//
// With AVX2 four entries go at a time (adam32, the same IEEE operations in
// the same order, no FMA: the Go loop's bits); the rest take the Go loop.
func Adam32(w, g []float32, m, v []float64, p AdamParams) {
	i := 0
	if hasFMA && len(w) >= 4 {
		i = len(w) &^ 3
		q := adamScalars{p.Beta1, 1 - p.Beta1, p.Beta2, 1 - p.Beta2, p.BC1, p.BC2, p.Eps, p.LR, p.Decay}
		adam32(&w[0], &g[0], &m[0], &v[0], i, &q)
	}
	for j := i; j < len(w); j++ {
		gj := float64(g[j])
		m[j] = p.Beta1*m[j] + (1-p.Beta1)*gj
		v[j] = p.Beta2*v[j] + (1-p.Beta2)*gj*gj
		wj := float64(w[j]) * p.Decay
		w[j] = float32(wj - p.LR*(m[j]/p.BC1)/(math.Sqrt(v[j]/p.BC2)+p.Eps))
	}
}

// adamScalars is adam32's view of AdamParams, with 1 − β₁ and 1 − β₂ as the
// Go loop computes them.
type adamScalars struct {
	b1, b1c, b2, b2c, bc1, bc2, eps, lr, decay float64
}
