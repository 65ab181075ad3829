package graph

import (
	"math"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/tensor"
)

// blas32 is gonum's pure-Go BLAS, whose float32 level-1 kernels are
// assembly: about three times faster than a Go loop on vectors of 200.
var blas32 gonum.Implementation

// simdMin is the length from which gonum's assembly beats a Go loop, call
// overhead included (measured with BenchmarkAxpy).
const simdMin = 16

// sparseMin is the row length from which looking for zero entries pays for
// itself; shorter rows are multiplied densely.
const sparseMin = 8

// float is the element type of a kernel.
type float interface{ ~float32 | ~float64 }

// matMul writes C = op(A)·op(B) into c, for row-major A (shape as) and B
// (shape bs), op the transpose when ta (tb) is set. The loops skip zero
// entries of A where the layout allows it: toy data and ReLU outputs are
// sparse, so this saves most of the work at low feature probability.
func matMul[T float](c, a, b []T, as, bs tensor.Shape, ta, tb bool, scratch *arena) {
	clear(c)
	if cf, ok := any(c).([]float32); ok && hasFMA && !(ta && tb) && min(as[0], as[1], bs[0], bs[1]) >= fmaMin && !sparseWins(any(a).([]float32), len(c)/outRows(as, ta)) {
		matMulFMA(cf, any(a).([]float32), any(b).([]float32), as, bs, ta, tb, scratch)
		return
	}
	matMulLoops(c, a, b, as, bs, ta, tb)
}

func outRows(as tensor.Shape, ta bool) int {
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

// matMulLoops is matMul in Go loops, skipping zeros; c must be zero.
func matMulLoops[T float](c, a, b []T, as, bs tensor.Shape, ta, tb bool) {
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
			if k < sparseMin {
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
			if n >= sparseMin {
				idx = nonzeros(bk, buf)
			}
			if n >= sparseMin && 4*len(idx) < n { // B's row is sparse: C[:,j] += A[kk,:] B[kk,j]
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

// matMulFMA is matMul for float32 on the AVX2 + FMA kernels: the operand
// that is transposed is copied into row-major order first (the toy models'
// transposed operands are weights or [batch, hidden] matrices, small next to
// the product), then sgemm runs densely. On these kernels a dense product
// costs about what scanning for zeros would, so sparsity is not exploited.
func matMulFMA(c, a, b []float32, as, bs tensor.Shape, ta, tb bool, scratch *arena) {
	scratch.reset()
	r, k := as[0], as[1]
	if ta && !tb { // read A transposed in place
		sgemmStrided(c, a, b, as[1], as[0], bs[1], 1, as[1], scratch)
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
	sgemm(c, a, b, r, k, n, scratch)
}

// fmaMin is the smallest dimension for which the FMA kernels beat the Go
// loops, padding included: with blocks padded to 4 rows × 8 columns they win
// even for the toy models' 5→2 products (the 20→5 toy step runs 1.7× faster
// on them than on the loops, BenchmarkStep).
const fmaMin = 1

// arena hands out float32 scratch slices from one growing buffer, reused by
// an op on every run so that it does not allocate per step. A nil *arena
// allocates.
type arena struct {
	buf  []float32
	used int
}

func (s *arena) reset() {
	if s != nil {
		s.used = 0
	}
}

// get returns n zeroed floats valid until the next reset.
func (s *arena) get(n int) []float32 {
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

// axpy computes y += a·x.
func axpy[T float](a T, x, y []T) {
	if xf, ok := any(x).([]float32); ok && len(x) >= simdMin {
		blas32.Saxpy(len(xf), float32(a), xf, 1, any(y).([]float32), 1)
		return
	}
	y = y[:len(x)]
	i := 0
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
func dot[T float](x, y []T) T {
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
func nonzeros[T float](x []T, idx []int) []int {
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

// biasAct writes act(A + v) into out, v added to every row. The builtin max
// compiles without a branch (seven times faster than an if on random signs)
// and returns +0 for negative inputs, which reluGrad relies on.
func biasAct[T float](out, a, v []T, relu bool) {
	n := len(v)
	if o32, ok := any(out).([]float32); ok && hasFMA && n < 8 && len(a) >= 8*n {
		// Rows narrower than the 8 lanes: eight rows at a time, against v
		// repeated eight times.
		var tiled [64]float32
		tile(&tiled, any(v).([]float32))
		a32, chunk := any(a).([]float32), 8*n
		done := len(a) / chunk * chunk
		for i := 0; i < done; i += chunk {
			addRowAct32(&o32[i], &a32[i], &tiled[0], chunk, relu)
		}
		a, out = a[done:], out[done:]
	}
	vec := 0 // columns done by the AVX2 kernel
	if hasFMA && n >= 8 {
		vec = n &^ 7
	}
	for i := 0; i < len(a); i += n {
		ai, oi := a[i:i+n], out[i:i+n]
		if vec > 0 {
			if o32, ok := any(oi).([]float32); ok {
				a32, v32 := any(ai).([]float32), any(v).([]float32)
				addRowAct32(&o32[0], &a32[0], &v32[0], n, relu)
				ai, oi = ai[vec:], oi[vec:]
				if relu {
					for j, x := range ai {
						oi[j] = max(x+v[vec+j], 0)
					}
					continue
				}
				for j, x := range ai {
					oi[j] = x + v[vec+j]
				}
				continue
			}
		}
		if relu {
			for j, x := range ai {
				oi[j] = max(x+v[j], 0)
			}
			continue
		}
		for j, x := range ai {
			oi[j] = x + v[j]
		}
	}
}

// tile writes eight copies of v (at most 8 long) into t.
func tile(t *[64]float32, v []float32) {
	for r := range 8 {
		copy(t[r*len(v):], v)
	}
}

// relu writes max(a, 0) into out, branch-free, with +0 for negative
// entries (reluGrad relies on it).
func relu[T float](out, a []T) {
	out = out[:len(a)]
	for i, x := range a {
		out[i] = max(x, 0)
	}
}

// absSign writes |a| into out, or sign(a)·g when g is not nil.
func absSign[T float](out, a, g []T) {
	out = out[:len(a)]
	if g == nil {
		for i, x := range a {
			out[i] = max(x, -x)
		}
		return
	}
	for i, x := range a {
		switch {
		case x > 0:
			out[i] = g[i]
		case x < 0:
			out[i] = -g[i]
		default:
			out[i] = 0
		}
	}
}

// reluGrad writes g ⊙ [out > 0] into dst for out ≥ 0 (a ReLU output, with
// +0 for the inactive entries), branch-free: the mask keeps g's bits where
// out's bit pattern is nonzero.
func reluGrad[T float](dst, out, g []T) {
	switch o := any(out).(type) {
	case []float32:
		d, gs := any(dst).([]float32), any(g).([]float32)
		gs = gs[:len(o)]
		d = d[:len(o)]
		if vec := len(o) &^ 7; hasFMA && vec > 0 {
			reluMask32(&d[0], &o[0], &gs[0], vec)
			o, d, gs = o[vec:], d[vec:], gs[vec:]
		}
		for i, v := range o {
			keep := uint32(int32(-math.Float32bits(v)) >> 31)
			d[i] = math.Float32frombits(math.Float32bits(gs[i]) & keep)
		}
	case []float64:
		d, gs := any(dst).([]float64), any(g).([]float64)
		gs = gs[:len(o)]
		d = d[:len(o)]
		for i, v := range o {
			keep := uint64(int64(-math.Float64bits(v)) >> 63)
			d[i] = math.Float64frombits(math.Float64bits(gs[i]) & keep)
		}
	}
}

// colSum writes the column sums of the row-major matrix a with n columns,
// or minus them when negate is set.
func colSum[T float](dst, a []T, n int, negate bool) {
	clear(dst)
	if d32, ok := any(dst).([]float32); hasFMA && n >= 8 && ok {
		a32 := any(a).([]float32)
		vec := n &^ 7
		for i := 0; i < len(a32); i += n {
			addTo32(&d32[0], &a32[i], vec)
			for j := vec; j < n; j++ {
				d32[j] += a32[i+j]
			}
		}
	} else {
		colSumLoop(dst, a, n)
	}
	if negate {
		for j := range dst {
			dst[j] = -dst[j]
		}
	}
}

func colSumLoop[T float](dst, a []T, n int) {
	for i := 0; i < len(a); i += n {
		for j, x := range a[i : i+n] {
			dst[j] += x
		}
	}
}

// weightedSqErr returns (1/r)·Σ wᵢ (xᵢ − yᵢ)² over rows of n = len(w),
// accumulated in float64.
func weightedSqErr[T float](x, y, w []T) float64 {
	n := len(w)
	var total float64
	vec := 0 // columns summed by the AVX2 kernel
	if hasFMA && n >= 8 {
		vec = n &^ 7
	}
	for i := 0; i < len(x); i += n {
		var s T
		xi, yi := x[i:i+n], y[i:i+n]
		if x32, ok := any(xi).([]float32); vec > 0 && ok {
			y32, w32 := any(yi).([]float32), any(w).([]float32)
			s32 := sqErrRow32(&x32[0], &y32[0], &w32[0], n)
			for j := vec; j < n; j++ {
				d := x32[j] - y32[j]
				s32 += w32[j] * d * d
			}
			total += float64(s32)
			continue
		}
		for j, wj := range w {
			d := xi[j] - yi[j]
			s += wj * d * d
		}
		total += float64(s)
	}
	return total / float64(len(x)/n)
}

// weightedSqErrGrad writes s·w ⊙ (x − y) into dst.
func weightedSqErrGrad[T float](dst, x, y, w []T, s T) {
	n := len(w)
	if d32, ok := any(dst).([]float32); ok && hasFMA && n < 8 && len(x) >= 8*n {
		// Rows narrower than the 8 lanes: eight rows at a time.
		var tiled [64]float32
		tile(&tiled, any(w).([]float32))
		x32, y32, chunk := any(x).([]float32), any(y).([]float32), 8*n
		done := len(x) / chunk * chunk
		for i := 0; i < done; i += chunk {
			sqErrGrad32(&d32[i], &x32[i], &y32[i], &tiled[0], chunk, any(s).(float32))
		}
		dst, x, y = dst[done:], x[done:], y[done:]
	}
	vec := 0 // columns done by the AVX2 kernel
	if hasFMA && n >= 8 {
		vec = n &^ 7
	}
	for i := 0; i < len(x); i += n {
		xi, yi, di := x[i:i+n], y[i:i+n], dst[i:i+n]
		if vec > 0 {
			if d32, ok := any(di).([]float32); ok {
				x32, y32, w32, s32 := any(xi).([]float32), any(yi).([]float32), any(w).([]float32), any(s).(float32)
				sqErrGrad32(&d32[0], &x32[0], &y32[0], &w32[0], n, s32)
				for j := vec; j < n; j++ {
					d32[j] = s32 * w32[j] * (x32[j] - y32[j])
				}
				continue
			}
		}
		for j, wj := range w {
			di[j] = s * wj * (xi[j] - yi[j])
		}
	}
}

// subRow writes a − v into out, v subtracted from every row.
func subRow[T float](out, a, v []T) {
	n := len(v)
	for i := 0; i < len(a); i += n {
		ai, oi := a[i:i+n], out[i:i+n]
		for j, x := range ai {
			oi[j] = x - v[j]
		}
	}
}
