package kernels

import (
	"fmt"
	"math"
	"testing"
)

// TestGemmAddStrided multiplies a block of a wider matrix, read as it lies
// and read transposed, into a block of another, and checks it against a
// float64 loop; entries of C outside the block must not move.
func TestGemmAddStrided(t *testing.T) {
	rng := newRand(11)
	for _, sz := range [][3]int{{1, 1, 1}, {3, 2, 5}, {4, 32, 24}, {7, 33, 40}, {13, 5, 57}, {128, 32, 128}, {4, 9, 96}, {8, 16, 200}} {
		r, k, n := sz[0], sz[1], sz[2]
		for _, trans := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/trans=%v", sz, trans), func(t *testing.T) {
				const pad = 3 // extra columns around every block
				// A is the block at column pad of a [r, k+2·pad] matrix, or
				// the transpose of the block at column pad of a [k, r+2·pad] one.
				lda := k + 2*pad
				ars, acs, alen := lda, 1, r*lda
				if trans {
					lda = r + 2*pad
					ars, acs, alen = 1, lda, k*lda
				}
				ldb, ldc := n+2*pad, n+2*pad
				a32, b32, c32 := gemmAddOperand(rng, alen), gemmAddOperand(rng, k*ldb), gemmAddOperand(rng, r*ldc)
				a64, b64, c64 := gemmAddWiden(a32), gemmAddWiden(b32), gemmAddWiden(c32)
				want := gemmAddWiden(c32)
				for i := range r {
					for j := range n {
						var s float64
						for kk := range k {
							s += a64[pad+i*ars+kk*acs] * b64[kk*ldb+pad+j]
						}
						want[i*ldc+pad+j] += s
					}
				}
				GemmAdd(c32[pad:], ldc, a32[pad:], ars, acs, b32[pad:], ldb, r, k, n)
				GemmAdd(c64[pad:], ldc, a64[pad:], ars, acs, b64[pad:], ldb, r, k, n)
				tol := 1e-5 * math.Sqrt(float64(k))
				for i, w := range want {
					if d := math.Abs(float64(c32[i]) - w); d > tol*math.Max(1, math.Abs(w)) {
						t.Fatalf("float32 C[%d, %d] = %v; want %v", i/ldc, i%ldc, c32[i], w)
					}
					if d := math.Abs(c64[i] - w); d > 1e-12*math.Max(1, math.Abs(w)) {
						t.Fatalf("float64 C[%d, %d] = %v; want %v", i/ldc, i%ldc, c64[i], w)
					}
				}
			})
		}
	}
}

// TestGemmAddRowsAreIndependent: a row of C is the same whether it is
// computed with its block of RowBlock rows or alone.
func TestGemmAddRowsAreIndependent(t *testing.T) {
	rng := newRand(12)
	const r, k, n = 7, 19, 45
	a, b := gemmAddOperand(rng, r*k), gemmAddOperand(rng, k*n)
	all := make([]float32, r*n)
	GemmAdd(all, n, a, k, 1, b, n, r, k, n)
	for i := range r {
		one := make([]float32, n)
		GemmAdd(one, n, a[i*k:], k, 1, b, n, 1, k, n)
		for j, v := range one {
			if math.Float32bits(v) != math.Float32bits(all[i*n+j]) {
				t.Fatalf("C[%d, %d] = %v alone, %v in its block", i, j, v, all[i*n+j])
			}
		}
	}
}

func gemmAddOperand(rng interface{ NormFloat64() float64 }, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func gemmAddWiden(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
