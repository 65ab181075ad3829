package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func BenchmarkScratchAxpy(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, d = 4096, 512
	w := make([]float32, n*d)
	out := make([]float32, d)
	idx := make([]int, 1<<16)
	for i := range idx {
		idx[i] = rng.IntN(n)
	}
	b.Run("random", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			j := idx[i&(1<<16-1)]
			axpy(0.5, w[j*d:(j+1)*d], out)
		}
	})
	b.Run("same", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			axpy(0.5, w[:d], out)
		}
	})
}

func BenchmarkScratchTopK(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k, rows = 4096, 32, 64
	a := make([]float32, n*rows)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	cols := make([]int32, k)
	sc := NewTopKScratch[float32](n, k)
	b.Run("heap", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := i % rows
			TopK(cols, a[r*n:(r+1)*n], k, nil, sc)
		}
	})
	all := make([]int32, n)
	for j := range all {
		all[j] = int32(j)
	}
	b.Run("plain", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := i % rows
			TopK(cols, a[r*n:(r+1)*n], k, all, sc)
		}
	})
	b.Run("scan", func(b *testing.B) {
		s := 0
		for i := 0; i < b.N; i++ {
			r := i % rows
			fb := int32(math.Float32bits(3.5))
			row := a[r*n : (r+1)*n]
			for j := 0; j+8 <= len(row); j += 8 {
				c := row[j : j+8 : j+8]
				m := max(max(max(int32(math.Float32bits(c[0])), int32(math.Float32bits(c[1]))), max(int32(math.Float32bits(c[2])), int32(math.Float32bits(c[3])))),
					max(max(int32(math.Float32bits(c[4])), int32(math.Float32bits(c[5]))), max(int32(math.Float32bits(c[6])), int32(math.Float32bits(c[7])))))
				if m > fb {
					s++
				}
			}
		}
		_ = s
	})
}
