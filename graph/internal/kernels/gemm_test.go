package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// newRand returns the seeded PCG source of a test's random operands.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

func TestSgemmMatchesLoops(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(5)
	for _, sz := range [][3]int{{1, 1, 1}, {4, 3, 16}, {5, 7, 9}, {8, 20, 200}, {1024, 20, 200}, {37, 200, 20}, {20, 1024, 37}, {9, 5000, 21}, {3, 0, 5}, {4, 9, 64}, {6, 33, 63}, {7, 128, 130}, {260, 64, 257}} {
		r, k, n := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprint(sz), func(t *testing.T) {
			a, b := make([]float32, r*k), make([]float32, k*n)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			got, want := make([]float32, r*n), make([]float32, r*n)
			for i := range got {
				got[i] = 1 // sgemm adds to C
				want[i] = 1
			}
			sgemm(got, a, b, r, k, n, nil)
			for i := 0; i < r; i++ {
				for j := 0; j < n; j++ {
					var s float64
					for kk := 0; kk < k; kk++ {
						s += float64(a[i*k+kk]) * float64(b[kk*n+j])
					}
					want[i*n+j] += float32(s)
				}
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Max(1, math.Sqrt(float64(k))) {
					t.Fatalf("C[%d, %d] = %v; want %v", i/n, i%n, got[i], want[i])
				}
			}
		})
	}
}

// TestSgemmParallelIsExact: above parallelMin the rows are split over the
// cores, and every entry must be bit-identical to the one-core product.
func TestSgemmParallelIsExact(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	const r, k, n = 1027, 128, 130 // tail rows and columns; r·k·n ≥ parallelMin
	if r*k*n < parallelMin {
		t.Fatalf("%d multiply-adds: below parallelMin %d, the test would not split", r*k*n, parallelMin)
	}
	rng := newRand(6)
	a, b := make([]float32, r*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	var outs [][]float32
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		c := make([]float32, r*n)
		sgemm(c, a, b, r, k, n, nil)
		runtime.GOMAXPROCS(prev)
		outs = append(outs, c)
	}
	for p := 1; p < len(outs); p++ {
		for i := range outs[0] {
			if outs[p][i] != outs[0][i] {
				t.Fatalf("C[%d] = %v with GOMAXPROCS %d, %v with 1", i, outs[p][i], p+1, outs[0][i])
			}
		}
	}
}

func BenchmarkSgemm(b *testing.B) {
	for _, sz := range [][3]int{{1024, 20, 200}, {1024, 200, 20}, {20, 1024, 200}, {1024, 64, 512}, {1024, 512, 4096}, {1024, 4096, 512}} {
		r, k, n := sz[0], sz[1], sz[2]
		a, bm, c := make([]float32, r*k), make([]float32, k*n), make([]float32, r*n)
		b.Run(fmt.Sprintf("fma_%dx%dx%d", r, k, n), func(b *testing.B) {
			if !hasFMA {
				b.Skip("no AVX2 + FMA")
			}
			for b.Loop() {
				sgemm(c, a, bm, r, k, n, nil)
			}
			b.ReportMetric(2*float64(r*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("loops_%dx%dx%d", r, k, n), func(b *testing.B) {
			for i := range a {
				a[i] = 1
			}
			for b.Loop() {
				clear(c)
				matMulLoops(c, a, bm, []int{r, k}, []int{k, n}, false, false)
			}
			b.ReportMetric(2*float64(r*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestSparseDispatchAgrees: a sparse A (1 in 20 nonzero) with wide output
// rows takes the zero-skipping loops; each layout must agree with the dense
// kernels.
func TestSparseDispatchAgrees(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(8)
	const r, k, n = 64, 128, 40
	for _, tc := range []struct {
		name   string
		ta, tb bool
		as, bs []int
	}{
		{"NN", false, false, []int{r, k}, []int{k, n}},
		{"TN", true, false, []int{k, r}, []int{k, n}},
		{"NT", false, true, []int{r, k}, []int{n, k}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := make([]float32, r*k), make([]float32, k*n)
			for i := range a {
				if rng.IntN(20) == 0 {
					a[i] = float32(rng.NormFloat64())
				}
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			outRowsN := n
			if !sparseWins(a, outRowsN) {
				t.Fatal("test matrix does not take the sparse path")
			}
			got, want := make([]float32, r*n), make([]float32, r*n)
			MatMul(got, a, b, tc.as, tc.bs, tc.ta, tc.tb, &Arena{})
			matMulFMA(want, a, b, tc.as, tc.bs, tc.ta, tc.tb, &Arena{})
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-5*math.Max(1, math.Abs(float64(want[i]))) {
					t.Fatalf("C[%d] = %v (sparse loops); dense %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestSgemmTailsAreExact: the masked kernel that handles leftover rows and
// columns, and the products that read A transposed in place, must give
// every entry the bits it gets inside a full 4×16 block.
func TestSgemmTailsAreExact(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(7)
	for _, sz := range [][3]int{{7, 5, 13}, {1, 3, 2}, {2, 1024, 5}, {1027, 5, 2}, {6, 9, 8}, {3, 2, 21}, {20, 1024, 200}, {1027, 128, 130}, {9, 2048, 50}, {260, 700, 130}, {5, 4100, 30}, {262, 4500, 60}} {
		r, k, n := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprint(sz), func(t *testing.T) {
			a, b := make([]float32, r*k), make([]float32, k*n)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			// The padded product: rows to a multiple of 4, columns of 16.
			R, N := (r+3)&^3, (n+15)&^15
			ap, bp := make([]float32, R*k), make([]float32, k*N)
			copy(ap, a)
			for kk := 0; kk < k; kk++ {
				copy(bp[kk*N:kk*N+n], b[kk*n:(kk+1)*n])
			}
			want := make([]float32, R*N)
			sgemm(want, ap, bp, R, k, N, nil)
			got := make([]float32, r*n)
			sgemm(got, a, b, r, k, n, nil)
			at := make([]float32, k*r) // A stored transposed [k, r], read in place
			transpose(at, a, r, k)
			for i := 0; i < r; i++ {
				for j := 0; j < n; j++ {
					if g, w := got[i*n+j], want[i*N+j]; math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("C[%d, %d] = %v; want %v, as in a full block", i, j, g, w)
					}
				}
			}
			strided := make([]float32, r*n)
			sgemmStrided(strided, at, b, r, k, n, 1, r, false, nil)
			for i := range strided {
				if math.Float32bits(strided[i]) != math.Float32bits(got[i]) {
					t.Fatalf("A read transposed: C[%d, %d] = %v; want %v", i/n, i%n, strided[i], got[i])
				}
			}
		})
	}
}

// TestSgemmZeroOverwrites: with zero set, sgemmStrided must overwrite a C
// full of garbage with exactly what adding to a cleared C gives, on one
// core and on several (tail rows, k = 0 included).
func TestSgemmZeroOverwrites(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(9)
	for _, sz := range [][3]int{{1, 1, 1}, {6, 0, 5}, {7, 33, 70}, {1027, 128, 130}, {260, 1500, 100}, {33, 4096, 57}} { // k > kc: the chains continue block after block
		r, k, n := sz[0], sz[1], sz[2]
		a, b := make([]float32, r*k), make([]float32, k*n)
		for _, s := range [][]float32{a, b} {
			for i := range s {
				s[i] = float32(rng.NormFloat64())
			}
		}
		want := make([]float32, r*n)
		sgemmStrided(want, a, b, r, k, n, k, 1, false, nil)
		for _, procs := range []int{1, 2} {
			prev := runtime.GOMAXPROCS(procs)
			got := make([]float32, r*n)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			sgemmStrided(got, a, b, r, k, n, k, 1, true, nil)
			runtime.GOMAXPROCS(prev)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v, GOMAXPROCS %d: C[%d] = %v; want %v", sz, procs, i, got[i], want[i])
				}
			}
		}
	}
}

// TestSgemmPackedIsExact: from packMinRows rows and more than one panel,
// sgemm packs A's blocks of 4 rows and B's panels; every entry must be
// bit-identical to the same rows multiplied 4 at a time, which packs
// nothing (A row-major and A read transposed, tail rows included).
func TestSgemmPackedIsExact(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(10)
	for _, sz := range [][3]int{{packMinRows, 512, 200}, {packMinRows + 3, 64, 1000}, {300, 700, 130}} {
		r, k, n := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprint(sz), func(t *testing.T) {
			if n <= max(48, panelFloats/k/48*48) {
				t.Fatalf("n %d fits one panel: the test would not pack", n)
			}
			a, b := make([]float32, r*k), make([]float32, k*n)
			for _, s := range [][]float32{a, b} {
				for i := range s {
					s[i] = float32(rng.NormFloat64())
				}
			}
			want := make([]float32, r*n)
			for i := 0; i < r; i += 4 {
				rows := min(4, r-i)
				sgemm(want[i*n:(i+rows)*n], a[i*k:(i+rows)*k], b, rows, k, n, nil)
			}
			at := make([]float32, k*r)
			transpose(at, a, r, k)
			for _, tc := range []struct {
				name     string
				a        []float32
				ars, acs int
			}{{"row-major", a, k, 1}, {"transposed", at, 1, r}} {
				got := make([]float32, r*n)
				sgemmStrided(got, tc.a, b, r, k, n, tc.ars, tc.acs, false, &Arena{})
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: C[%d, %d] = %v; want %v, as 4 rows at a time", tc.name, i/n, i%n, got[i], want[i])
					}
				}
			}
		})
	}
}
