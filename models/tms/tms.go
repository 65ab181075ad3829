package tms

import (
	"fmt"

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
)

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
	return nil
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

// HiddenLayer returns the hidden layer h [batch, m] of x [batch, n].
func (m *Model) HiddenLayer(b *graph.Builder, x *graph.Node) *graph.Node {
	W := b.Param(ParamW, graph.XavierNormal, m.Hidden, m.Features) // [hidden, features]
	h := b.MatMulT(x, W)                                           // [batch, hidden]
	if m.Kind == Privileged || m.Kind == AbsVal {
		h = b.ReLU(h)
	}
	return h
}

// Forward returns the output x′ [batch, n] of x [batch, n].
func (m *Model) Forward(b *graph.Builder, x *graph.Node) *graph.Node {
	W := b.Param(ParamW, graph.XavierNormal, m.Hidden, m.Features) // [hidden, features]
	bias := b.Param(ParamB, graph.Zeros, m.Features)               // [features]
	switch m.Kind {
	case Linear: // WᵀW x in one fused op: one gradient for W
		return b.AddRow(b.TiedProduct(x, W), bias) // [batch, features]
	case ReLUOutput:
		return b.AddRowReLU(b.TiedProduct(x, W), bias)
	}
	h := m.HiddenLayer(b, x) // [batch, hidden]
	switch m.Kind {
	case AbsVal:
		W2 := b.Param(ParamW2, graph.XavierNormal, m.Features, m.Hidden) // [features, hidden]
		return b.AddRowReLU(b.MatMulT(h, W2), bias)                      // [batch, features]
	}
	return b.AddRowReLU(b.MatMul(h, W), bias) // [batch, features]
}

// Target is what the model reconstructs: x, or |x| for AbsVal.
func (m *Model) Target(b *graph.Builder, x *graph.Node) *graph.Node {
	if m.Kind == AbsVal {
		return b.Abs(x)
	}
	return x
}

// Loss is Σᵢ Iᵢ (yᵢ − x′ᵢ)², averaged over the batch, with y the target.
func (m *Model) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	x := in.X()
	return []graph.Term{{Name: "loss", Node: b.WeightedSqErr(m.Target(b, x), m.Forward(b, x), b.Const(m.Importance))}}
}
