package interp

import (
	"fmt"
	"math"
)

// RepresentedThreshold is the feature norm above which a feature counts as
// represented.
const RepresentedThreshold = 0.5

// dims returns m and n of W, panicking on ragged input (programmer misuse).
func dims(W [][]float64) (m, n int) {
	m = len(W)
	if m == 0 {
		return 0, 0
	}
	n = len(W[0])
	for r, row := range W {
		if len(row) != n {
			panic(fmt.Sprintf("interp: ragged W: row %d has %d values, row 0 has %d", r, len(row), n))
		}
	}
	return m, n
}

// column returns Wᵢ.
func column(W [][]float64, i int) []float64 {
	out := make([]float64, len(W))
	for r := range W {
		out[r] = W[r][i]
	}
	return out
}

// Gram returns WᵀW [n, n]: entry (i, j) is Wᵢ·Wⱼ.
func Gram(W [][]float64) [][]float64 {
	m, n := dims(W)
	G := make([][]float64, n)
	for i := range G {
		G[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var s float64
			for r := 0; r < m; r++ {
				s += W[r][i] * W[r][j]
			}
			G[i][j], G[j][i] = s, s
		}
	}
	return G
}

// Norms returns ‖Wᵢ‖ for every feature i.
func Norms(W [][]float64) []float64 {
	G := Gram(W)
	out := make([]float64, len(G))
	for i := range G {
		out[i] = math.Sqrt(G[i][i])
	}
	return out
}

// Interference returns Σ_{j≠i} (Ŵᵢ·Wⱼ)² for every feature i (0 for a zero
// column): 0 for orthogonal features, 1 for a unit antipodal pair.
func Interference(W [][]float64) []float64 {
	G := Gram(W)
	out := make([]float64, len(G))
	for i := range G {
		if G[i][i] == 0 {
			continue
		}
		for j := range G {
			if j != i {
				out[i] += G[i][j] * G[i][j] / G[i][i]
			}
		}
	}
	return out
}

// Dimensionality returns the feature dimensionality Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²
// of every feature (the sum includes j = i; 0 for a zero column). It is the
// fraction of a hidden dimension feature i gets: 1 alone, 1/2 in an antipodal
// pair, 2/5 in a pentagon.
func Dimensionality(W [][]float64) []float64 {
	G := Gram(W)
	out := make([]float64, len(G))
	for i := range G {
		if G[i][i] == 0 {
			continue
		}
		var den float64
		for j := range G {
			den += G[i][j] * G[i][j] / G[i][i]
		}
		out[i] = G[i][i] / den
	}
	return out
}

// DimsPerFeature returns D* = m / ‖W‖_F², the number of hidden dimensions per
// (embedded) feature. It is +Inf for W = 0.
func DimsPerFeature(W [][]float64) float64 {
	m, _ := dims(W)
	return float64(m) / FrobeniusSq(W)
}

// FrobeniusSq returns ‖W‖_F².
func FrobeniusSq(W [][]float64) float64 {
	var f float64
	for _, row := range W {
		for _, v := range row {
			f += v * v
		}
	}
	return f
}

// Represented returns the indices of features whose norm exceeds
// RepresentedThreshold, in increasing order.
func Represented(W [][]float64) []int {
	var out []int
	for i, v := range Norms(W) {
		if v > RepresentedThreshold {
			out = append(out, i)
		}
	}
	return out
}

// Cosine returns the cosine between feature directions Wᵢ and Wⱼ (0 when
// either is zero).
func Cosine(W [][]float64, i, j int) float64 {
	a, b := column(W, i), column(W, j)
	var ab, aa, bb float64
	for r := range a {
		ab += a[r] * b[r]
		aa += a[r] * a[r]
		bb += b[r] * b[r]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
