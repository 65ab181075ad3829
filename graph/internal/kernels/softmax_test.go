package kernels

import (
	"math"
	"slices"
	"testing"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 1_000_000; i++ {
		x := -87 * float32(i) / 1_000_000
		got, want := float64(exp32(x)), math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	t.Logf("exp32: worst relative error %.3g on [−87, 0]", worst)
	if worst > 3e-7 {
		t.Errorf("exp32: worst relative error %.3g on [−87, 0]; want ≤ 3e-7 (about 2 ulp)", worst)
	}
	if hasFMA { // the AVX2 lanes on the same grid, bit for bit
		grid := make([]float32, 1_000_008)
		for i := range grid {
			grid[i] = -87.5 * float32(i) / 1_000_000
		}
		e := append([]float32(nil), grid...)
		expShift32(&e[0], len(e), 0, 1)
		for i, x := range grid {
			if w := exp32(x); math.Float32bits(e[i]) != math.Float32bits(w) {
				t.Fatalf("exp lane at %v = %v; exp32 %v", x, e[i], w)
			}
		}
	}
	if got := exp32(-88); got != 0 {
		t.Errorf("exp32(−88) = %v; want 0", got)
	}
}

func TestSoftmaxHugeLogits(t *testing.T) {
	s32 := []float32{1e30, -1e30, 3e29, 1e30}
	s64 := []float64{1e300, -1e300, 3e299, 1e300}
	Softmax(s32, 1)
	Softmax(s64, 1)
	for j, want := range []float64{0.5, 0, 0, 0.5} {
		if float64(s32[j]) != want || s64[j] != want {
			t.Errorf("Softmax(huge)[%d] = %v (float32), %v (float64); want %v", j, s32[j], s64[j], want)
		}
	}
}

// TestSoftmaxKernels: on AVX2 every exponential must be the Go loop's, bit
// for bit, and the sum (added in another order) close; rows of every
// length around the 8 lanes, with huge, tiny and equal logits.
func TestSoftmaxKernels(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(13)
	for n := 1; n <= 41; n++ {
		for _, spread := range []float64{1, 100, 1e30} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(spread * rng.NormFloat64())
			}
			x[n/2] = x[0] // a tie for the maximum, sometimes
			got, want := append([]float32(nil), x...), append([]float32(nil), x...)
			Softmax(got, 0.3)
			withGoLoops(func() { Softmax(want, 0.3) })
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*float64(want[i]) {
					t.Fatalf("n %d, spread %g: Softmax[%d] = %v; Go loop %v", n, spread, i, got[i], want[i])
				}
			}
			// The exponentials before normalising: bit-identical.
			m := x[0]
			for _, v := range x {
				m = max(m, v)
			}
			e := append([]float32(nil), x...)
			if vec := n &^ 7; vec > 0 {
				expShift32(&e[0], vec, m, 0.3)
				for i := range vec {
					if w := exp32((x[i] - m) * 0.3); math.Float32bits(e[i]) != math.Float32bits(w) {
						t.Fatalf("n %d, spread %g: exp lane %d = %v; exp32 %v", n, spread, i, e[i], w)
					}
				}
				if got, want := max32(&x[0], vec), slices.Max(x[:vec]); got != want {
					t.Fatalf("max32 = %v; want %v", got, want)
				}
			}
		}
	}
}

// TestSoftmaxGradKernels: the AVX2 path against the Go loop, for rows of
// every length around the 8 lanes.
func TestSoftmaxGradKernels(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA on this machine")
	}
	rng := newRand(14)
	for n := 1; n <= 41; n++ {
		p, dp := make([]float32, n), make([]float32, n)
		for i := range p {
			p[i], dp[i] = float32(rng.Float64()), float32(rng.NormFloat64())
		}
		got, want := append([]float32(nil), dp...), append([]float32(nil), dp...)
		SoftmaxGrad(got, p, 0.3)
		withGoLoops(func() { SoftmaxGrad(want, p, 0.3) })
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*math.Max(1, math.Abs(float64(want[i]))) {
				t.Fatalf("n %d: SoftmaxGrad[%d] = %v; Go loop %v", n, i, got[i], want[i])
			}
		}
		var dot float64
		for i := range p {
			dot += float64(p[i]) * float64(dp[i])
		}
		if vec := n &^ 7; vec > 0 {
			var part float64
			for i := range vec {
				part += float64(p[i]) * float64(dp[i])
			}
			if got := dot32(&p[0], &dp[0], vec); math.Abs(float64(got)-part) > 1e-5*math.Max(1, math.Abs(part)) {
				t.Fatalf("dot32(%d) = %v; want %v", vec, got, part)
			}
		}
	}
}

// TestSoftmaxLSE32: the probabilities and log-sum-exp of every row length
// around the 8 lanes against float64 math, with logits large enough that
// an unshifted exponential would overflow.
func TestSoftmaxLSE32(t *testing.T) {
	rng := newRand(17)
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 256} {
		for _, spread := range []float64{1, 30, 1e4} {
			x := make([]float32, n)
			for j := range x {
				x[j] = float32(spread * rng.NormFloat64())
			}
			p := make([]float32, n)
			lse := SoftmaxLSE32(p, x)
			m := float64(slices.Max(x))
			var s float64
			for _, v := range x {
				s += math.Exp(float64(v) - m)
			}
			want := m + math.Log(s)
			if math.Abs(lse-want) > 1e-6*max(1, math.Abs(want)) {
				t.Errorf("SoftmaxLSE32(n=%d, spread %g) = %v; want %v", n, spread, lse, want)
			}
			for j, v := range x {
				// float32 rounds the shifted logit, by up to |x − m|·2⁻²⁴.
				w := math.Exp(float64(v) - want)
				if math.Abs(float64(p[j])-w) > 1e-6*max(1, m-float64(v))*w+1e-37 {
					t.Errorf("SoftmaxLSE32(n=%d, spread %g): p[%d] = %v; want %v", n, spread, j, p[j], w)
				}
			}
		}
	}
}
