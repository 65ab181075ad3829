package tms

import (
	"fmt"
	"slices"

	"github.com/toymodels/superposition/graph"
)

// Stack is K toy models of one tied architecture (linear or ReLU-output)
// and one size, trained side by side in a single graph: a sweep of small
// models then pays Gorgonia's per-run and per-op costs once per step rather
// than once per model. Instance k reads row block k of a [K·batch, n] input
// (from [graph.StackSources]) and owns rows [k·m, (k+1)·m) of W [K·m, n] and
// row k of b [K, n]. Its loss is the term "loss[k]". Every instance trains
// to exactly the bits it would reach alone (tested), so stacking is purely
// a matter of speed.
type Stack struct {
	Kind             Kind
	Features, Hidden int
	importance       []float64 // [K, n], row k for instance k
	instances        int
}

var _ graph.Model = (*Stack)(nil)

// Stackable reports whether models of this kind can be stacked.
func (k Kind) Stackable() bool { return k == Linear || k == ReLUOutput }

// NewStack returns the stack of the models cfgs, which must share a
// stackable kind, features and hidden size (importances may differ).
func NewStack(cfgs []Config) (*Stack, error) {
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("tms: stack: no models")
	}
	c0 := cfgs[0]
	s := &Stack{Kind: c0.Kind, Features: c0.Features, Hidden: c0.Hidden, instances: len(cfgs)}
	for i, c := range cfgs {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("tms: stack: model %d: %w", i, err)
		}
		if !c.Kind.Stackable() {
			return nil, fmt.Errorf("tms: stack: model %d: %q models cannot be stacked (want linear or relu)", i, c.Kind)
		}
		if c.Kind != c0.Kind || c.Features != c0.Features || c.Hidden != c0.Hidden {
			return nil, fmt.Errorf("tms: stack: model %d is %s %d→%d, model 0 %s %d→%d", i, c.Kind, c.Features, c.Hidden, c0.Kind, c0.Features, c0.Hidden)
		}
		s.importance = append(s.importance, c.Importance...)
	}
	return s, nil
}

// Instances is K.
func (s *Stack) Instances() int { return s.instances }

// Loss returns one term per instance, "loss[k]": instance k's Σᵢ Iᵢ(xᵢ − x′ᵢ)²
// averaged over its own rows of x [K·batch, n].
func (s *Stack) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	x := in.X()
	k, n, m := s.instances, s.Features, s.Hidden
	// The parameters come from StackParams; these initialisers only name
	// the shapes.
	W := b.Param(ParamW, graph.Zeros, k*m, n)
	bias := b.Param(ParamB, graph.Zeros, k, n)
	z := b.StackedTiedProduct(x, W, k)
	var y *graph.Node
	if s.Kind == ReLUOutput {
		y = b.StackedAddRowReLU(z, bias)
	} else {
		y = b.StackedAddRow(z, bias)
	}
	losses := b.StackedWeightedSqErr(x, y, b.Const(s.importance, k, n))
	terms := make([]graph.Term, k)
	for i := range terms {
		terms[i] = graph.Term{Name: fmt.Sprintf("loss[%d]", i), Node: b.Pick(losses, i)}
	}
	return terms
}

// InitParams creates the parameters of m in p, drawn exactly as training m
// alone would draw them.
func (m *Model) InitParams(p *graph.Params) error {
	b := graph.NewBuilder(p)
	x, _ := b.Input("x", 1, m.Features)
	m.Forward(b, x)
	return b.Err()
}

// StackParams returns the parameters of a Stack of the models ms from their
// own stores ps (missing parameters are first created in ps as training
// each model alone would create them).
func StackParams(ms []*Model, ps []*graph.Params) (*graph.Params, error) {
	if len(ms) != len(ps) || len(ms) == 0 {
		return nil, fmt.Errorf("tms: stack params: %d models, %d stores", len(ms), len(ps))
	}
	var w, b []float64
	for i, m := range ms {
		if err := m.InitParams(ps[i]); err != nil {
			return nil, fmt.Errorf("tms: stack params: model %d: %w", i, err)
		}
		w = append(w, ps[i].Float64s(ParamW)...)
		b = append(b, ps[i].Float64s(ParamB)...)
	}
	k, m := len(ms), ms[0]
	sp := graph.NewParamsOf(ps[0].Dtype(), 0)
	if err := sp.Set(ParamW, []int{k * m.Hidden, m.Features}, w); err != nil {
		return nil, err
	}
	if err := sp.Set(ParamB, []int{k, m.Features}, b); err != nil {
		return nil, err
	}
	return sp, nil
}

// UnstackParams copies instance k's parameters from the stacked store sp
// into ps[k].
func UnstackParams(sp *graph.Params, ms []*Model, ps []*graph.Params) error {
	w, b := sp.Float64s(ParamW), sp.Float64s(ParamB)
	for i, m := range ms {
		wn, bn := m.Hidden*m.Features, m.Features
		if len(w) < (i+1)*wn || len(b) < (i+1)*bn {
			return fmt.Errorf("tms: unstack params: store too small for model %d", i)
		}
		if err := ps[i].Set(ParamW, []int{m.Hidden, m.Features}, slices.Clone(w[i*wn:(i+1)*wn])); err != nil {
			return err
		}
		if err := ps[i].Set(ParamB, []int{m.Features}, slices.Clone(b[i*bn:(i+1)*bn])); err != nil {
			return err
		}
	}
	return nil
}
