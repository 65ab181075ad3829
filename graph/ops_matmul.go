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
