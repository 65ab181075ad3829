package sae

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
)

// replay is a source that yields the given batches in order.
type replay struct {
	width   int
	batches [][]float64
	next    int
}

func (r *replay) Width() int { return r.width }

func (r *replay) Fill(x []float32) {
	for i, v := range r.batches[r.next%len(r.batches)] { // the trainer draws ahead
		x[i] = float32(v)
	}
	r.next++
}

// TestTorchPeerSteps runs three steps of the PyTorch peer's SAE (ReLU, L1
// weighted by decoder norm, Adam, decoder renormalised after each step) as
// recorded in testdata/torch_step.json, and compares the loss terms and the
// final parameters. The batches pass through float32 in graph.Source, so the
// tolerance (1e-7) covers that rounding only: one sign flip in Adam's first
// step would move a parameter by 2·lr = 2e-3.
func TestTorchPeerSteps(t *testing.T) {
	data, err := os.ReadFile("testdata/torch_step.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		D, Latents, Batch int
		LR, L1            float64
		Init, Final       map[string][]float64
		Batches           [][]float64
		Losses            [][]float64
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Variant: ReLUL1Norm, Inputs: ref.D, Latents: ref.Latents, L1: ref.L1,
		Train: graph.Config{Steps: len(ref.Batches), Batch: ref.Batch, LR: ref.LR}})
	if err != nil {
		t.Fatal(err)
	}
	p := graph.NewParamsOf(tensor.Float64, 1)
	shapes := map[string][]int{ParamWEnc: {ref.D, ref.Latents}, ParamWDec: {ref.Latents, ref.D}, ParamBEnc: {ref.Latents}, ParamBDec: {ref.D}}
	for name, shape := range shapes {
		if err := p.Set(name, shape, ref.Init[name]); err != nil {
			t.Fatal(err)
		}
	}
	// The peer renormalises the decoder after every step.
	renorm := graph.WithHooks(graph.Hooks{AfterStep: func(_ int, p *graph.Params) error {
		normaliseRows(p.Tensor(ParamWDec), ref.D)
		return nil
	}})
	src := &replay{width: ref.D, batches: ref.Batches}
	tr, err := graph.NewTrainer(m.Objective(), graph.FromFeatures(src), p, m.Config().Train, renorm)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for step, want := range ref.Losses {
		got, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"mse", "l1"} {
			if math.Abs(got[i]-want[i]) > 1e-7*math.Max(1, math.Abs(want[i])) {
				t.Errorf("step %d: %s = %.9g; PyTorch %.9g", step, name, got[i], want[i])
			}
		}
	}
	for name := range shapes {
		got, want := p.Float64s(name), ref.Final[name]
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-7 {
				t.Errorf("%s[%d] after %d steps = %.9g; PyTorch %.9g", name, i, len(ref.Batches), got[i], want[i])
				break
			}
		}
	}
}
