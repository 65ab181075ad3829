package tms

import (
	"context"
	"math"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/toy"
	"gorgonia.org/tensor"
)

// extensions are the privileged model's variants towards monosemantic
// neurons, one of each kind of change.
var extensions = []struct {
	name string
	edit func(*Config)
}{
	{"hidden bias", func(c *Config) { c.HiddenBias, c.HiddenBiasInit = BiasFree, -0.05 }},
	{"negative hidden bias", func(c *Config) { c.HiddenBias, c.HiddenBiasInit = BiasNegative, -0.05 }},
	{"fixed hidden bias", func(c *Config) { c.HiddenBias, c.HiddenBiasInit = BiasFixed, -0.05 }},
	{"l1", func(c *Config) { c.L1 = 0.3 }},
	{"solu", func(c *Config) { c.Activation = SoLU }},
	{"solu-ln", func(c *Config) { c.Activation = SoLULN }},
	{"solu-ln with bias and l1", func(c *Config) { c.Activation, c.HiddenBias, c.HiddenBiasInit, c.L1 = SoLULN, BiasFree, 0.1, 0.2 }},
}

func extended(t *testing.T, edit func(*Config)) Config {
	t.Helper()
	c := Config{Kind: Privileged, Features: 5, Hidden: 3, Importance: toy.Geometric(5, 0.9)}
	edit(&c)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func sparseRows(seed uint64, rows, n int) []float64 {
	rng := graph.NewRand(seed, 0)
	x := make([]float64, rows*n)
	for i := range x {
		if rng.Float64() < 0.5 {
			x[i] = rng.Float64()
		}
	}
	return x
}

// TestExtensionsGradCheck: the gradient of every extension's total loss
// (reconstruction plus L1) against central differences.
func TestExtensionsGradCheck(t *testing.T) {
	for _, e := range extensions {
		t.Run(e.name, func(t *testing.T) {
			m, err := New(extended(t, e.edit))
			if err != nil {
				t.Fatal(err)
			}
			// An output bias away from 0 keeps rows whose hidden layer is
			// silent off the output ReLU's kink.
			p := graph.NewParamsOf(tensor.Float64, 4)
			if err := p.Set(ParamB, []int{5}, []float64{0.05, 0.05, 0.05, 0.05, 0.05}); err != nil {
				t.Fatal(err)
			}
			res, err := graph.GradCheck(m, sparseRows(3, 8, 5), 5, p, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if res.RelErr > 1e-6 {
				t.Errorf("gradient of %s[%d] = %v; finite difference %v", res.Param, res.Index, res.Analytic, res.Numeric)
			}
		})
	}
}

// TestWeightsMatchGraph: the plain-Go hidden layer and output loss of
// WeightsOf agree with the graph's, for the paper's privileged model and
// every extension, on parameters moved away from their initial values.
func TestWeightsMatchGraph(t *testing.T) {
	cases := append([]struct {
		name string
		edit func(*Config)
	}{{"privileged", func(*Config) {}}}, extensions...)
	for _, e := range cases {
		t.Run(e.name, func(t *testing.T) {
			cfg := extended(t, e.edit)
			m, _ := New(cfg)
			p := graph.NewParams(9)
			src, err := toy.NewSource(toy.Config{Features: 5, Probability: []float64{0.3}}, graph.NewRand(2, 0))
			if err != nil {
				t.Fatal(err)
			}
			tc := graph.Config{Steps: 50, Batch: 64, LR: 1e-2}
			if _, err := graph.Train(context.Background(), m, graph.FromFeatures(src), p, tc); err != nil {
				t.Fatal(err)
			}
			w, err := WeightsOf(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			x64 := sparseRows(5, 16, 5)
			x := make([]float32, len(x64))
			for i, v := range x64 {
				x[i] = float32(v)
			}
			out, err := graph.Forward(p, x, 5, 16, func(b *graph.Builder, xn *graph.Node) []*graph.Node {
				return []*graph.Node{m.HiddenLayer(b, xn)}
			})
			if err != nil {
				t.Fatal(err)
			}
			h := make([]float32, 16*3)
			w.HiddenLayer(h, x)
			for i := range h {
				if d := math.Abs(float64(h[i] - out[0][i])); d > 1e-5 {
					t.Fatalf("Weights.HiddenLayer[%d] = %v; graph %v", i, h[i], out[0][i])
				}
			}
			got := w.OutputLoss(x, h)
			vals, err := graph.Evaluate(context.Background(), m, graph.FromFeatures(fixed{x, 5}), p, 16, 16)
			if err != nil {
				t.Fatal(err)
			}
			if want := vals[0].Value; math.Abs(got-want) > 1e-5*math.Max(1, want) {
				t.Errorf("Weights.OutputLoss = %v; graph loss %v", got, want)
			}
			if cfg.L1 > 0 {
				var want float64
				for _, v := range h {
					want += cfg.L1 * math.Abs(float64(v)) / 16
				}
				if len(vals) != 2 || vals[1].Name != "l1" || math.Abs(vals[1].Value-want) > 1e-5 {
					t.Errorf("terms %v; want l1 = %v", vals, want)
				}
			}
		})
	}
}

// fixed is a source that gives the same rows every batch.
type fixed struct {
	x     []float32
	width int
}

func (f fixed) Width() int       { return f.width }
func (f fixed) Fill(x []float32) { copy(x, f.x) }

// TestResponses checks Weights.Responses on hand-built weights: the paper's
// privileged model responds with max(W, 0), so the neuron rule reads the
// same neurons from its responses as from W; a negative hidden bias silences
// the weak weights; SoLU keeps each feature's largest entry.
func TestResponses(t *testing.T) {
	W := [][]float64{{1, 0.5, -0.3}, {0.2, 0.9, 0.8}}
	tests := []struct {
		name string
		w    Weights
		want [][]float64
	}{
		{"privileged", Weights{Kind: Privileged, W: W}, [][]float64{{1, 0.5, 0}, {0.2, 0.9, 0.8}}},
		{"bias -0.4", Weights{Kind: Privileged, W: W, C: []float64{-0.4, -0.4}}, [][]float64{{0.6, 0.1, 0}, {0, 0.5, 0.4}}},
		{"bias +0.1", Weights{Kind: Privileged, W: W, C: []float64{0.1, 0.1}}, [][]float64{{1, 0.5, -0.1}, {0.2, 0.9, 0.8}}},
		{"solu", Weights{Kind: Privileged, W: W, Activation: SoLU}, [][]float64{
			{1 * s2(1, 0.2), 0.5 * s2(0.5, 0.9), -0.3 * s2(-0.3, 0.8)},
			{0.2 * s2(0.2, 1), 0.9 * s2(0.9, 0.5), 0.8 * s2(0.8, -0.3)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.w.Responses()
			for j := range tt.want {
				for i := range tt.want[j] {
					if math.Abs(got[j][i]-tt.want[j][i]) > 1e-12 {
						t.Errorf("Responses()[%d][%d] = %v; want %v", j, i, got[j][i], tt.want[j][i])
					}
				}
			}
		})
	}
	plain := Weights{Kind: Privileged, W: W}
	a, b := interp.Neurons(W, false), interp.Neurons(plain.Responses(), false)
	if a.Monosemantic != b.Monosemantic || a.Polysemantic != b.Polysemantic || a.Dead != b.Dead {
		t.Errorf("neurons of responses %d/%d/%d; of W %d/%d/%d", b.Monosemantic, b.Polysemantic, b.Dead, a.Monosemantic, a.Polysemantic, a.Dead)
	}
}

// s2 is the softmax weight of a in the pair (a, b).
func s2(a, b float64) float64 { return math.Exp(a) / (math.Exp(a) + math.Exp(b)) }

func TestValidateExtensions(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"activation", func(c *Config) { c.Activation = "gelu" }},
		{"l1 negative", func(c *Config) { c.L1 = -1 }},
		{"l1 NaN", func(c *Config) { c.L1 = math.NaN() }},
		{"l1 Inf", func(c *Config) { c.L1 = math.Inf(1) }},
		{"bias init without bias", func(c *Config) { c.HiddenBiasInit = -0.1 }},
		{"bias init Inf", func(c *Config) { c.HiddenBias, c.HiddenBiasInit = BiasFree, math.Inf(-1) }},
		{"bias mode", func(c *Config) { c.HiddenBias = "sometimes" }},
		{"negative bias starting positive", func(c *Config) { c.HiddenBias, c.HiddenBiasInit = BiasNegative, 0.1 }},
		{"solu on relu-output", func(c *Config) { c.Kind, c.Activation = ReLUOutput, SoLU }},
		{"l1 on absval", func(c *Config) { c.Kind, c.L1 = AbsVal, 0.1 }},
	}
	for _, tt := range tests {
		c := Config{Kind: Privileged, Features: 3, Hidden: 2, Importance: []float64{1, 1, 1}}
		tt.edit(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("Validate with bad %s = nil; want an error", tt.name)
		}
	}
}

// TestSweepKeepsLowestObjective: with an L1 term, Result.Loss is the
// reconstruction alone and Result.Objective adds the penalty; the kept
// restart has the lowest objective.
func TestSweepKeepsLowestObjective(t *testing.T) {
	spec := Spec{
		Model: Config{Kind: Privileged, Features: 5, Hidden: 3, Importance: toy.Geometric(5, 0.9), L1: 0.05},
		Data:  toy.Config{Features: 5, Probability: []float64{0.3}},
	}
	cfg := SweepConfig{Train: graph.Config{Steps: 200, Batch: 256, LR: 1e-2}, Restarts: 3, Seed: 2, EvalSamples: 4096}
	res, err := Sweep(context.Background(), []Spec{spec}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if !(r.Objective > r.Loss) {
		t.Errorf("objective %v, loss %v; want objective > loss (the L1 term is positive)", r.Objective, r.Loss)
	}
	if r.RestartLosses[r.Restart] != r.Loss {
		t.Errorf("kept restart %d has loss %v; Result.Loss %v", r.Restart, r.RestartLosses[r.Restart], r.Loss)
	}
}

// TestHiddenBiasModes: after training, a negative hidden bias is at or
// below 0 (and some entry reached the clamp), a fixed one is still its
// start, and a free one moved.
func TestHiddenBiasModes(t *testing.T) {
	for _, mode := range BiasModes {
		t.Run(string(mode), func(t *testing.T) {
			cfg := extended(t, func(c *Config) { c.HiddenBias, c.HiddenBiasInit = mode, -0.1 })
			m, _ := New(cfg)
			p := graph.NewParams(3)
			src, err := toy.NewSource(toy.Config{Features: 5, Probability: []float64{0.3}}, graph.NewRand(4, 0))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := graph.Train(context.Background(), m, graph.FromFeatures(src), p, graph.Config{Steps: 300, Batch: 256, LR: 1e-2}); err != nil {
				t.Fatal(err)
			}
			w, err := WeightsOf(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			zeros, moved := 0, false
			for _, c := range w.C {
				switch mode {
				case BiasNegative:
					if c > 0 {
						t.Errorf("negative hidden bias entry %v > 0", c)
					}
				case BiasFixed:
					if c != -0.1 {
						t.Errorf("fixed hidden bias entry %v; want -0.1", c)
					}
				}
				if c == 0 {
					zeros++
				}
				if math.Abs(c+0.1) > 1e-3 {
					moved = true
				}
			}
			if mode == BiasNegative && zeros == 0 {
				t.Errorf("negative hidden bias %v: no entry at the clamp; the test no longer exercises it", w.C)
			}
			if mode == BiasFree && !moved {
				t.Errorf("free hidden bias %v did not move from -0.1", w.C)
			}
			if mode == BiasFixed && p.Tensor(ParamC) != nil {
				t.Errorf("a fixed hidden bias is a parameter")
			}
		})
	}
}

// TestPassThrough checks PassThrough on hand-built models: a feature on its
// own neuron passes through less the part its negative output bias clips, a
// positive bias does not count, and a dropped feature passes nothing.
func TestPassThrough(t *testing.T) {
	tests := []struct {
		name string
		w    Weights
		want []float64
	}{
		{"privileged", Weights{Kind: Privileged, W: [][]float64{{1, 0, 0}, {0, 1, 0}}, B: []float64{-0.1, 0.3, 0.2}}, []float64{0.9, 1, 0}},
		{"fixed bias", Weights{Kind: Privileged, W: [][]float64{{1, 0, 0}, {0, 0.2, 0}}, B: []float64{0, 0, 0}, C: []float64{-0.3, -0.3}}, []float64{0.7, 0, 0}},
		{"linear", Weights{Kind: Linear, W: [][]float64{{1, -1, 0}}, B: []float64{0, 0, 0}}, []float64{1, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.w.PassThrough()
			for i := range tt.want {
				if math.Abs(got[i]-tt.want[i]) > 1e-12 {
					t.Errorf("PassThrough()[%d] = %v; want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
