package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Node is a node of a Gorgonia expression graph.
type Node = G.Node

// Builder builds one Gorgonia expression graph over a [Params] store. Its
// methods never return errors: the first error is kept, every later call
// returns nil, and the caller checks [Builder.Err] once at the end, so model
// code reads like its equation.
//
// Shapes: matrices are row-major [rows, cols]; "row" vectors such as a bias
// [n] broadcast over the batch axis.
type Builder struct {
	g      *G.ExprGraph
	params *Params
	nodes  map[string]*Node
	order  []string
	err    error
	consts int
	// fixed marks the nodes that depend on no parameter (inputs, constants
	// and what is computed from them only): their gradients are never
	// needed, so this package's ops skip them. Nodes the builder did not
	// make are assumed to need gradients.
	fixed map[*Node]bool
	// watched are the nodes whose values a program keeps after each run.
	watched []watch
	hooks   HookPoints // nil: Hook is the identity
}

type watch struct {
	name string
	node *Node
	code *Code // when watched with WatchCode: node is its values
}

// Watch asks the program compiled from this graph to keep the value of n
// after every run, under name: [Trainer.Watched] returns it (an SAE counts
// how often its latents fire this way). Watching a name twice keeps the
// last node.
func (b *Builder) Watch(name string, n *Node) {
	if !b.ok("watch "+name, n) {
		return
	}
	b.watched = append(b.watched, watch{name: name, node: n})
}

// NewBuilder returns a Builder for a new graph whose parameters come from (and
// are created in) params.
func NewBuilder(params *Params) *Builder {
	return &Builder{g: G.NewGraph(), params: params, nodes: map[string]*Node{}, fixed: map[*Node]bool{}}
}

// Err returns the first error met while building, or nil.
func (b *Builder) Err() error { return b.err }

// Graph returns the underlying Gorgonia graph.
func (b *Builder) Graph() *G.ExprGraph { return b.g }

// Dtype is the element type of the graph.
func (b *Builder) Dtype() tensor.Dtype { return b.params.dtype }

// ParamNodes returns the nodes of the parameters used by this graph, in the
// order they were first used, with their names.
func (b *Builder) ParamNodes() (names []string, nodes []*Node) {
	for _, n := range b.order {
		names = append(names, n)
		nodes = append(nodes, b.nodes[n])
	}
	return names, nodes
}

// Fail records err, prefixed with op, as the builder's error if it is the
// first, and returns nil: the way a model reports a bad shape or setting
// while it builds. Every later call then does nothing.
func (b *Builder) Fail(op string, err error) *Node { return b.fail(op, err) }

// Hooked reports whether the graph is compiled with hook points
// ([NewRunner]), so that [Builder.Hook] makes nodes.
func (b *Builder) Hooked() bool { return b.hooks != nil }

// fail records err (wrapped with op) if it is the first error.
func (b *Builder) fail(op string, err error) *Node {
	if b.err == nil {
		b.err = fmt.Errorf("graph: %s: %w", op, err)
	}
	return nil
}

// ok reports whether building can continue: no error so far and no nil input.
func (b *Builder) ok(op string, in ...*Node) bool {
	if b.err != nil {
		return false
	}
	for i, n := range in {
		if n == nil {
			b.fail(op, fmt.Errorf("input %d is nil", i))
			return false
		}
	}
	return true
}

// wrap returns n, the result of op over in, or records err. n is fixed (needs
// no gradient) if every one of in is.
func (b *Builder) wrap(op string, n *Node, err error, in ...*Node) *Node {
	if err != nil {
		return b.fail(op, err)
	}
	fixed := len(in) > 0
	for _, c := range in {
		fixed = fixed && b.fixed[c]
	}
	if fixed {
		b.fixed[n] = true
	}
	return n
}

// apply adds one of this package's ops over in, telling it which inputs need
// gradients.
func (b *Builder) apply(name string, op *kernelOp, in ...*Node) *Node {
	if !b.ok(name, in...) {
		return nil
	}
	for i, c := range in {
		op.diffs[i] = op.diffs[i] && !b.fixed[c]
	}
	n, err := apply(op, in...)
	return b.wrap(name, n, err, in...)
}

// Param returns the node of the named trainable parameter, creating it in the
// store with init if it does not exist yet. Asking twice for the same name in
// one graph returns the same node.
func (b *Builder) Param(name string, init Init, shape ...int) *Node {
	if b.err != nil {
		return nil
	}
	if n, ok := b.nodes[name]; ok {
		return n
	}
	t, err := b.params.param(name, init, shape)
	if err != nil {
		return b.fail("param", err)
	}
	n := G.NodeFromAny(b.g, t, G.WithName(name))
	b.nodes[name] = n
	b.order = append(b.order, name)
	return n
}

// Input returns a matrix input node [rows, cols] bound to a fresh tensor; the
// caller writes new values into the tensor's backing slice in place.
func (b *Builder) Input(name string, rows, cols int) (*Node, *tensor.Dense) {
	if b.err != nil {
		return nil, nil
	}
	t := tensor.New(tensor.Of(b.Dtype()), tensor.WithShape(rows, cols))
	n := G.NewMatrix(b.g, b.Dtype(), G.WithShape(rows, cols), G.WithName(name), G.WithValue(t))
	b.fixed[n] = true
	return n, t
}

// Const returns a constant node with the given values and shape (a vector of
// len(vals) when shape is omitted).
func (b *Builder) Const(vals []float64, shape ...int) *Node {
	if b.err != nil {
		return nil
	}
	if len(shape) == 0 {
		shape = []int{len(vals)}
	}
	t := tensor.New(tensor.Of(b.Dtype()), tensor.WithShape(shape...))
	switch d := backing(t).(type) {
	case []float32:
		for i, v := range vals {
			d[i] = float32(v)
		}
	case []float64:
		copy(d, vals)
	}
	b.consts++
	n := G.NodeFromAny(b.g, t, G.WithName(fmt.Sprintf("const%d", b.consts)))
	b.fixed[n] = true
	return n
}

// Scalar returns a scalar constant of the graph's dtype.
func (b *Builder) Scalar(v float64) *Node {
	if b.err != nil {
		return nil
	}
	var n *Node
	if b.Dtype() == tensor.Float32 {
		n = G.NewConstant(float32(v))
	} else {
		n = G.NewConstant(v)
	}
	b.fixed[n] = true
	return n
}

// Apply adds a custom Gorgonia op over the inputs.
func (b *Builder) Apply(op G.Op, in ...*Node) *Node {
	if !b.ok(op.String(), in...) {
		return nil
	}
	n, err := G.ApplyOp(op, in...)
	return b.wrap(op.String(), n, err, in...)
}
