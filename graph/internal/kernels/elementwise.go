package kernels

import "math"

// BiasAct writes act(A + v) into out, v added to every row. The builtin max
// compiles without a branch (seven times faster than an if on random signs)
// and returns +0 for negative inputs, which ReLUGrad relies on.
func BiasAct[T Float](out, a, v []T, relu bool) {
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

// ReLU writes max(a, 0) into out, branch-free, with +0 for negative
// entries (ReLUGrad relies on it).
func ReLU[T Float](out, a []T) {
	out = out[:len(a)]
	for i, x := range a {
		out[i] = max(x, 0)
	}
}

// AbsSign writes |a| into out, or sign(a)·g when g is not nil.
func AbsSign[T Float](out, a, g []T) {
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

// ReLUGrad writes g ⊙ [out > 0] into dst for out ≥ 0 (a ReLU output, with
// +0 for the inactive entries), branch-free: the mask keeps g's bits where
// out's bit pattern is nonzero.
func ReLUGrad[T Float](dst, out, g []T) {
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

// ColSum writes the column sums of the row-major matrix a with n columns,
// or minus them when negate is set.
func ColSum[T Float](dst, a []T, n int, negate bool) {
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

func colSumLoop[T Float](dst, a []T, n int) {
	for i := 0; i < len(a); i += n {
		for j, x := range a[i : i+n] {
			dst[j] += x
		}
	}
}

// WeightedSqErr returns (1/r)·Σ wᵢ (xᵢ − yᵢ)² over rows of n = len(w),
// accumulated in float64.
func WeightedSqErr[T Float](x, y, w []T) float64 {
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

// WeightedSqErrGrad writes s·w ⊙ (x − y) into dst.
func WeightedSqErrGrad[T Float](dst, x, y, w []T, s T) {
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

// SubRow writes a − v into out, v subtracted from every row.
func SubRow[T Float](out, a, v []T) {
	n := len(v)
	for i := 0; i < len(a); i += n {
		ai, oi := a[i:i+n], out[i:i+n]
		for j, x := range ai {
			oi[j] = x - v[j]
		}
	}
}
