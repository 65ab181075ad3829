package transformer

import (
	"math"
	"testing"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
)

// TestStreamRowsAreTheModelsActivations: the stream's program ends at the
// MLP, yet its rows (the buffer of exactly one pass, in order) are the full
// model's activations at the hook point on the same windows, times Scale,
// to the bit; for the MLP's input and output and for a hook point after it.
func TestStreamRowsAreTheModelsActivations(t *testing.T) {
	const windows, seed = 4, 11
	m, _ := New(tiny)
	p := initParams(t, m, 3)
	data := text(4000)
	for _, hook := range []string{HookMLPPost, HookMLPPre, HookResidPost} {
		t.Run(hook, func(t *testing.T) {
			win, err := corpus.NewWindows(data, tiny.Ctx, seed)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewActivationStream(m, p, win, hook, windows, windows*tiny.Ctx, 5)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got := s.Sample(windows * tiny.Ctx)

			ref, err := corpus.NewWindows(data, tiny.Ctx, seed)
			if err != nil {
				t.Fatal(err)
			}
			var want []float32
			r, err := graph.NewRunner(m, ref, p, windows, graph.HookPoints{hook: func(x []float32, _, _ int) error {
				want = append([]float32(nil), x...)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if _, err := r.Run(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) != windows*tiny.Ctx*s.Width() {
				t.Fatalf("%d values from the stream, %d from the model; want %d", len(got), len(want), windows*tiny.Ctx*s.Width())
			}
			for i := range got {
				if w := want[i] * s.Scale; math.Float32bits(got[i]) != math.Float32bits(w) {
					t.Fatalf("row %d, column %d: stream %v; want the model's %v × scale %v = %v", i/s.Width(), i%s.Width(), got[i], want[i], s.Scale, w)
				}
			}
		})
	}
}
