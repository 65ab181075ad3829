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
			tr, err := graph.NewTrainer(m, graph.FromFeatures(src), p, graph.Config{Steps: 1 << 30, Batch: 1024, LR: 1e-3})
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
	tr, err := graph.NewTrainer(m, graph.FromFeatures(src), graph.NewParams(1), graph.Config{Steps: 1 << 30, Batch: 1024, LR: 1e-3})
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

// BenchmarkStackStep measures one training step of K stacked 5→2 models
// (batch 1024 each) in one graph; instance-steps/s compares with
// BenchmarkStep/relu_5x2's steps/s.
func BenchmarkStackStep(b *testing.B) {
	for _, k := range []int{1, 5, 10} {
		b.Run(fmt.Sprintf("relu_5x2_K%d", k), func(b *testing.B) {
			models := make([]*Model, k)
			cfgs := make([]Config, k)
			srcs := make([]graph.Features, k)
			ps := make([]*graph.Params, k)
			for i := range k {
				m, err := New(Config{Kind: ReLUOutput, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)})
				if err != nil {
					b.Fatal(err)
				}
				src, err := toy.NewSource(toy.Config{Features: 5, Probability: []float64{0.1}}, graph.NewRand(1, uint64(i)))
				if err != nil {
					b.Fatal(err)
				}
				models[i], cfgs[i], srcs[i], ps[i] = m, m.Config, src, graph.NewParams(uint64(i))
			}
			stack, err := NewStack(cfgs)
			if err != nil {
				b.Fatal(err)
			}
			sp, err := StackParams(models, ps)
			if err != nil {
				b.Fatal(err)
			}
			src, err := graph.StackSources(srcs...)
			if err != nil {
				b.Fatal(err)
			}
			tr, err := graph.NewTrainer(stack, graph.FromFeatures(src), sp, graph.Config{Steps: 1 << 30, Batch: k * 1024, LR: 1e-3})
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
			b.ReportMetric(float64(k*b.N)/b.Elapsed().Seconds(), "instance-steps/s")
		})
	}
}
