package transformer

import (
	"math"
	"os"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/sae"
	"gorgonia.org/tensor"
)

// fixtureBatch feeds the fixture's one batch.
type fixtureBatch struct {
	ctx      int
	tok, tgt []int
}

func (f *fixtureBatch) Inputs() []graph.Input {
	return []graph.Input{{Name: Tokens, Kind: graph.Int, Width: f.ctx}, {Name: Targets, Kind: graph.Int, Width: f.ctx}}
}

func (f *fixtureBatch) Fill(b *graph.Batch) {
	copy(b.Ints(Tokens), f.tok)
	copy(b.Ints(Targets), f.tgt)
}

func loadFixture(t *testing.T, act string) map[string]sae.Tensor {
	t.Helper()
	data, err := os.ReadFile("testdata/step_" + act + ".safetensors")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := sae.DecodeSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func ints(t sae.Tensor) []int {
	out := make([]int, len(t.Data))
	for i, v := range t.Data {
		out[i] = int(v)
	}
	return out
}

// relErr is ‖got − want‖∞ / ‖want‖∞.
func relErr(got, want []float64) float64 {
	var d, w float64
	for i := range want {
		d = math.Max(d, math.Abs(got[i]-want[i]))
		w = math.Max(w, math.Abs(want[i]))
	}
	if w == 0 {
		return d
	}
	return d / w
}

// TestStepMatchesPyTorch runs one training step of the model in float64 from
// the PyTorch peer's initial weights on the peer's batch (testdata/README.md)
// and compares the loss, every parameter's gradient, the gradient norm and
// the AdamW update (warm-up × cosine rate, gradient clipping) with the
// peer's, within 1e-4 relative.
func TestStepMatchesPyTorch(t *testing.T) {
	tests := []struct {
		act, prefix string
		clip        float64
	}{
		{ReLU, "delta.", 1},
		{ReLU, "deltaclip.", 0.1},
		{SoLU, "delta.", 1},
	}
	for _, tt := range tests {
		t.Run(tt.act+"/"+tt.prefix, func(t *testing.T) {
			fx := loadFixture(t, tt.act)
			m, err := New(Config{DModel: 32, Heads: 4, DMLP: 64, Ctx: 16, Act: tt.act})
			if err != nil {
				t.Fatal(err)
			}
			p := graph.NewParamsOf(tensor.Float64, 1)
			if err := m.SetTL(p, weightsOnly(fx)); err != nil {
				t.Fatal(err)
			}
			init := map[string][]float64{}
			for _, name := range m.ParamNames() {
				init[name] = p.Float64s(name)
			}
			src := &fixtureBatch{ctx: 16, tok: ints(fx["batch.tokens"]), tgt: ints(fx["batch.targets"])}
			grads := map[string][]float64{}
			cfg := graph.Config{Steps: 300, Batch: 3, LR: 1e-2, Schedule: graph.WarmupCosine, Warmup: 100,
				Adam: graph.AdamConfig{Beta1: 0.9, Beta2: 0.99}, ClipNorm: tt.clip}
			keep := graph.Hooks{EditGrads: func(_ int, _ *graph.Params, g graph.Grads) error {
				for name, gt := range g {
					grads[name] = append([]float64(nil), gt.Float64s()...)
				}
				return nil
			}}
			tr, err := graph.NewTrainer(m, src, p, cfg, graph.WithHooks(keep))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			vals, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := vals[0], float64(fx["loss"].Data[0]); math.Abs(got-want) > 1e-4*want {
				t.Errorf("loss = %.9g; want %.9g", got, want)
			}
			if got, want := tr.GradNorm(), float64(fx["grad_norm"].Data[0]); math.Abs(got-want) > 1e-4*want {
				t.Errorf("gradient norm = %.9g; want %.9g", got, want)
			}
			var worstGrad, worstStep float64
			defer func() { t.Logf("worst relative error: gradients %.2g, updates %.2g", worstGrad, worstStep) }()
			for _, name := range m.ParamNames() {
				// EditGrads sees the gradients before clipping.
				e := relErr(grads[name], tlToParam(m, name, fx["grad."+name]))
				worstGrad = math.Max(worstGrad, e)
				if e > 1e-4 {
					t.Errorf("gradient of %s: relative error %.3g; want ≤ 1e-4", name, e)
				}
				after := p.Float64s(name)
				delta := make([]float64, len(after))
				for i := range after {
					delta[i] = after[i] - init[name][i]
				}
				e = relErr(delta, tlToParam(m, name, fx[tt.prefix+name]))
				worstStep = math.Max(worstStep, e)
				if e > 1e-4 {
					t.Errorf("update of %s: relative error %.3g; want ≤ 1e-4", name, e)
				}
			}
		})
	}
}

// weightsOnly keeps the fixture's initial weights.
func weightsOnly(fx map[string]sae.Tensor) map[string]sae.Tensor {
	out := map[string]sae.Tensor{}
	for name, t := range fx {
		if !containsDot(name) {
			continue
		}
		out[name] = t
	}
	return out
}

// containsDot reports whether name is a weight (not loss, batch.*, grad.*…).
func containsDot(name string) bool {
	for _, p := range []string{"batch.", "grad.", "step1", "delta"} {
		if len(name) >= len(p) && name[:len(p)] == p {
			return false
		}
	}
	for _, c := range name {
		if c == '.' {
			return true
		}
	}
	return false
}

// tlToParam returns a TransformerLens-layout tensor in the layout of the
// model's parameter name, as float64.
func tlToParam(m *Model, name string, t sae.Tensor) []float64 {
	data := t.Data
	if _, permute := m.cfg.tlShape(name, nil); permute {
		data = fromTL(data, m.cfg.DModel, m.cfg.Heads)
	}
	out := make([]float64, len(data))
	for i, v := range data {
		out[i] = float64(v)
	}
	return out
}
