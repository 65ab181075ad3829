package kernels

import (
	"fmt"
	"math"
	"testing"
)

// TestSgemmAVX512MatchesAVX2: the AVX-512 kernel computes every entry as the
// same FMA chain as the AVX2 kernels, so the products must be bit-identical
// to theirs, for row-major and in-place transposed A, with widths around
// the 64-column tile and its panels, tail rows and a C that is added to.
// TestSgemmMatchesLoops checks the default kernels against the Go reference.
func TestSgemmAVX512MatchesAVX2(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512F on this machine")
	}
	rng := newRand(21)
	for _, sz := range [][3]int{{4, 1, 64}, {4, 3, 63}, {5, 7, 65}, {8, 20, 127}, {7, 128, 128}, {33, 129, 130}, {260, 128, 512},
		{64, 512, 200}, {1, 5, 64}, {3, 300, 71}, {300, 2, 1}, {12, 4096, 64}} {
		r, k, n := sz[0], sz[1], sz[2]
		for _, trans := range []bool{false, true} {
			t.Run(fmt.Sprint(sz, trans), func(t *testing.T) {
				a, b, c0 := make([]float32, r*k), make([]float32, k*n), make([]float32, r*n)
				for _, s := range [][]float32{a, b, c0} {
					for i := range s {
						s[i] = float32(rng.NormFloat64())
					}
				}
				ars, acs := k, 1
				if trans { // a holds Aᵀ [k, r]
					ars, acs = 1, r
				}
				product := func(avx512 bool) []float32 {
					saved := hasAVX512
					hasAVX512 = avx512
					defer func() { hasAVX512 = saved }()
					c := append([]float32(nil), c0...)
					sgemmStrided(c, a, b, r, k, n, ars, acs, false, &Arena{})
					return c
				}
				got, want := product(true), product(false)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("C[%d, %d] = %v with AVX-512; %v with AVX2", i/n, i%n, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestGemmAddAVX512MatchesAVX2 is TestSgemmAVX512MatchesAVX2 for GemmAdd on
// blocks of wider matrices (the attention's head blocks), both A layouts.
func TestGemmAddAVX512MatchesAVX2(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512F on this machine")
	}
	rng := newRand(22)
	for _, sz := range [][3]int{{4, 32, 32}, {5, 7, 33}, {8, 128, 64}, {12, 3, 95}, {128, 32, 128}, {6, 1, 130}} {
		r, k, n := sz[0], sz[1], sz[2]
		for _, trans := range []bool{false, true} {
			t.Run(fmt.Sprint(sz, trans), func(t *testing.T) {
				const pad = 5
				ars, acs, alen := k+pad, 1, r*(k+pad)
				if trans {
					ars, acs, alen = 1, r+pad, k*(r+pad)
				}
				ldb, ldc := n+pad, n+pad
				a, b, c0 := gemmAddOperand(rng, alen), gemmAddOperand(rng, k*ldb), gemmAddOperand(rng, r*ldc)
				product := func(avx512 bool) []float32 {
					saved := hasAVX512
					hasAVX512 = avx512
					defer func() { hasAVX512 = saved }()
					c := append([]float32(nil), c0...)
					GemmAdd(c, ldc, a, ars, acs, b, ldb, r, k, n)
					return c
				}
				got, want := product(true), product(false)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("C[%d, %d] = %v with AVX-512; %v with AVX2", i/ldc, i%ldc, got[i], want[i])
					}
				}
			})
		}
	}
}
