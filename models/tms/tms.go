package tms

import (
	"fmt"
	"math"
	"slices"

	"github.com/toymodels/superposition/graph"
)

// Kind names a toy model architecture.
type Kind string

// The toy model architectures.
const (
	// Linear is x′ = WᵀW x + b.
	Linear Kind = "linear"
	// ReLUOutput is x′ = ReLU(WᵀW x + b).
	ReLUOutput Kind = "relu"
	// Privileged is h = ReLU(W x), x′ = ReLU(Wᵀ h + b): a ReLU on the
	// hidden layer makes its basis privileged, so neurons can be read.
	Privileged Kind = "privileged"
	// AbsVal is h = ReLU(W₁ x), y′ = ReLU(W₂ h + b) with untied weights,
	// trained to compute |x| on inputs in [−1, 1]: computation in
	// superposition.
	AbsVal Kind = "absval"
)

// Kinds lists every architecture, for flag help and validation.
var Kinds = []Kind{Linear, ReLUOutput, Privileged, AbsVal}

// Stable names of the model's parameters, as stored in graph.Params.
const (
	ParamW  = "W"  // [hidden, features]; W₁ of AbsVal
	ParamW2 = "W2" // [features, hidden]; AbsVal only
	ParamB  = "b"  // [features]
	// ParamC is the hidden bias c [hidden] of a privileged model with a
	// learned Config.HiddenBias.
	ParamC = "c"
	// ParamLNGain and ParamLNBias are the gain and bias [hidden] of the
	// LayerNorm after SoLU (Activation SoLULN).
	ParamLNGain = "ln_g"
	ParamLNBias = "ln_b"
)

// Activation names the hidden nonlinearity of a privileged-basis model.
type Activation string

// The hidden nonlinearities.
const (
	// ReLU is h = ReLU(W x + c), the paper's privileged basis (the zero
	// Activation means ReLU too).
	ReLU Activation = "relu"
	// SoLU is h = SoLU(W x + c) = (W x + c) ⊙ softmax(W x + c), the Softmax
	// Linear Unit of Elhage et al. (2022), "Softmax Linear Units".
	SoLU Activation = "solu"
	// SoLULN is SoLU followed by a LayerNorm with learned gain and bias, as
	// the SoLU paper's MLPs use it.
	SoLULN Activation = "solu-ln"
)

// BiasMode says how a privileged model's hidden bias trains.
type BiasMode string

// The hidden bias's modes; the zero BiasMode is no hidden bias.
const (
	BiasFree     BiasMode = "free"     // learned
	BiasNegative BiasMode = "negative" // learned, clamped at or below 0
	BiasFixed    BiasMode = "fixed"    // held at its start
)

// BiasModes lists the hidden bias's modes.
var BiasModes = []BiasMode{BiasFree, BiasNegative, BiasFixed}

// Activations lists every hidden nonlinearity.
var Activations = []Activation{ReLU, SoLU, SoLULN}

// LayerNormEps is the ε of the LayerNorm of SoLULN (torch's default).
const LayerNormEps = 1e-5

// Stable names of the places activations are read from.
const (
	// ActHidden is the hidden layer h [batch, hidden]: W x, or ReLU(W x)
	// for the privileged and absolute-value models.
	ActHidden = "tms.hidden"
)

// Config describes one toy model.
type Config struct {
	// Kind is the architecture: "linear", "relu" (ReLU-output),
	// "privileged" or "absval".
	Kind Kind `json:"model"`
	// Features is n (≥ 1).
	Features int `json:"features"`
	// Hidden is m (≥ 1). Hidden ≥ Features is allowed: there is then no
	// pressure towards superposition.
	Hidden int `json:"hidden"`
	// Importance is Iᵢ, one non-negative weight per feature.
	Importance []float64 `json:"importance"`

	// The fields below change the privileged-basis model only (they are
	// errors for the other kinds), towards monosemantic neurons; their zero
	// values give the paper's model, and they are left out of JSON when zero.

	// Activation is the hidden nonlinearity: relu (also ""), solu or
	// solu-ln.
	Activation Activation `json:"activation,omitempty"`
	// HiddenBias adds a bias c [hidden] inside the hidden layer,
	// h = act(W x + c), starting at HiddenBiasInit: "" none, "free" learned,
	// "negative" learned but clamped at or below 0 after every solver step
	// (a free bias may turn positive and make the hidden layer linear on the
	// data), "fixed" held at its start. A negative start puts every neuron
	// below threshold for small inputs, as Jermyn, Schiefer and Hubinger
	// (2022) do.
	HiddenBias     BiasMode `json:"hidden_bias,omitempty"`
	HiddenBiasInit float64  `json:"hidden_bias_init,omitempty"`
	// L1 is λ (≥ 0) of an activation-sparsity penalty λ·Σⱼ|hⱼ|, averaged
	// over the batch, added as the loss term "l1"; 0 means none.
	L1 float64 `json:"l1,omitempty"`
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	switch {
	case !c.Kind.valid():
		return fmt.Errorf("model %q: unknown (want one of %v)", string(c.Kind), Kinds)
	case c.Features < 1:
		return fmt.Errorf("features %d: must be at least 1", c.Features)
	case c.Hidden < 1:
		return fmt.Errorf("hidden %d: must be at least 1", c.Hidden)
	case len(c.Importance) != c.Features:
		return fmt.Errorf("importance: %d values for %d features", len(c.Importance), c.Features)
	}
	for i, v := range c.Importance {
		if !(v >= 0) {
			return fmt.Errorf("importance[%d] = %v: must be non-negative", i, v)
		}
	}
	switch {
	case c.Activation != "" && !slices.Contains(Activations, c.Activation):
		return fmt.Errorf("activation %q: unknown (want one of %v)", string(c.Activation), Activations)
	case !(c.L1 >= 0) || math.IsInf(c.L1, 0):
		return fmt.Errorf("l1 %v: must be a finite number ≥ 0", c.L1)
	case math.IsNaN(c.HiddenBiasInit) || math.IsInf(c.HiddenBiasInit, 0):
		return fmt.Errorf("hidden_bias_init %v: must be finite", c.HiddenBiasInit)
	case c.HiddenBias != "" && !slices.Contains(BiasModes, c.HiddenBias):
		return fmt.Errorf("hidden_bias %q: unknown (want one of %v)", string(c.HiddenBias), BiasModes)
	case c.HiddenBiasInit != 0 && c.HiddenBias == "":
		return fmt.Errorf("hidden_bias_init %v: set without hidden_bias", c.HiddenBiasInit)
	case c.HiddenBias == BiasNegative && c.HiddenBiasInit > 0:
		return fmt.Errorf("hidden_bias_init %v: a negative hidden bias must start at or below 0", c.HiddenBiasInit)
	case c.Kind != Privileged && (c.Activation != "" || c.HiddenBias != "" || c.L1 != 0):
		return fmt.Errorf("model %q: activation, hidden_bias and l1 apply to the privileged model only", string(c.Kind))
	}
	return nil
}

// Plain reports whether c is one of the paper's models, with none of the
// privileged model's extensions (activation, hidden bias, L1).
func (c Config) Plain() bool {
	return (c.Activation == "" || c.Activation == ReLU) && c.HiddenBias == "" && c.L1 == 0
}

func (k Kind) valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Model is a toy model graph. It satisfies graph.Model.
type Model struct {
	Config
}

var _ graph.Model = (*Model)(nil)

// New returns the model of cfg, or an error naming the bad field.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tms: %w", err)
	}
	return &Model{Config: cfg}, nil
}

// Hooks clamps the hidden bias at 0 after every step when it is
// BiasNegative; every other model trains with no hooks.
func (m *Model) Hooks(*graph.Trainer) (graph.Hooks, error) {
	if m.HiddenBias != BiasNegative {
		return graph.Hooks{}, nil
	}
	return graph.Hooks{AfterStep: func(_ int, p *graph.Params) error {
		switch c := p.Tensor(ParamC).Data().(type) {
		case []float32:
			for j := range c {
				c[j] = min(c[j], 0)
			}
		case []float64:
			for j := range c {
				c[j] = min(c[j], 0)
			}
		}
		return nil
	}}, nil
}

var _ graph.HookedModel = (*Model)(nil)

// HiddenLayer returns the hidden layer h [batch, m] of x [batch, n].
func (m *Model) HiddenLayer(b *graph.Builder, x *graph.Node) *graph.Node {
	W := b.Param(ParamW, graph.XavierNormal, m.Hidden, m.Features) // [hidden, features]
	h := b.MatMulT(x, W)                                           // [batch, hidden]
	if m.Kind != Privileged && m.Kind != AbsVal {
		return h
	}
	act := m.Activation
	if act == "" {
		act = ReLU
	}
	if m.HiddenBias != "" {
		var c *graph.Node // [hidden]
		if m.HiddenBias == BiasFixed {
			c = b.Const(m.fixedBias())
		} else {
			c = b.Param(ParamC, graph.Full(m.HiddenBiasInit), m.Hidden)
		}
		if act == ReLU {
			return b.AddRowReLU(h, c)
		}
		h = b.AddRow(h, c)
	}
	switch act {
	case SoLU:
		return b.SoLU(h)
	case SoLULN:
		g := b.Param(ParamLNGain, graph.Full(1), m.Hidden)  // [hidden]
		beta := b.Param(ParamLNBias, graph.Zeros, m.Hidden) // [hidden]
		return b.LayerNorm(b.SoLU(h), g, beta, LayerNormEps)
	}
	return b.ReLU(h)
}

// fixedBias is the hidden bias of a BiasFixed model: its start.
func (m *Model) fixedBias() []float64 {
	c := make([]float64, m.Hidden)
	for j := range c {
		c[j] = m.HiddenBiasInit
	}
	return c
}

// Forward returns the output x′ [batch, n] of x [batch, n].
func (m *Model) Forward(b *graph.Builder, x *graph.Node) *graph.Node {
	_, out := m.forward(b, x)
	return out
}

// forward returns the hidden layer h [batch, m] (nil for the linear and
// ReLU-output models, which never form it) and the output x′ [batch, n].
func (m *Model) forward(b *graph.Builder, x *graph.Node) (h, out *graph.Node) {
	W := b.Param(ParamW, graph.XavierNormal, m.Hidden, m.Features) // [hidden, features]
	bias := b.Param(ParamB, graph.Zeros, m.Features)               // [features]
	switch m.Kind {
	case Linear: // WᵀW x in one fused op: one gradient for W
		return nil, b.AddRow(b.TiedProduct(x, W), bias) // [batch, features]
	case ReLUOutput:
		return nil, b.AddRowReLU(b.TiedProduct(x, W), bias)
	}
	h = m.HiddenLayer(b, x) // [batch, hidden]
	switch m.Kind {
	case AbsVal:
		W2 := b.Param(ParamW2, graph.XavierNormal, m.Features, m.Hidden) // [features, hidden]
		return h, b.AddRowReLU(b.MatMulT(h, W2), bias)                   // [batch, features]
	}
	return h, b.AddRowReLU(b.MatMul(h, W), bias) // [batch, features]
}

// Target is what the model reconstructs: x, or |x| for AbsVal.
func (m *Model) Target(b *graph.Builder, x *graph.Node) *graph.Node {
	if m.Kind == AbsVal {
		return b.Abs(x)
	}
	return x
}

// Loss is Σᵢ Iᵢ (yᵢ − x′ᵢ)², averaged over the batch, with y the target:
// the term "loss". With L1 > 0 a second term "l1" adds λ·Σⱼ|hⱼ|, averaged
// over the batch; "loss" stays the reconstruction alone, which is what a
// sweep reports.
func (m *Model) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	x := in.X()
	y := m.Target(b, x)
	h, out := m.forward(b, x)
	terms := []graph.Term{{Name: "loss", Node: b.WeightedSqErr(y, out, b.Const(m.Importance))}}
	if m.L1 > 0 {
		ones := make([]float64, m.Hidden)
		for j := range ones {
			ones[j] = 1
		}
		terms = append(terms, graph.Term{Name: "l1", Node: b.L1(h, b.Const(ones), graph.NewCoef(m.L1))})
	}
	return terms
}
