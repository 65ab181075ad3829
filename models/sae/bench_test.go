package sae

import (
	"fmt"
	"testing"

	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
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

// BenchmarkTopKStep times one training step of a TopK SAE (its whole
// recipe: AuxK, decoder projection and renormalisation, dead-latent
// counters) at the PyTorch peer's `lm_peer.py sae` size, 512 → 4096, k =
// 32, batch 4096, through the sparse path and the dense reference
// (DenseTopK) side by side; run with -count and compare within one run.
// The batches are drawn before the clock starts.
func BenchmarkTopKStep(b *testing.B) {
	const d, l, k, batch = 512, 4096, 32, 4096
	if testing.Short() {
		b.Skip("large")
	}
	src, err := NewSynthetic(SyntheticConfig{Inputs: d, Features: l, Active: 0.01 * float64(l)}, graph.NewRand(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	data := &replay{width: d}
	x := make([]float32, batch*d)
	for range 2 {
		src.Fill(x)
		data.batches = append(data.batches, graph.Values(tensor.New(tensor.WithBacking(x), tensor.WithShape(len(x)))))
	}
	for _, dense := range []bool{false, true} {
		b.Run(fmt.Sprintf("d%d_latents%d_k%d_batch%d/%s", d, l, k, batch, map[bool]string{false: "sparse", true: "dense"}[dense]), func(b *testing.B) {
			m, err := New(Config{Variant: TopK, Inputs: d, Latents: l, K: k, DenseTopK: dense,
				Train: graph.Config{Steps: 1 << 30, Batch: batch, LR: 1e-3}})
			if err != nil {
				b.Fatal(err)
			}
			p := graph.NewParams(1)
			if err := Init(p, m, graph.NewRand(1, 1), nil); err != nil {
				b.Fatal(err)
			}
			t, err := graph.NewTrainer(m, graph.FromFeatures(data), p, m.Config().Train)
			if err != nil {
				b.Fatal(err)
			}
			defer t.Close()
			if _, err := t.Step(); err != nil { // allocates every op's buffers
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := t.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "activations/s")
		})
	}
}

// BenchmarkInfer measures inference (latents and reconstruction) of a TopK
// SAE on the transformer's MLP width, decoding densely (Encode, Decode) and
// from the sparse code (Infer) side by side; compare within one run.
func BenchmarkInfer(b *testing.B) {
	const d, l, k, rows = 512, 4096, 32, 1024
	m, err := New(Config{Variant: TopK, Inputs: d, Latents: l, K: k, Train: graph.Config{Steps: 1, Batch: rows, LR: 1e-3}})
	if err != nil {
		b.Fatal(err)
	}
	p := graph.NewParams(1)
	if err := Init(p, m, graph.NewRand(1, 1), nil); err != nil {
		b.Fatal(err)
	}
	x := make([]float32, rows*d)
	rng := graph.NewRand(2, 0)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, tc := range []struct {
		name string
		f    func(b *graph.Builder, x *graph.Node) []*graph.Node
	}{
		{"dense", func(b *graph.Builder, x *graph.Node) []*graph.Node {
			_, f := m.Encode(b, x, true)
			return []*graph.Node{f, m.Decode(b, f)}
		}},
		{"sparse", func(b *graph.Builder, x *graph.Node) []*graph.Node {
			f, xh := m.Infer(b, x)
			return []*graph.Node{f, xh}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := graph.Forward(p, x, d, rows, tc.f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
