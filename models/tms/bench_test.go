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

// BenchmarkAbsValStep measures one training step of the n = 100, m = 40 |x|
// model at p = 0.1 (batch 1024).
func BenchmarkAbsValStep(b *testing.B) {
	m, err := New(Config{Kind: AbsVal, Features: 100, Hidden: 40, Importance: toy.Geometric(100, 0.8)})
	if err != nil {
		b.Fatal(err)
	}
	src, err := toy.NewSource(toy.Config{Features: 100, Probability: []float64{0.1}, Signed: true}, graph.NewRand(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	tr, err := graph.NewTrainer(m, src, graph.NewParams(1), graph.Config{Steps: 1 << 30, Batch: 1024, LR: 1e-3})
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
}
