package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the matrix products: MatMul in its three layouts, the
// transpose, and the tied encode–decode (x·Wᵀ)·W of the toy models.

// MatMul returns a·c for matrices a [r, k] and c [k, s]. It is this
// package's own op: no transpose copies, no allocation per run, and zero
// entries of a skipped.
func (b *Builder) MatMul(a, c *Node) *Node { return b.matMul("matmul", a, c, false, false) }

// MatMulT returns a·cᵀ for matrices a [r, k] and c [s, k].
func (b *Builder) MatMulT(a, c *Node) *Node { return b.matMul("matmul T", a, c, false, true) }

// TMatMul returns aᵀ·c for matrices a [k, r] and c [k, s].
func (b *Builder) TMatMul(a, c *Node) *Node { return b.matMul("T matmul", a, c, true, false) }

func (b *Builder) matMul(name string, a, c *Node, ta, tb bool) *Node {
	return b.apply(name, matMulOp(ta, tb), a, c)
}

// TiedProduct returns (x·Wᵀ)·W for x [r, n] and W [m, n] in one op: the
// encode–decode of a tied toy model, with a single gradient for W.
func (b *Builder) TiedProduct(x, W *Node) *Node {
	return b.apply("tied product", tiedProductOp(1), x, W)
}

// T returns the transpose of a matrix (a copy).
func (b *Builder) T(a *Node) *Node {
	if !b.ok("transpose", a) {
		return nil
	}
	n, err := G.Transpose(a)
	return b.wrap("transpose", n, err, a)
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
	o.run = byDtype(matMulRun[float32](ta, tb), matMulRun[float64](ta, tb))
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

// matMulRun is the body of matMulOp's run, with its own scratch.
func matMulRun[T float](ta, tb bool) runFunc {
	scratch := &kernels.Arena{}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		a, b := in[0], in[1]
		kernels.MatMul(data[T](out), data[T](a), data[T](b), a.Shape(), b.Shape(), ta, tb, scratch)
		return nil
	}
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
	forward := byDtype(tiedForward[float32](blocks, &h), tiedForward[float64](blocks, &h))
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		x, w := in[0], in[1]
		r, m := x.Shape()[0]/blocks, w.Shape()[0]/blocks
		if h == nil || h.Dtype() != x.Dtype() || !h.Shape().Eq(tensor.Shape{blocks * r, m}) {
			h = tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(blocks*r, m))
		}
		return forward(out, in)
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

// tiedForward is the body of tiedProductOp's run: it writes H = X·Wᵀ into
// *h and out = H·W, block by block.
func tiedForward[T float](blocks int, h **tensor.Dense) runFunc {
	scratch := &kernels.Arena{}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		n, r, m := in[0].Shape()[1], in[0].Shape()[0]/blocks, in[1].Shape()[0]/blocks
		o, hd, x, w := data[T](out), data[T](*h), data[T](in[0]), data[T](in[1])
		xs, ws, hs := tensor.Shape{r, n}, tensor.Shape{m, n}, tensor.Shape{r, m}
		for k := range blocks {
			xk, wk, hk, ok := x[k*r*n:(k+1)*r*n], w[k*m*n:(k+1)*m*n], hd[k*r*m:(k+1)*r*m], o[k*r*n:(k+1)*r*n]
			kernels.MatMul(hk, xk, wk, xs, ws, false, true, scratch)
			kernels.MatMul(ok, hk, wk, hs, ws, false, false, scratch)
		}
		return nil
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
	var dh, second *tensor.Dense // scratch [r, m] and [m, n]
	backward := byDtype(tiedBackward[float32](wrtW, blocks, h, &dh, &second), tiedBackward[float64](wrtW, blocks, h, &dh, &second))
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		x, w := in[0], in[1]
		r, m, n := x.Shape()[0]/blocks, w.Shape()[0]/blocks, x.Shape()[1]
		if dh == nil || dh.Dtype() != x.Dtype() || !dh.Shape().Eq(tensor.Shape{r, m}) {
			dh = tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(r, m))
			second = tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(m, n))
		}
		return backward(out, in)
	}
	return o
}

// tiedBackward is the body of tiedProductGradOp's run: tiedGrad block by
// block, with the scratch *dh and *second.
func tiedBackward[T float](wrtW bool, blocks int, h func() *tensor.Dense, dh, second **tensor.Dense) runFunc {
	scratch := &kernels.Arena{}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		r, m, n := in[0].Shape()[0]/blocks, in[1].Shape()[0]/blocks, in[0].Shape()[1]
		x, w, g, o, H := data[T](in[0]), data[T](in[1]), data[T](in[2]), data[T](out), data[T](h())
		xs, ws := tensor.Shape{r, n}, tensor.Shape{m, n}
		outRows := r
		if wrtW {
			outRows = m
		}
		for k := range blocks {
			xr, wr, hr, or := k*r*n, k*m*n, k*r*m, k*outRows*n
			xk, wk, gk := x[xr:xr+r*n], w[wr:wr+m*n], g[xr:xr+r*n]
			tiedGrad(o[or:or+outRows*n], data[T](*dh), data[T](*second), H[hr:hr+r*m], xk, wk, gk, xs, ws, wrtW, scratch)
		}
		return nil
	}
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

// MatMul32 computes c = a·b for a [m, k], b [k, n] and c [m, n] (row-major
// float32) with the kernel every float32 MatMul node runs: AVX-512 or
// AVX2+FMA where the CPU has them, Go loops otherwise (and for an a mostly
// of zeros, whose zeros the loops skip). It is exported for benchmarks
// against other BLAS libraries (experiments/bench -workload sgemm).
func MatMul32(c, a, b []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 || len(a) != m*k || len(b) != k*n || len(c) != m*n {
		panic(fmt.Sprintf("graph: MatMul32 of [%d, %d]·[%d, %d] into %d values with %d and %d given", m, k, k, n, len(c), len(a), len(b)))
	}
	kernels.MatMul(c, a, b, []int{m, k}, []int{k, n}, false, false, nil)
}
