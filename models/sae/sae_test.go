package sae

import (
	"context"
	"math"
	"testing"

	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
)

// batch returns rows × d activations of the synthetic source (nonnegative
// coefficients on random directions), in float64 for gradient checks.
func batch(t *testing.T, rows, d, features int, seed uint64) []float64 {
	t.Helper()
	s, err := NewSynthetic(SyntheticConfig{Inputs: d, Features: features, Active: 2}, graph.NewRand(seed, 0))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, rows*d)
	s.Fill(x)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func newModel(t *testing.T, v Variant, d, l int, dt tensor.Dtype) (*Model, *graph.Params) {
	t.Helper()
	cfg := Config{Variant: v, Inputs: d, Latents: l, L1: 0.3, K: 2, L0: 0.2, Bandwidth: 0.05,
		Train: graph.Config{Steps: 100, Batch: 8, LR: 1e-3}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := graph.NewParamsOf(dt, 3)
	if err := Init(p, m, graph.NewRand(3, 1), nil); err != nil {
		t.Fatal(err)
	}
	// Move b_enc and b_dec off zero so every term of the gradient is exercised.
	bEnc := make([]float64, l)
	for j := range bEnc {
		bEnc[j] = 0.05 * float64(j%5-2)
	}
	if err := p.Set(ParamBEnc, []int{l}, bEnc); err != nil {
		t.Fatal(err)
	}
	bDec := make([]float64, d)
	for j := range bDec {
		bDec[j] = 0.02 * float64(j%3)
	}
	if err := p.Set(ParamBDec, []int{d}, bDec); err != nil {
		t.Fatal(err)
	}
	return m, p
}

// TestGradients checks every variant's symbolic gradient against central
// differences in every parameter but JumpReLU's threshold, whose gradient is
// a straight-through estimate (checked in graph's TestThresholdGradients).
func TestGradients(t *testing.T) {
	const d, l, rows = 6, 10, 8
	x := batch(t, rows, d, 12, 1)
	for _, v := range Variants {
		t.Run(string(v), func(t *testing.T) {
			m, p := newModel(t, v, d, l, tensor.Float64)
			// AuxK's residual is detached, so central differences (which see
			// through it) do not apply: TestAuxKGradient covers it.
			m.cfg.AuxCoef = 0
			_, grads, err := graph.LossAndGrads(m, x, d, p)
			if err != nil {
				t.Fatal(err)
			}
			const eps = 1e-6
			for _, name := range []string{ParamWEnc, ParamBEnc, ParamWDec, ParamBDec} {
				w := p.Tensor(name).Float64s()
				for i := range w {
					orig := w[i]
					w[i] = orig + eps
					up, _, err := graph.LossAndGrads(m, x, d, p)
					if err != nil {
						t.Fatal(err)
					}
					w[i] = orig - eps
					down, _, err := graph.LossAndGrads(m, x, d, p)
					if err != nil {
						t.Fatal(err)
					}
					w[i] = orig
					num := (up - down) / (2 * eps)
					if got := grads[name][i]; math.Abs(got-num) > 1e-6*math.Max(1, math.Abs(num)) {
						t.Fatalf("∂loss/∂%s[%d] = %v; finite difference %v", name, i, got, num)
					}
				}
			}
		})
	}
}

// auxOnly is the AuxK term of an SAE alone.
type auxOnly struct{ *Model }

func (a auxOnly) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	for _, t := range a.Model.Loss(b, in) {
		if t.Name == "auxk" {
			return []graph.Term{t}
		}
	}
	return nil
}

// TestAuxKGradient checks that the AuxK loss trains the dead latents only:
// its gradient in the live latents' encoder columns and decoder rows is 0,
// and it is not 0 for the dead ones.
func TestAuxKGradient(t *testing.T) {
	const d, l, rows = 6, 10, 8
	x := batch(t, rows, d, 12, 1)
	m, p := newModel(t, TopK, d, l, tensor.Float64)
	for j := range m.dead {
		m.dead[j] = j%2 == 0
	}
	_, g, err := graph.LossAndGrads(auxOnly{m}, x, d, p)
	if err != nil {
		t.Fatal(err)
	}
	deadGrad := 0.0
	for j := 0; j < l; j++ {
		var s float64
		for i := 0; i < d; i++ {
			s += math.Abs(g[ParamWDec][j*d+i]) + math.Abs(g[ParamWEnc][i*l+j])
		}
		if !m.dead[j] && s != 0 {
			t.Errorf("live latent %d: AuxK gradient Σ|∂| = %v; want 0", j, s)
		}
		if m.dead[j] {
			deadGrad += s
		}
	}
	if deadGrad == 0 {
		t.Error("AuxK gradient is 0 for every dead latent; want it to train them")
	}
}

func trainSynthetic(t *testing.T, v Variant, steps int, edit func(*Model, *graph.Params)) (*Model, *graph.Params, Stats) {
	t.Helper()
	const d, l = 8, 24
	cfg := Config{Variant: v, Inputs: d, Latents: l, L1: 0.1, K: 2, L0: 0.05,
		Train: graph.Config{Steps: steps, Batch: 256, LR: 3e-3}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewSynthetic(SyntheticConfig{Inputs: d, Features: 16, Active: 1.5}, graph.NewRand(5, 0))
	if err != nil {
		t.Fatal(err)
	}
	p := graph.NewParams(5)
	sample := make([]float32, 512*d)
	src.Fill(sample)
	if err := Init(p, m, graph.NewRand(5, 1), sample); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m, p)
	}
	_, st, err := Train(context.Background(), m, src, p, 5)
	if err != nil {
		t.Fatal(err)
	}
	return m, p, st
}

func TestUnitDecoderStaysUnit(t *testing.T) {
	for _, v := range []Variant{ReLUL1, TopK, BatchTopK, JumpReLU} {
		t.Run(string(v), func(t *testing.T) {
			_, p, _ := trainSynthetic(t, v, 300, nil)
			for i, row := range p.Matrix(ParamWDec) {
				if n := norm(row); math.Abs(n-1) > 1e-5 {
					t.Errorf("‖W_dec[%d]‖ = %v after training; want 1", i, n)
				}
			}
		})
	}
}

// TestResamplingRevivesDeadLatents kills a third of the latents (an encoder
// bias no input can overcome) and checks that resampling brings them back.
func TestResamplingRevivesDeadLatents(t *testing.T) {
	const killed = 8
	m, p, st := trainSynthetic(t, ReLUL1, 400, func(m *Model, p *graph.Params) {
		b := p.Float64s(ParamBEnc)
		for j := 0; j < killed; j++ {
			b[j] = -100
		}
		if err := p.Set(ParamBEnc, []int{len(b)}, b); err != nil {
			t.Fatal(err)
		}
	})
	if st.Resampled < killed {
		t.Errorf("resampled %d latents; want at least the %d killed", st.Resampled, killed)
	}
	src, err := NewSynthetic(SyntheticConfig{Inputs: 8, Features: 16, Active: 1.5}, graph.NewRand(5, 9))
	if err != nil {
		t.Fatal(err)
	}
	h := make([]float32, 4096*8)
	src.Fill(h)
	out, err := graph.Forward(p, h, 8, 1024, func(b *graph.Builder, x *graph.Node) []*graph.Node {
		_, f := m.Encode(b, x, true)
		return []*graph.Node{f}
	})
	if err != nil {
		t.Fatal(err)
	}
	fired := make([]bool, killed)
	for i := 0; i < len(out[0]); i += 24 {
		for j := 0; j < killed; j++ {
			fired[j] = fired[j] || out[0][i+j] > 0
		}
	}
	for j, f := range fired {
		if !f {
			t.Errorf("latent %d (killed) never fires on 4096 samples after resampling", j)
		}
	}
}

func TestResamplingOffForOtherVariants(t *testing.T) {
	_, _, st := trainSynthetic(t, TopK, 200, nil)
	if st.Resampled != 0 {
		t.Errorf("topk resampled %d latents; want 0 (it uses AuxK)", st.Resampled)
	}
}

func TestBatchTopKThreshold(t *testing.T) {
	_, p, _ := trainSynthetic(t, BatchTopK, 300, nil)
	th := p.Float64s(ParamThreshold)
	for j, v := range th {
		if !(v > 0) || v != th[0] {
			t.Fatalf("threshold[%d] = %v; want one positive value for every latent (%v)", j, v, th[0])
		}
	}
}

func TestGeometricMedian(t *testing.T) {
	// Points on a line: the geometric median is the ordinary median, which
	// an outlier does not move (the mean would be 21.2).
	x := []float32{0, 0, 1, 0, 2, 0, 3, 0, 100, 0}
	med := GeometricMedian(x, 2, 1000)
	if math.Abs(med[0]-2) > 1e-3 || math.Abs(med[1]) > 1e-9 {
		t.Errorf("geometric median = %v; want (2, 0)", med)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Variant: TopK, Inputs: 4, Latents: 8, K: 2, Train: graph.DefaultConfig()}.WithDefaults()
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"unknown variant", func(c *Config) { c.Variant = "relu" }},
		{"no inputs", func(c *Config) { c.Inputs = 0 }},
		{"k above latents", func(c *Config) { c.K = 9 }},
		{"negative l1", func(c *Config) { c.L1 = -1 }},
		{"NaN l0", func(c *Config) { c.L0 = math.NaN() }},
		{"bad lr", func(c *Config) { c.Train.LR = 0 }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range tests {
		c := ok
		tc.edit(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil; want an error", tc.name)
		}
	}
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// TestAuxKDefault: AuxK defaults to d_in/2, but never to more latents than
// the dictionary has.
func TestAuxKDefault(t *testing.T) {
	for _, tt := range []struct{ inputs, latents, want int }{{64, 512, 32}, {40, 15, 15}, {1, 4, 1}} {
		c := Config{Variant: TopK, Inputs: tt.inputs, Latents: tt.latents, K: 1, Train: graph.Config{Steps: 1, Batch: 1, LR: 1e-3}}.WithDefaults()
		if c.AuxK != tt.want {
			t.Errorf("AuxK of %d inputs, %d latents = %d; want %d", tt.inputs, tt.latents, c.AuxK, tt.want)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%d inputs, %d latents) = %v", tt.inputs, tt.latents, err)
		}
	}
}
