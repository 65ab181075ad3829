package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the elementwise ops: row broadcasts (bias, bias + ReLU,
// row subtraction and scaling), same-shape arithmetic, ReLU, Square, Abs,
// and Detach.

// AddRow returns a + v with the vector v [n] added to every row of a [r, n].
func (b *Builder) AddRow(a, v *Node) *Node {
	return b.apply("add row", biasActOp(false), a, v)
}

// AddRowReLU returns ReLU(a + v) with the vector v [n] added to every row of
// a [r, n], in one fused op.
func (b *Builder) AddRowReLU(a, v *Node) *Node {
	return b.apply("add row relu", biasActOp(true), a, v)
}

// SubRow returns a − v with the vector v [n] subtracted from every row of a
// [r, n] (this package's op: no allocation per run).
func (b *Builder) SubRow(a, v *Node) *Node {
	return b.apply("sub row", subRowOp(), a, v)
}

// MulRow returns a ⊙ v with every row of a [r, n] multiplied elementwise by
// the vector v [n].
func (b *Builder) MulRow(a, v *Node) *Node {
	if !b.ok("mul row", a, v) {
		return nil
	}
	row, err := b.asRow(v)
	if err != nil {
		return b.fail("mul row", err)
	}
	n, err := G.BroadcastHadamardProd(a, row, nil, []byte{0})
	return b.wrap("mul row", n, err, a, v)
}

// asRow reshapes a vector [n] to [1, n] for broadcasting over rows.
func (b *Builder) asRow(v *Node) (*Node, error) {
	if v.Dims() == 2 {
		return v, nil
	}
	return G.Reshape(v, tensor.Shape{1, v.Shape()[0]})
}

// Add returns a + c for same-shaped a and c. Two matrices of the same shape
// and dtype (the residual stream of a transformer, say) go through this
// package's op, which reuses its output buffer and passes the upstream
// gradient to both; anything else (scalar loss terms) through Gorgonia's.
func (b *Builder) Add(a, c *Node) *Node {
	if !b.ok("add", a, c) {
		return nil
	}
	if a.Dims() == 2 && a.Shape().Eq(c.Shape()) && a.Dtype() == c.Dtype() {
		return b.apply("add", addOp(false), a, c)
	}
	n, err := G.Add(a, c)
	return b.wrap("add", n, err, a, c)
}

// addOp returns a + c for same-shaped matrices a and c (a − c when sub);
// its gradient in a is the upstream gradient itself, in c the same or its
// negation.
func addOp(sub bool) *kernelOp {
	name := map[bool]string{false: "Add", true: "Sub"}[sub]
	o := &kernelOp{
		name:  name,
		arity: 2,
		typ:   hm.NewFnType(matType, matType, matType),
		diffs: []bool{true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || !in[0].Eq(in[1]) {
			return nil, fmt.Errorf("%s: shapes %v, %v: want two matrices of one shape", name, in[0], in[1])
		}
		return in[0].Clone(), nil
	}
	o.run = byDtype(addRun[float32](sub), addRun[float64](sub))
	o.diff = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil}
		if o.diffs[0] {
			grads[0] = g
		}
		if o.diffs[1] {
			if !sub {
				grads[1] = g
			} else {
				neg := &kernelOp{
					name: "Neg", arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false},
					shape: sameShape1, diff: noSecondOrder("Neg"),
					run: byDtype(parallelUnary(negate[float32]), parallelUnary(negate[float64])),
				}
				var err error
				if grads[1], err = apply(neg, g); err != nil {
					return nil, err
				}
			}
		}
		return grads, nil
	}
	return o
}

func negate[T float](out, a []T) {
	for i, v := range a {
		out[i] = -v
	}
}

// addRun writes a + c or a − c (inputs 0, 1), blocks of rows in parallel.
func addRun[T float](sub bool) runFunc {
	var (
		rc        rowCrew
		out, a, c []T
	)
	body := func(_, lo, hi int) {
		d := len(out) / rc.rows
		o, x, y := out[lo*d:hi*d], a[lo*d:hi*d], c[lo*d:hi*d]
		if sub {
			for i := range o {
				o[i] = x[i] - y[i]
			}
			return
		}
		for i := range o {
			o[i] = x[i] + y[i]
		}
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, a, c = data[T](dst), data[T](in[0]), data[T](in[1])
		rc.run(in[0].Shape()[0], len(out), body)
		out, a, c = nil, nil, nil
		return nil
	}
}

// Sub returns a − c for same-shaped a and c (this package's op for
// matrices: no allocation per run).
func (b *Builder) Sub(a, c *Node) *Node {
	if !b.ok("sub", a, c) {
		return nil
	}
	if a.Dims() == 2 && a.Shape().Eq(c.Shape()) && a.Dtype() == c.Dtype() {
		return b.apply("sub", addOp(true), a, c)
	}
	n, err := G.Sub(a, c)
	return b.wrap("sub", n, err, a, c)
}

// Mul returns the elementwise product a ⊙ c for same-shaped a and c.
func (b *Builder) Mul(a, c *Node) *Node {
	if !b.ok("mul", a, c) {
		return nil
	}
	n, err := G.HadamardProd(a, c)
	return b.wrap("mul", n, err, a, c)
}

// Scale returns s·a for a constant s (for a matrix, this package's op, which
// allocates nothing per run; the product is the same to the bit).
func (b *Builder) Scale(a *Node, s float64) *Node {
	if !b.ok("scale", a) {
		return nil
	}
	if a.Dims() == 2 {
		return b.apply("scale", scaleOp(s), a)
	}
	n, err := G.HadamardProd(a, b.Scalar(s))
	return b.wrap("scale", n, err, a)
}

// scaleOp returns s·a for a matrix a; its gradient is s·g.
func scaleOp(s float64) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("Scale(%v)", s),
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("Scale: shape %v: want a matrix", in[0])
		}
		return in[0].Clone(), nil
	}
	o.run = byDtype(parallelUnary(scaleBy(float32(s))), parallelUnary(scaleBy(s)))
	o.diff = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		d, err := apply(scaleOp(s), g)
		return G.Nodes{d}, err
	}
	return o
}

// scaleBy returns the kernel out = s·a.
func scaleBy[T float](s T) func(out, a []T) {
	return func(out, a []T) {
		out = out[:len(a)]
		for i, x := range a {
			out[i] = x * s
		}
	}
}

// ReLU returns max(a, 0) elementwise for a matrix a (this package's op:
// branch-free, no allocation per run).
func (b *Builder) ReLU(a *Node) *Node { return b.apply("relu", reluOp(), a) }

// Square returns a² elementwise.
func (b *Builder) Square(a *Node) *Node {
	if !b.ok("square", a) {
		return nil
	}
	n, err := G.Square(a)
	return b.wrap("square", n, err, a)
}

// Abs returns |a| elementwise for a matrix a.
func (b *Builder) Abs(a *Node) *Node { return b.apply("abs", absOp(), a) }

// Detach returns a copy of a through which no gradient flows (the residual
// that AuxK reconstructs, say).
func (b *Builder) Detach(a *Node) *Node {
	o := &kernelOp{
		name: "Detach", arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false},
		shape: wantMatrix("Detach"),
		diff:  func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) { return G.Nodes{nil}, nil },
		run:   byDtype(detachRun[float32], detachRun[float64]),
	}
	n := b.apply("detach", o, a)
	if n != nil {
		b.fixed[n] = true
	}
	return n
}

func detachRun[T float](out *tensor.Dense, in []*tensor.Dense) error {
	copy(data[T](out), data[T](in[0]))
	return nil
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
	o.run = byDtype(biasActRun[float32](relu), biasActRun[float64](relu))
	o.diff = biasActDiff(o, relu, func(G.Nodes) *kernelOp { return colSumOp(false) })
	return o
}

// biasActRun writes act(A + v) for A and v (inputs 0, 1), blocks of rows in
// parallel for large A.
func biasActRun[T float](relu bool) runFunc {
	var (
		rc        = rowCrew{minSize: elemParallelMin}
		out, a, v []T
	)
	body := func(_, lo, hi int) {
		n := len(v)
		kernels.BiasAct(out[lo*n:hi*n], a[lo*n:hi*n], v, relu)
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, a, v = data[T](dst), data[T](in[0]), data[T](in[1])
		rc.run(len(a)/len(v), len(a), body)
		out, a, v = nil, nil, nil
		return nil
	}
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
	o.run = byDtype(binaryRun(kernels.SubRow[float32]), binaryRun(kernels.SubRow[float64]))
	o.diff = biasActDiff(o, false, func(G.Nodes) *kernelOp { return colSumOp(true) })
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
	o.run = byDtype(colSumRun[float32](negate), colSumRun[float64](negate))
	o.diff = noSecondOrder(o.name)
	return o
}

func colSumRun[T float](negate bool) runFunc {
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		kernels.ColSum(data[T](dst), data[T](in[0]), in[0].Shape()[1], negate)
		return nil
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
	o.run = byDtype(parallelUnary(kernels.ReLU[float32]), parallelUnary(kernels.ReLU[float64]))
	o.diff = func(_ G.Nodes, out, g *G.Node) (G.Nodes, error) {
		d, err := apply(reluGradOp(), out, g)
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
	o.run = byDtype(parallelBinary(kernels.ReLUGrad[float32]), parallelBinary(kernels.ReLUGrad[float64]))
	o.diff = func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
		return nil, fmt.Errorf("ReLUGrad: second derivatives are not supported")
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
	o.run = byDtype(unaryRun(absRun[float32]), unaryRun(absRun[float64]))
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grad := &kernelOp{
			name: "AbsGrad", arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{false, false},
			shape: func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil },
			run:   byDtype(binaryRun(kernels.AbsSign[float32]), binaryRun(kernels.AbsSign[float64])),
			diff: func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
				return nil, fmt.Errorf("AbsGrad: second derivatives are not supported")
			},
		}
		d, err := apply(grad, in[0], g)
		return G.Nodes{d}, err
	}
	return o
}

// absRun writes |a| into out.
func absRun[T float](out, a []T) { kernels.AbsSign(out, a, nil) }
