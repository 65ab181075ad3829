package kernels

import (
	"math"
	"testing"
)

// TestAdam32Kernel: the AVX2 update gives the Go loop's bits, over three
// steps (moments from zero), with and without decay, for lengths with and
// without a tail.
func TestAdam32Kernel(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2")
	}
	rng := newRand(6)
	for _, n := range []int{1, 3, 4, 5, 8, 17, 203} {
		for _, decay := range []float64{1, 1 - 1e-3*0.1} {
			w0, g := elemData(rng, n), elemData(rng, n)
			for i := range g {
				g[i] *= float32(math.Pow(10, float64(i%7-3))) // gradients over seven decades
			}
			run := func() (w []float32, m, v []float64) {
				w = append([]float32(nil), w0...)
				m, v = make([]float64, n), make([]float64, n)
				for step := 1; step <= 3; step++ {
					p := AdamParams{Beta1: 0.9, Beta2: 0.999, BC1: 1 - math.Pow(0.9, float64(step)), BC2: 1 - math.Pow(0.999, float64(step)),
						Eps: 1e-8, LR: 1e-3, Decay: decay}
					Adam32(w, g, m, v, p)
				}
				return w, m, v
			}
			gw, gm, gv := run()
			var ww []float32
			var wm, wv []float64
			withGoLoops(func() { ww, wm, wv = run() })
			for i := range gw {
				if math.Float32bits(gw[i]) != math.Float32bits(ww[i]) || math.Float64bits(gm[i]) != math.Float64bits(wm[i]) || math.Float64bits(gv[i]) != math.Float64bits(wv[i]) {
					t.Fatalf("n=%d decay %v: w, m, v[%d] = %v, %v, %v; the Go loop %v, %v, %v", n, decay, i, gw[i], gm[i], gv[i], ww[i], wm[i], wv[i])
				}
			}
		}
	}
}
