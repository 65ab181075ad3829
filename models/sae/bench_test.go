package sae

import (
	"fmt"
	"testing"

	"github.com/toymodels/superposition/graph"
)

// BenchmarkStep times one training step of the PyTorch peer's SAE (ReLU, L1
// by decoder norm, Adam, decoder renormalised) on synthetic activations.
func BenchmarkStep(b *testing.B) {
	for _, sz := range [][2]int{{64, 512}, {512, 4096}} {
		d, l := sz[0], sz[1]
		b.Run(fmt.Sprintf("d%d_latents%d", d, l), func(b *testing.B) {
			if l > 1024 && testing.Short() {
				b.Skip("large")
			}
			m, err := New(Config{Variant: ReLUL1Norm, Inputs: d, Latents: l, L1: 1e-3,
				Train: graph.Config{Steps: 1 << 30, Batch: 1024, LR: 1e-3}})
			if err != nil {
				b.Fatal(err)
			}
			src, err := NewSynthetic(SyntheticConfig{Inputs: d, Features: l, Active: 0.01 * float64(l)}, graph.NewRand(1, 0))
			if err != nil {
				b.Fatal(err)
			}
			p := graph.NewParams(1)
			if err := Init(p, m, graph.NewRand(1, 1), nil); err != nil {
				b.Fatal(err)
			}
			t, err := graph.NewTrainer(m.Objective(), graph.FromFeatures(src), p, m.Config().Train, graph.WithHooks(graph.Hooks{AfterStep: func(_ int, p *graph.Params) error {
				NormaliseDecoder(p)
				return nil
			}}))
			if err != nil {
				b.Fatal(err)
			}
			defer t.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := t.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
