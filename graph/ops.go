package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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

func (o *kernelOp) Arity() int                { return o.arity }
func (o *kernelOp) Type() hm.Type             { return o.typ }
func (o *kernelOp) ReturnsPtr() bool          { return false }
func (o *kernelOp) CallsExtern() bool         { return false }
func (o *kernelOp) OverwritesInput() int      { return -1 }
func (o *kernelOp) WriteHash(h hash.Hash)     { fmt.Fprint(h, o.name) }
func (o *kernelOp) String() string            { return o.name }
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

// matMulOp returns C = op(A)·op(B) with op the transpose when ta (tb) is set.
func matMulOp(ta, tb bool) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("MatMul{ta=%v,tb=%v}", ta, tb),
		arity: 2,
		typ:   hm.NewFnType(matType, matType, matType),
		diffs: []bool{true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		a, b := in[0], in[1]
		if len(a) != 2 || len(b) != 2 {
			return nil, fmt.Errorf("%s: shapes %v, %v: want matrices", o.name, a, b)
		}
		ar, ac, br, bc := a[0], a[1], b[0], b[1]
		if ta {
			ar, ac = ac, ar
		}
		if tb {
			br, bc = bc, br
		}
		if ac != br {
			return nil, fmt.Errorf("%s: shapes %v, %v do not chain", o.name, a, b)
		}
		return tensor.Shape{ar, bc}, nil
	}
	scratch := &kernels.Arena{}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		a, b := in[0], in[1]
		if a.Dtype() == tensor.Float32 {
			kernels.MatMul(out.Float32s(), a.Float32s(), b.Float32s(), a.Shape(), b.Shape(), ta, tb, scratch)
		} else {
			kernels.MatMul(out.Float64s(), a.Float64s(), b.Float64s(), a.Shape(), b.Shape(), ta, tb, nil)
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		A, B := in[0], in[1]
		// C = op(A)·op(B); d op(A) = g·op(B)ᵀ, d op(B) = op(A)ᵀ·g, each
		// written without materialising a transpose.
		type term struct {
			x, y   *G.Node
			tx, ty bool
		}
		var tA, tB term
		switch {
		case !ta && !tb:
			tA, tB = term{g, B, false, true}, term{A, g, true, false}
		case !ta && tb:
			tA, tB = term{g, B, false, false}, term{g, A, true, false}
		case ta && !tb:
			tA, tB = term{B, g, false, true}, term{A, g, false, false}
		default:
			tA, tB = term{B, g, true, true}, term{g, A, true, true}
		}
		out := make(G.Nodes, 2)
		for i, t := range []term{tA, tB} {
			if !o.diffs[i] {
				continue
			}
			n, err := apply(matMulOp(t.tx, t.ty), t.x, t.y)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return o
}

// biasActOp returns act(A + v) with the vector v [n] added to every row of A
// [r, n]; act is the identity or ReLU.
func biasActOp(relu bool) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("BiasAct{relu=%v}", relu),
		arity: 2,
		typ:   hm.NewFnType(matType, vecType, matType),
		diffs: []bool{true, true},
	}
	o.shape = wantMatrixVector(o.name)
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			kernels.BiasAct(out.Float32s(), in[0].Float32s(), in[1].Float32s(), relu)
		} else {
			kernels.BiasAct(out.Float64s(), in[0].Float64s(), in[1].Float64s(), relu)
		}
		return nil
	}
	o.diff = biasActDiff(o, relu, func(G.Nodes) *kernelOp { return colSumOp(false) })
	return o
}

// biasActDiff is the diff of a row-broadcast op over (A, v) — bias +
// activation, or A − v: the upstream gradient through the ReLU (when relu)
// in A, and its sums by sum(in) (negated for A − v) in v.
func biasActDiff(o *kernelOp, relu bool, sum func(in G.Nodes) *kernelOp) func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return func(in G.Nodes, out, g *G.Node) (G.Nodes, error) {
		dA := g
		if relu {
			var err error
			if dA, err = apply(reluGradOp(), out, g); err != nil {
				return nil, err
			}
		}
		grads := G.Nodes{nil, nil}
		if o.diffs[0] {
			grads[0] = dA
		}
		if o.diffs[1] {
			dv, err := apply(sum(in), dA)
			if err != nil {
				return nil, err
			}
			grads[1] = dv
		}
		return grads, nil
	}
}

// reluOp returns max(A, 0) elementwise for a matrix A.
func reluOp() *kernelOp {
	o := &kernelOp{
		name:  "ReLU",
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("ReLU: shape %v: want a matrix", in[0])
		}
		return in[0].Clone(), nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			kernels.ReLU(out.Float32s(), in[0].Float32s())
		} else {
			kernels.ReLU(out.Float64s(), in[0].Float64s())
		}
		return nil
	}
	o.diff = func(_ G.Nodes, out, g *G.Node) (G.Nodes, error) {
		d, err := apply(reluGradOp(), out, g)
		return G.Nodes{d}, err
	}
	return o
}

// absOp returns |A| elementwise for a matrix A; its gradient is sign(A)·g
// (0 at 0).
func absOp() *kernelOp {
	o := &kernelOp{
		name:  "Abs",
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("Abs: shape %v: want a matrix", in[0])
		}
		return in[0].Clone(), nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			kernels.AbsSign(out.Float32s(), in[0].Float32s(), nil)
		} else {
			kernels.AbsSign(out.Float64s(), in[0].Float64s(), nil)
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grad := &kernelOp{
			name: "AbsGrad", arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{false, false},
			shape: func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil },
			run: func(out *tensor.Dense, in []*tensor.Dense) error {
				if out.Dtype() == tensor.Float32 {
					kernels.AbsSign(out.Float32s(), in[0].Float32s(), in[1].Float32s())
				} else {
					kernels.AbsSign(out.Float64s(), in[0].Float64s(), in[1].Float64s())
				}
				return nil
			},
			diff: func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
				return nil, fmt.Errorf("AbsGrad: second derivatives are not supported")
			},
		}
		d, err := apply(grad, in[0], g)
		return G.Nodes{d}, err
	}
	return o
}

// reluGradOp returns g ⊙ [out > 0] for the output out of a ReLU.
func reluGradOp() *kernelOp {
	o := &kernelOp{
		name:  "ReLUGrad",
		arity: 2,
		typ:   hm.NewFnType(matType, matType, matType),
		diffs: []bool{false, false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		if dst.Dtype() == tensor.Float32 {
			kernels.ReLUGrad(dst.Float32s(), in[0].Float32s(), in[1].Float32s())
		} else {
			kernels.ReLUGrad(dst.Float64s(), in[0].Float64s(), in[1].Float64s())
		}
		return nil
	}
	o.diff = func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
		return nil, fmt.Errorf("ReLUGrad: second derivatives are not supported")
	}
	return o
}

// colSumOp returns the column sums [n] of A [r, n], or minus them.
func colSumOp(negate bool) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("ColSum{negate=%v}", negate),
		arity: 1,
		typ:   hm.NewFnType(matType, vecType),
		diffs: []bool{false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("ColSum: shape %v: want a matrix", in[0])
		}
		return tensor.Shape{in[0][1]}, nil
	}
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		n := in[0].Shape()[1]
		if dst.Dtype() == tensor.Float32 {
			kernels.ColSum(dst.Float32s(), in[0].Float32s(), n, negate)
		} else {
			kernels.ColSum(dst.Float64s(), in[0].Float64s(), n, negate)
		}
		return nil
	}
	o.diff = noSecondOrder(o.name)
	return o
}

// weightedSqErrOp returns the scalar (1/r)·Σ_{b,i} wᵢ (Xᵦᵢ − Yᵦᵢ)² for X, Y
// [r, n] and w [n]: the importance-weighted squared error averaged over the
// batch. It is differentiable in X and Y.
func weightedSqErrOp() *kernelOp {
	o := &kernelOp{
		name:   "WeightedSqErr",
		arity:  3,
		typ:    hm.NewFnType(matType, matType, vecType, tvar),
		scalar: true,
		diffs:  []bool{true, true, false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || !in[0].Eq(in[1]) || len(in[2]) != 1 || in[2][0] != in[0][1] {
			return nil, fmt.Errorf("WeightedSqErr: shapes %v, %v, %v: want [r, n], [r, n], [n]", in[0], in[1], in[2])
		}
		return tensor.ScalarShape(), nil
	}
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		if dst.Dtype() == tensor.Float32 {
			dst.Float32s()[0] = float32(kernels.WeightedSqErr(in[0].Float32s(), in[1].Float32s(), in[2].Float32s()))
		} else {
			dst.Float64s()[0] = kernels.WeightedSqErr(in[0].Float64s(), in[1].Float64s(), in[2].Float64s())
		}
		return nil
	}
	o.diff = sqErrDiff(o, weightedSqErrGradOp)
	return o
}

// sqErrDiff is the diff of a squared-error op over (X, Y, w): grad(+1) in
// X and grad(−1) in Y, each given X, Y, w and the upstream gradient.
func sqErrDiff(o *kernelOp, grad func(sign float64) *kernelOp) func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil, nil}
		for i, sign := range []float64{1, -1} {
			if !o.diffs[i] {
				continue
			}
			d, err := apply(grad(sign), in[0], in[1], in[2], g)
			if err != nil {
				return nil, err
			}
			grads[i] = d
		}
		return grads, nil
	}
}

// weightedSqErrGradOp returns sign·(2g/r)·w ⊙ (X − Y): the gradient of
// WeightedSqErr in X (sign +1) or Y (sign −1) for upstream gradient g.
func weightedSqErrGradOp(sign float64) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("WeightedSqErrGrad{%+g}", sign),
		arity: 4,
		typ:   hm.NewFnType(matType, matType, vecType, tvar, matType),
		diffs: []bool{false, false, false, false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		r := float64(in[0].Shape()[0])
		if dst.Dtype() == tensor.Float32 {
			s := sign * 2 * float64(in[3].Float32s()[0]) / r
			kernels.WeightedSqErrGrad(dst.Float32s(), in[0].Float32s(), in[1].Float32s(), in[2].Float32s(), float32(s))
		} else {
			s := sign * 2 * in[3].Float64s()[0] / r
			kernels.WeightedSqErrGrad(dst.Float64s(), in[0].Float64s(), in[1].Float64s(), in[2].Float64s(), s)
		}
		return nil
	}
	o.diff = func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
		return nil, fmt.Errorf("WeightedSqErrGrad: second derivatives are not supported")
	}
	return o
}

// subRowOp returns A − v with the vector v [n] subtracted from every row of
// A [r, n].
func subRowOp() *kernelOp {
	o := &kernelOp{
		name:  "SubRow",
		arity: 2,
		typ:   hm.NewFnType(matType, vecType, matType),
		diffs: []bool{true, true},
	}
	o.shape = wantMatrixVector(o.name)
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			kernels.SubRow(out.Float32s(), in[0].Float32s(), in[1].Float32s())
		} else {
			kernels.SubRow(out.Float64s(), in[0].Float64s(), in[1].Float64s())
		}
		return nil
	}
	o.diff = biasActDiff(o, false, func(G.Nodes) *kernelOp { return colSumOp(true) })
	return o
}

// tiedProductOp returns (X·Wᵀ)·W for X [r, n] and W [m, n]: the tied
// encode–decode of the toy models in one op, so that W's gradient comes out
// of one op (Gorgonia would otherwise sum two contributions with an
// allocating Add every step). The forward pass keeps H = X·Wᵀ for the
// gradient op, which runs after it on the same tape.
//
// With blocks = K > 1 it is K independent products in one op: X [K·r, n]
// and W [K·m, n] hold K row blocks, and block k of the output is
// (Xₖ·Wₖᵀ)·Wₖ, computed exactly as the one-block op would.
func tiedProductOp(blocks int) *kernelOp {
	name := "TiedProduct"
	if blocks > 1 {
		name = fmt.Sprintf("TiedProduct{blocks=%d}", blocks)
	}
	o := &kernelOp{
		name:  name,
		arity: 2,
		typ:   hm.NewFnType(matType, matType, matType),
		diffs: []bool{true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || len(in[1]) != 2 || in[0][1] != in[1][1] {
			return nil, fmt.Errorf("%s: shapes %v, %v: want [r, n] and [m, n]", o.name, in[0], in[1])
		}
		if in[0][0]%blocks != 0 || in[1][0]%blocks != 0 {
			return nil, fmt.Errorf("%s: shapes %v, %v: rows must split into %d blocks", o.name, in[0], in[1], blocks)
		}
		return in[0].Clone(), nil
	}
	var h *tensor.Dense // X·Wᵀ of the last forward run, [K·r, m]
	scratch := &kernels.Arena{}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		x, w := in[0], in[1]
		r, m := x.Shape()[0]/blocks, w.Shape()[0]/blocks
		if h == nil || h.Dtype() != x.Dtype() || !h.Shape().Eq(tensor.Shape{blocks * r, m}) {
			h = tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(blocks*r, m))
		}
		if x.Dtype() == tensor.Float32 {
			tiedForward(out.Float32s(), h.Float32s(), x.Float32s(), w.Float32s(), blocks, x.Shape()[1], r, m, scratch)
		} else {
			tiedForward(out.Float64s(), h.Float64s(), x.Float64s(), w.Float64s(), blocks, x.Shape()[1], r, m, nil)
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil}
		for i, wrtW := range []bool{false, true} {
			if !o.diffs[i] {
				continue
			}
			d, err := apply(tiedProductGradOp(wrtW, blocks, func() *tensor.Dense { return h }), in[0], in[1], g)
			if err != nil {
				return nil, err
			}
			grads[i] = d
		}
		return grads, nil
	}
	return o
}

// tiedForward writes H = X·Wᵀ and out = H·W block by block.
func tiedForward[T float](out, h, x, w []T, blocks, n, r, m int, scratch *kernels.Arena) {
	xs, ws, hs := tensor.Shape{r, n}, tensor.Shape{m, n}, tensor.Shape{r, m}
	for k := range blocks {
		xk, wk, hk, ok := x[k*r*n:(k+1)*r*n], w[k*m*n:(k+1)*m*n], h[k*r*m:(k+1)*r*m], out[k*r*n:(k+1)*r*n]
		kernels.MatMul(hk, xk, wk, xs, ws, false, true, scratch)
		kernels.MatMul(ok, hk, wk, hs, ws, false, false, scratch)
	}
}

// tiedProductGradOp returns the gradient of TiedProduct in W (wrtW) or in
// X, given X, W and the upstream gradient G; h returns the forward pass's
// X·Wᵀ.
func tiedProductGradOp(wrtW bool, blocks int, h func() *tensor.Dense) *kernelOp {
	name := fmt.Sprintf("TiedProductGrad{W=%v}", wrtW)
	if blocks > 1 {
		name = fmt.Sprintf("TiedProductGrad{W=%v,blocks=%d}", wrtW, blocks)
	}
	o := &kernelOp{
		name:  name,
		arity: 3,
		typ:   hm.NewFnType(matType, matType, matType, matType),
		diffs: []bool{false, false, false},
		diff:  noSecondOrder(name),
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if wrtW {
			return in[1].Clone(), nil
		}
		return in[0].Clone(), nil
	}
	var dh, second *tensor.Dense
	scratch := &kernels.Arena{}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		x, w, g := in[0], in[1], in[2]
		r, m, n := x.Shape()[0]/blocks, w.Shape()[0]/blocks, x.Shape()[1]
		if dh == nil || dh.Dtype() != x.Dtype() || !dh.Shape().Eq(tensor.Shape{r, m}) {
			dh = tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(r, m))
			second = tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(m, n))
		}
		H := h()
		xs, ws := tensor.Shape{r, n}, tensor.Shape{m, n}
		outRows := r
		if wrtW {
			outRows = m
		}
		for k := range blocks {
			xr, wr, hr, or := k*r*n, k*m*n, k*r*m, k*outRows*n
			if x.Dtype() == tensor.Float32 {
				xk, wk, gk := x.Float32s()[xr:xr+r*n], w.Float32s()[wr:wr+m*n], g.Float32s()[xr:xr+r*n]
				tiedGrad(out.Float32s()[or:or+outRows*n], dh.Float32s(), second.Float32s(), H.Float32s()[hr:hr+r*m], xk, wk, gk, xs, ws, wrtW, scratch)
			} else {
				xk, wk, gk := x.Float64s()[xr:xr+r*n], w.Float64s()[wr:wr+m*n], g.Float64s()[xr:xr+r*n]
				tiedGrad(out.Float64s()[or:or+outRows*n], dh.Float64s(), second.Float64s(), H.Float64s()[hr:hr+r*m], xk, wk, gk, xs, ws, wrtW, nil)
			}
		}
		return nil
	}
	return o
}

// tiedGrad writes the gradient of (X·Wᵀ)·W in W or in X into out; dh [r, m]
// and second [m, n] are scratch.
func tiedGrad[T float](out, dh, second, h, x, w, g []T, xs, ws tensor.Shape, wrtW bool, scratch *kernels.Arena) {
	r, m := xs[0], ws[0]
	hs, gs := tensor.Shape{r, m}, xs
	kernels.MatMul(dh, g, w, gs, ws, false, true, scratch) // G·Wᵀ [r, m]
	if !wrtW {
		kernels.MatMul(out, dh, w, hs, ws, false, false, scratch) // (G·Wᵀ)·W
		return
	}
	kernels.MatMul(out, h, g, hs, gs, true, false, scratch)     // Hᵀ·G [m, n]
	kernels.MatMul(second, dh, x, hs, xs, true, false, scratch) // (G·Wᵀ)ᵀ·X
	for i, v := range second {
		out[i] += v
	}
}

// float is the element type of this package's generic kernels.
type float = kernels.Float
