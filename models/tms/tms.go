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
)

// Kinds lists every architecture, for flag help and validation.
var Kinds = []Kind{Linear, ReLUOutput}

// Stable names of the model's parameters, as stored in graph.Params.
const (
	ParamW = "W" // [hidden, features]
	ParamB = "b" // [features]
)

// Config describes one toy model.
type Config struct {
	// Kind is the architecture: "linear" or "relu" (ReLU-output).
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

// Forward returns the reconstruction x′ [batch, n] of x [batch, n].
func (m *Model) Forward(b *graph.Builder, x *graph.Node) *graph.Node {
	W := b.Param(ParamW, graph.XavierNormal, m.Hidden, m.Features) // [hidden, features]
	bias := b.Param(ParamB, graph.Zeros, m.Features)               // [features]
	h := b.MatMulT(x, W)                                           // [batch, hidden]
	if m.Kind == ReLUOutput {
		return b.AddRowReLU(b.MatMul(h, W), bias) // [batch, features]
	}
	return b.AddRow(b.MatMul(h, W), bias) // [batch, features]
}

// Loss is Σᵢ Iᵢ (xᵢ − x′ᵢ)², averaged over the batch.
func (m *Model) Loss(b *graph.Builder, x *graph.Node) []graph.Term {
	return []graph.Term{{Name: "loss", Node: b.WeightedSqErr(x, m.Forward(b, x), b.Const(m.Importance))}}
}
