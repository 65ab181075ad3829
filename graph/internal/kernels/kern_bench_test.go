package kernels

import (
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkAxpy compares Go loops with gonum's assembly for the vector
// lengths of toy models; it sets simdMin.
func BenchmarkAxpy(b *testing.B) {
	for _, n := range []int{5, 20, 200} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(i)
		}
		b.Run("go", func(b *testing.B) {
			for b.Loop() {
				axpy(0.5, x, y)
			}
		})
		b.Run("gonum", func(b *testing.B) {
			var impl gonum.Implementation
			for b.Loop() {
				impl.Saxpy(n, 0.5, x, 1, y, 1)
			}
		})
		b.Run("godot", func(b *testing.B) {
			for b.Loop() {
				_ = dot(x, y)
			}
		})
		b.Run("gonumdot", func(b *testing.B) {
			var impl gonum.Implementation
			for b.Loop() {
				_ = impl.Sdot(n, x, 1, y, 1)
			}
		})
	}
}
