package kernels

import (
	"math"

	"gonum.org/v1/gonum/blas/gonum"
)

// blas32 is gonum's pure-Go BLAS, whose float32 level-1 kernels are
// assembly: about three times faster than a Go loop on vectors of 200.
var blas32 gonum.Implementation

// simdMin is the length from which gonum's assembly beats a Go loop, call
// overhead included (measured with BenchmarkAxpy).
const simdMin = 16

// SparseMin is the row length from which looking for zero entries pays for
// itself; shorter rows are multiplied densely.
const SparseMin = 8

// Float is the element type of a kernel.
type Float interface{ ~float32 | ~float64 }

// MatMul writes C = op(A)·op(B) into c, for row-major A (shape as) and B
// (shape bs), op the transpose when ta (tb) is set. The loops skip zero
// entries of A where the layout allows it: toy data and ReLU outputs are
// sparse, so this saves most of the work at low feature probability.
func MatMul[T Float](c, a, b []T, as, bs []int, ta, tb bool, scratch *Arena) {
	if cf, ok := any(c).([]float32); ok && hasFMA && !(ta && tb) && min(as[0], as[1], bs[0], bs[1]) >= fmaMin && !sparseWins(any(a).([]float32), len(c)/outRows(as, ta)) {
		matMulFMA(cf, any(a).([]float32), any(b).([]float32), as, bs, ta, tb, scratch)
		return
	}
	clear(c)
	matMulLoops(c, a, b, as, bs, ta, tb)
}

func outRows(as []int, ta bool) int {
	if ta {
		return as[1]
	}
	return as[0]
}

// sparseWins reports whether the Go loops, which skip A's zeros, beat the
// dense FMA kernels: A at most 1/16 nonzero (an SAE's latents, say) and
// output rows of at least 32 (so that each nonzero's row update runs in
// SIMD). Counting costs one pass over A, small next to the product.
func sparseWins(a []float32, n int) bool {
	if n < 32 {
		return false
	}
	// Count in chunks and stop as soon as A is too dense: a dense A costs a
	// sixteenth of a pass.
	limit, nz := len(a)/16, 0
	for i := 0; i < len(a); i += 1024 {
		for _, v := range a[i:min(i+1024, len(a))] {
			w := math.Float32bits(v) << 1 // drop the sign: ±0 → 0
			nz += int((w | -w) >> 31)
		}
		if nz > limit {
			return false
		}
	}
	return true
}

// matMulLoops is MatMul in Go loops, skipping zeros; c must be zero.
func matMulLoops[T Float](c, a, b []T, as, bs []int, ta, tb bool) {
	switch {
	case !ta && !tb: // C[i,:] = Σ_k A[i,k] B[k,:]
		r, k, n := as[0], as[1], bs[1]
		for i := 0; i < r; i++ {
			ci := c[i*n : (i+1)*n]
			for kk, av := range a[i*k : (i+1)*k] {
				if av != 0 {
					axpy(av, b[kk*n:(kk+1)*n], ci)
				}
			}
		}
	case !ta && tb: // C[i,j] = A[i,:]·B[j,:]
		r, k, n := as[0], as[1], bs[0]
		idx := make([]int, k)
		for i := 0; i < r; i++ {
			ai := a[i*k : (i+1)*k]
			if k < SparseMin {
				ci := c[i*n : (i+1)*n]
				for j := range ci {
					ci[j] = dot(ai, b[j*k:(j+1)*k])
				}
				continue
			}
			idx := nonzeros(ai, idx)
			ci := c[i*n : (i+1)*n]
			if 2*len(idx) < k {
				for j := range ci {
					bj := b[j*k : (j+1)*k]
					var s T
					for _, kk := range idx {
						s += ai[kk] * bj[kk]
					}
					ci[j] = s
				}
				continue
			}
			for j := range ci {
				ci[j] = dot(ai, b[j*k:(j+1)*k])
			}
		}
	case ta && !tb: // C = AᵀB: C[i,:] += A[kk,i] B[kk,:]
		k, r, n := as[0], as[1], bs[1]
		buf := make([]int, n)
		for kk := 0; kk < k; kk++ {
			ak, bk := a[kk*r:(kk+1)*r], b[kk*n:(kk+1)*n]
			var idx []int
			if n >= SparseMin {
				idx = nonzeros(bk, buf)
			}
			if n >= SparseMin && 4*len(idx) < n { // B's row is sparse: C[:,j] += A[kk,:] B[kk,j]
				for _, j := range idx {
					bv := bk[j]
					for i, av := range ak {
						c[i*n+j] += av * bv
					}
				}
				continue
			}
			for i, av := range ak {
				if av != 0 {
					axpy(av, bk, c[i*n:(i+1)*n])
				}
			}
		}
	default: // C = AᵀBᵀ: C[i,j] = Σ_k A[k,i] B[j,k]
		k, r, n := as[0], as[1], bs[0]
		for i := 0; i < r; i++ {
			for j := 0; j < n; j++ {
				var s T
				for kk := 0; kk < k; kk++ {
					s += a[kk*r+i] * b[j*k+kk]
				}
				c[i*n+j] = s
			}
		}
	}
}

// matMulFMA is MatMul for float32 on the AVX2 + FMA kernels: the operand
// that is transposed is copied into row-major order first (the toy models'
// transposed operands are weights or [batch, hidden] matrices, small next to
// the product), then sgemm runs densely. On these kernels a dense product
// costs about what scanning for zeros would, so sparsity is not exploited.
func matMulFMA(c, a, b []float32, as, bs []int, ta, tb bool, scratch *Arena) {
	scratch.reset()
	r, k := as[0], as[1]
	if ta && !tb { // read A transposed in place
		sgemmStrided(c, a, b, as[1], as[0], bs[1], 1, as[1], true, scratch)
		return
	}
	if ta {
		at := scratch.get(len(a))
		transpose(at, a, as[0], as[1])
		a, r, k = at, as[1], as[0]
	}
	n := bs[1]
	if tb {
		bt := scratch.get(len(b))
		transpose(bt, b, bs[0], bs[1])
		b, n = bt, bs[0]
	}
	sgemmStrided(c, a, b, r, k, n, k, 1, true, scratch)
}

// fmaMin is the smallest dimension for which the FMA kernels beat the Go
// loops, padding included: with blocks padded to 4 rows × 8 columns they win
// even for the toy models' 5→2 products (the 20→5 toy step runs 1.7× faster
// on them than on the loops, BenchmarkStep).
const fmaMin = 1

// Arena hands out float32 scratch slices from one growing buffer, reused by
// an op on every run so that it does not allocate per step. A nil *Arena
// allocates.
type Arena struct {
	buf  []float32
	used int
}

func (s *Arena) reset() {
	if s != nil {
		s.used = 0
	}
}

// get returns n zeroed floats valid until the next reset.
func (s *Arena) get(n int) []float32 {
	if s == nil {
		return make([]float32, n)
	}
	if s.used+n > len(s.buf) {
		// Earlier slices stay valid: they keep the old buffer alive.
		s.buf = make([]float32, max(2*len(s.buf), s.used+n))
		s.used = 0
	}
	out := s.buf[s.used : s.used+n : s.used+n]
	s.used += n
	clear(out)
	return out
}

// axpy computes y += a·x: a multiply, then an add, per entry (the AVX2
// kernel, gonum's Saxpy and the Go loop give the same bits).
func axpy[T Float](a T, x, y []T) {
	y = y[:len(x)]
	i := 0
	if xf, ok := any(x).([]float32); ok && len(x) >= simdMin {
		if !hasFMA {
			blas32.Saxpy(len(xf), float32(a), xf, 1, any(y).([]float32), 1)
			return
		}
		i = len(x) &^ 7
		axpy32(float32(a), &xf[0], &any(y).([]float32)[0], i)
	}
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// dot returns x·y.
func dot[T Float](x, y []T) T {
	if xf, ok := any(x).([]float32); ok && len(x) >= simdMin {
		return T(blas32.Sdot(len(xf), xf, 1, any(y).([]float32), 1))
	}
	y = y[:len(x)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// nonzeros returns the indices of the nonzero entries of x, written into
// idx[:len(x)]. The loop is branch-free: on random sparsity patterns a branch
// mispredicts about every other entry.
func nonzeros[T Float](x []T, idx []int) []int {
	idx = idx[:len(x)]
	cnt := 0
	switch xs := any(x).(type) {
	case []float32:
		for j, v := range xs {
			idx[cnt] = j
			w := math.Float32bits(v) << 1 // drop the sign: ±0 → 0
			cnt += int((w | -w) >> 31)
		}
	case []float64:
		for j, v := range xs {
			idx[cnt] = j
			w := math.Float64bits(v) << 1
			cnt += int((w | -w) >> 63)
		}
	}
	return idx[:cnt]
}
