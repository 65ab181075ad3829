package transformer

import (
	"testing"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
)

// BenchmarkActivationStream times the harvest of blocks.0.mlp.hook_post:
// one Fill of a forward pass's rows (8 windows of 128 bytes of random text)
// per op, through a shuffle buffer of four passes; the allocations it
// reports are the steady state's.
func BenchmarkActivationStream(b *testing.B) {
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	mc := m.Config()
	rng := graph.Stream(1, "bench/harvest/text")
	data := make([]byte, 1<<16)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	win, err := corpus.NewWindows(data, mc.Ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	p := graph.NewParams(2)
	tr, err := graph.NewTrainer(m, win, p, graph.Config{Steps: 1, Batch: 1, LR: 1e-3})
	if err != nil {
		b.Fatal(err)
	}
	tr.Close()
	const windows = 8
	s, err := NewActivationStream(m, p, win, HookMLPPost, windows, 4*windows*mc.Ctx, 3)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	x := make([]float32, windows*mc.Ctx*s.Width())
	s.Fill(x)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.Fill(x)
	}
	b.StopTimer()
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*windows*mc.Ctx)/b.Elapsed().Seconds(), "tokens/s")
}
