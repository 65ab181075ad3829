package transformer

import (
	"math"
	"runtime"
	"testing"

	"github.com/toymodels/superposition/graph"
)

// TestTrainingBitIdenticalAcrossGOMAXPROCS trains a model large enough that
// the row-wise ops (embedding, LayerNorm, SoLU, cross-entropy) and the
// attention split their work over the cores, with GOMAXPROCS 1, 2 and 3:
// every parameter must be the same, bit for bit.
func TestTrainingBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	const seqs, ctx = 8, 64
	tok, tgt := make([]int, seqs*ctx), make([]int, seqs*ctx)
	rng := graph.NewRand(3, 0)
	for i := range tok {
		tok[i] = rng.IntN(256)
	}
	for i := range tgt {
		tgt[i] = tok[(i+1)%len(tok)]
	}
	for _, act := range []string{ReLU, SoLU} {
		t.Run(act, func(t *testing.T) {
			train := func(procs int) *graph.Params {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				m, err := New(Config{DModel: 64, Heads: 4, DMLP: 128, Ctx: ctx, Act: act})
				if err != nil {
					t.Fatal(err)
				}
				p := initParams(t, m, 5)
				tr, err := graph.NewTrainer(m, &fixtureBatch{ctx: ctx, tok: tok, tgt: tgt}, p,
					graph.Config{Steps: 3, Batch: seqs, LR: 1e-2})
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				for range 3 {
					if _, err := tr.Step(); err != nil {
						t.Fatal(err)
					}
				}
				return p
			}
			one := train(1)
			for _, procs := range []int{2, 3} {
				other := train(procs)
				for _, name := range one.Names() {
					a, b := one.Float64s(name), other.Float64s(name)
					for i := range a {
						if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
							t.Fatalf("%s[%d] = %v with GOMAXPROCS 1; %v with %d", name, i, a[i], b[i], procs)
						}
					}
				}
			}
		})
	}
}
