package tms

import (
	"fmt"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
)

// BenchmarkStep measures one training step (batch 1024, Adam) of one model.
func BenchmarkStep(b *testing.B) {
	for _, sz := range []struct{ n, m int }{{5, 2}, {20, 5}, {200, 20}} {
		b.Run(fmt.Sprintf("relu_%dx%d", sz.n, sz.m), func(b *testing.B) {
			m, err := New(Config{Kind: ReLUOutput, Features: sz.n, Hidden: sz.m, Importance: toy.Geometric(sz.n, 0.9)})
			if err != nil {
				b.Fatal(err)
			}
			src, err := toy.NewSource(toy.Config{Features: sz.n, Probability: []float64{0.1}}, graph.NewRand(1, 0))
			if err != nil {
				b.Fatal(err)
			}
			p := graph.NewParams(1)
			tr, err := graph.NewTrainer(m, src, p, graph.Config{Steps: 1 << 30, Batch: 1024, LR: 1e-3})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
