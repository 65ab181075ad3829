package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// withGoLoops runs f with the AVX2 kernels switched off: the reference.
func withGoLoops(f func()) {
	saved := hasFMA
	hasFMA = false
	defer func() { hasFMA = saved }()
	f()
}

// elemData returns r×n float32s with exact zeros of both signs mixed in.
func elemData(rng *rand.Rand, size int) []float32 {
	x := make([]float32, size)
	for i := range x {
		switch rng.IntN(8) {
		case 0:
			x[i] = 0
		case 1:
			x[i] = float32(math.Copysign(0, -1))
		default:
			x[i] = float32(rng.NormFloat64())
		}
	}
	return x
}

// TestElementwiseKernels: every AVX2 elementwise kernel must give the Go
// loop's bits (axpy gonum's Saxpy's; the loss sum, whose lanes change the
// order, to 1e-6).
func TestElementwiseKernels(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 + FMA")
	}
	const rows = 19 // two chunks of eight narrow rows, and three more
	rng := newRand(4)
	for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 200, 203} {
		a, b, v, w := elemData(rng, rows*n), elemData(rng, rows*n), elemData(rng, n), elemData(rng, n)
		kernels := []struct {
			name string
			run  func(out []float32)
		}{
			{"BiasAct", func(out []float32) { BiasAct(out, a, v, false) }},
			{"BiasAct relu", func(out []float32) { BiasAct(out, a, v, true) }},
			{"ReLUGrad", func(out []float32) { ReLUGrad(out, a, b) }},
			{"ColSum", func(out []float32) { ColSum(out[:n], a, n, false) }},
			{"ColSum negated", func(out []float32) { ColSum(out[:n], a, n, true) }},
			{"WeightedSqErrGrad", func(out []float32) { WeightedSqErrGrad(out, a, b, w, 0.37) }},
			{"axpy", func(out []float32) { copy(out, b); axpy(0.37, a, out) }},             // against gonum's Saxpy
			{"axpy row", func(out []float32) { copy(out, b); axpy(-1.3, a[:n], out[:n]) }}, // and its Go loop below 16
		}
		for _, k := range kernels {
			got, want := make([]float32, rows*n), make([]float32, rows*n)
			k.run(got)
			withGoLoops(func() { k.run(want) })
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("%s n=%d: [%d] = %v (%#x); want %v (%#x)", k.name, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					break
				}
			}
		}
		got := WeightedSqErr(a, b, w)
		var want float64
		withGoLoops(func() { want = WeightedSqErr(a, b, w) })
		if math.Abs(got-want) > 1e-6*math.Abs(want) {
			t.Errorf("WeightedSqErr n=%d = %v; want %v within 1e-6", n, got, want)
		}
		if slices.Contains([]int{8, 16, 24}, n) { // no tail: the lanes' sum is all there is
			if again := WeightedSqErr(a, b, w); again != got {
				t.Errorf("WeightedSqErr n=%d not deterministic: %v then %v", n, got, again)
			}
		}
	}
}

func BenchmarkElementwise(b *testing.B) {
	const rows, n = 1024, 200
	rng := newRand(5)
	x, y, v, w := elemData(rng, rows*n), elemData(rng, rows*n), elemData(rng, n), elemData(rng, n)
	out := make([]float32, rows*n)
	kernels := []struct {
		name string
		run  func()
	}{
		{"biasActReLU", func() { BiasAct(out, x, v, true) }},
		{"ReLUGrad", func() { ReLUGrad(out, x, y) }},
		{"ColSum", func() { ColSum(out[:n], x, n, false) }},
		{"WeightedSqErr", func() { WeightedSqErr(x, y, w) }},
		{"WeightedSqErrGrad", func() { WeightedSqErrGrad(out, x, y, w, 0.5) }},
	}
	for _, k := range kernels {
		for _, impl := range []string{"avx2", "go"} {
			b.Run(k.name+"/"+impl, func(b *testing.B) {
				if impl == "go" {
					defer func(saved bool) { hasFMA = saved }(hasFMA)
					hasFMA = false
				}
				b.SetBytes(rows * n * 4)
				for range b.N {
					k.run()
				}
			})
		}
	}
}
