package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds what every op of this package shares: the kernelOp
// skeleton, the dtype dispatch of its kernels, the shape checks and the
// diff of gradient ops, which have none.

// kernelOp is the skeleton shared by this package's custom Gorgonia ops. Each
// op owns the buffer it writes its output into and reuses it on every run of
// the tape, so a training step allocates nothing for it. Kernels must
// overwrite the whole output. An op instance belongs to one node of one graph,
// which is used by one goroutine.
type kernelOp struct {
	name   string // unique per behaviour: every parameter of the op is in it
	arity  int
	typ    hm.Type
	shape  func(in []tensor.Shape) (tensor.Shape, error)
	scalar bool // the output is a scalar
	run    func(out *tensor.Dense, in []*tensor.Dense) error
	diffs  []bool
	diff   func(in G.Nodes, out, grad *G.Node) (G.Nodes, error)
	buf    *tensor.Dense
}

var (
	_ G.Op   = (*kernelOp)(nil)
	_ G.SDOp = (*kernelOp)(nil)
)

func (o *kernelOp) Arity() int { return o.arity }

func (o *kernelOp) Type() hm.Type { return o.typ }

func (o *kernelOp) ReturnsPtr() bool { return false }

func (o *kernelOp) CallsExtern() bool { return false }

func (o *kernelOp) OverwritesInput() int { return -1 }

func (o *kernelOp) WriteHash(h hash.Hash) { fmt.Fprint(h, o.name) }

func (o *kernelOp) String() string { return o.name }

func (o *kernelOp) DiffWRT(inputs int) []bool { return o.diffs }

func (o *kernelOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return o.diff(in, out, grad)
}

func (o *kernelOp) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o *kernelOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("%s: input %d has no shape", o.name, i)
		}
		shapes[i] = s
	}
	return o.shape(shapes)
}

func (o *kernelOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != o.arity {
		return nil, fmt.Errorf("%s: %d inputs; want %d", o.name, len(vals), o.arity)
	}
	in := make([]*tensor.Dense, len(vals))
	shapes := make([]tensor.Shape, len(vals))
	for i, v := range vals {
		t, err := asDense(v)
		if err != nil {
			return nil, fmt.Errorf("%s: input %d: %w", o.name, i, err)
		}
		in[i], shapes[i] = t, t.Shape()
	}
	shape, err := o.shape(shapes)
	if err != nil {
		return nil, err
	}
	dt := in[0].Dtype()
	if o.scalar {
		shape = tensor.Shape{1} // a scalar lives in a 1-element buffer
	}
	if o.buf == nil || o.buf.Dtype() != dt || !o.buf.Shape().Eq(shape) {
		o.buf = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	}
	if err := o.run(o.buf, in); err != nil {
		return nil, fmt.Errorf("%s: %w", o.name, err)
	}
	if o.scalar {
		if dt == tensor.Float32 {
			return G.NewF32(o.buf.Float32s()[0]), nil
		}
		return G.NewF64(o.buf.Float64s()[0]), nil
	}
	return o.buf, nil
}

// asDense unwraps a Value into a dense tensor; scalars become 1-element
// tensors.
func asDense(v G.Value) (*tensor.Dense, error) {
	switch t := v.(type) {
	case *tensor.Dense:
		return t, nil
	case *G.F32:
		return tensor.New(tensor.WithBacking([]float32{float32(*t)}), tensor.WithShape(1)), nil
	case *G.F64:
		return tensor.New(tensor.WithBacking([]float64{float64(*t)}), tensor.WithShape(1)), nil
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

var (
	tvar    = hm.TypeVariable('a')
	matType = G.TensorType{Dims: 2, Of: tvar}
	vecType = G.TensorType{Dims: 1, Of: tvar}
)

// apply adds op to the graph over in.
func apply(op *kernelOp, in ...*G.Node) (*G.Node, error) {
	return G.ApplyOp(op, in...)
}

// float is the element type of this package's generic kernels.
type float = kernels.Float

// opSeq numbers op instances whose behaviour depends on state outside the
// graph (a Coef, a mask): Gorgonia merges nodes with equal op hashes over
// equal inputs, which must never happen to two of them.
var opSeq atomic.Uint64

func uniqueName(format string, args ...any) string {
	return fmt.Sprintf(format, args...) + fmt.Sprintf("#%d", opSeq.Add(1))
}

// noSecondOrder is the diff of gradient ops.
func noSecondOrder(name string) func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
		return nil, fmt.Errorf("%s: second derivatives are not supported", name)
	}
}

func sameShape1(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }

func wantMatrix(name string) func(in []tensor.Shape) (tensor.Shape, error) {
	return func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("%s: shape %v: want a matrix", name, in[0])
		}
		return in[0].Clone(), nil
	}
}

// wantMatrixVector checks a [r, n] and v [n] and returns [r, n].
func wantMatrixVector(name string) func(in []tensor.Shape) (tensor.Shape, error) {
	return func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || len(in[1]) != 1 || in[0][1] != in[1][0] {
			return nil, fmt.Errorf("%s: shapes %v, %v: want [r, n] and [n]", name, in[0], in[1])
		}
		return in[0].Clone(), nil
	}
}

// runFunc is an op's forward computation: it overwrites out from in.
type runFunc = func(out *tensor.Dense, in []*tensor.Dense) error

// byDtype returns the run function of an op whose body is written once, as
// a generic function over the element type, and instantiated for both:
// run32 is body[float32], run64 is body[float64]. The output's dtype picks
// one, so no op repeats the float32-or-float64 branch around its kernel.
func byDtype(run32, run64 runFunc) runFunc {
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			return run32(out, in)
		}
		return run64(out, in)
	}
}

// data returns the backing slice of t as []T, T being t's element type,
// without boxing the slice (which would allocate on every run).
func data[T float](t *tensor.Dense) []T {
	var s []T
	switch p := any(&s).(type) {
	case *[]float32:
		*p = t.Float32s()
	case *[]float64:
		*p = t.Float64s()
	}
	return s
}

// unaryRun is the body of an op whose kernel maps its one input's backing
// slice into the output's.
func unaryRun[T float](k func(out, a []T)) runFunc {
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		k(data[T](out), data[T](in[0]))
		return nil
	}
}

// binaryRun is unaryRun for a kernel of two inputs.
func binaryRun[T float](k func(out, a, b []T)) runFunc {
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		k(data[T](out), data[T](in[0]), data[T](in[1]))
		return nil
	}
}
