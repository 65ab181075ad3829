package graph

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the loss terms: the importance-weighted squared error of
// the toy models, the L1 and L0 sparsity penalties of sparse autoencoders,
// and coefficients the caller may change between steps.

// WeightedSqErr returns the scalar (1/r)·Σ_{rows, i} wᵢ (xᵢ − yᵢ)² for x, y
// [r, n] and weights w [n] (a constant): the importance-weighted squared
// error summed over features and averaged over the batch, in one fused op.
func (b *Builder) WeightedSqErr(x, y, w *Node) *Node {
	return b.apply("weighted squared error", weightedSqErrOp(), x, y, w)
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

// L1 returns the scalar c·(1/r) Σᵢⱼ |aᵢⱼ| wⱼ for a [r, n] and weights w [n]
// (a constant of ones for a plain L1 penalty, or the decoder norms), with c
// read from coef every run.
func (b *Builder) L1(a, w *Node, coef *Coef) *Node {
	if coef == nil {
		return b.fail("l1", fmt.Errorf("nil coefficient"))
	}
	name := uniqueName("L1")
	o := &kernelOp{
		name: name, arity: 2, typ: hm.NewFnType(matType, vecType, tvar), scalar: true,
		diffs: []bool{true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if _, err := wantMatrixVector(name)(in); err != nil {
			return nil, err
		}
		return tensor.ScalarShape(), nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		c := coef.Value()
		if out.Dtype() == tensor.Float32 {
			out.Float32s()[0] = float32(c * weightedL1(in[0].Float32s(), in[1].Float32s()))
		} else {
			out.Float64s()[0] = c * weightedL1(in[0].Float64s(), in[1].Float64s())
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil}
		for i, wrt := range []bool{true, false} {
			if !o.diffs[i] {
				continue
			}
			gn := fmt.Sprintf("L1Grad{a=%v}", wrt)
			typ, shape := hm.NewFnType(matType, vecType, tvar, matType), sameShape1
			if !wrt {
				typ = hm.NewFnType(matType, vecType, tvar, vecType)
				shape = func(in []tensor.Shape) (tensor.Shape, error) { return in[1].Clone(), nil }
			}
			d := &kernelOp{
				name: uniqueName("%s", gn), arity: 3, typ: typ, shape: shape,
				diffs: []bool{false, false, false}, diff: noSecondOrder(gn),
				run: func(out *tensor.Dense, in []*tensor.Dense) error {
					c := coef.Value()
					if out.Dtype() == tensor.Float32 {
						weightedL1Grad(out.Float32s(), in[0].Float32s(), in[1].Float32s(), c*float64(in[2].Float32s()[0]), wrt)
					} else {
						weightedL1Grad(out.Float64s(), in[0].Float64s(), in[1].Float64s(), c*in[2].Float64s()[0], wrt)
					}
					return nil
				},
			}
			n, err := apply(d, in[0], in[1], g)
			if err != nil {
				return nil, err
			}
			grads[i] = n
		}
		return grads, nil
	}
	return b.apply("l1", o, a, w)
}

func weightedL1[T float](a, w []T) float64 {
	n := len(w)
	var total float64
	for i := 0; i < len(a); i += n {
		var s T
		for j, v := range a[i : i+n] {
			s += max(v, -v) * w[j]
		}
		total += float64(s)
	}
	return total / float64(len(a)/n)
}

// weightedL1Grad writes the gradient of s·weightedL1 in a (wrtA) or in w.
func weightedL1Grad[T float](dst, a, w []T, s float64, wrtA bool) {
	n := len(w)
	scale := T(s / float64(len(a)/n))
	if wrtA {
		for i := 0; i < len(a); i += n {
			signTimes(dst[i:i+n], a[i:i+n], w, scale)
		}
		return
	}
	clear(dst)
	for i := 0; i < len(a); i += n {
		for j, v := range a[i : i+n] {
			dst[j] += max(v, -v)
		}
	}
	for j := range dst {
		dst[j] *= scale
	}
}

// signTimes writes sign(a)·scale·w into dst (0 where a is ±0),
// branch-free: the bits of scale·w get a's sign bit and are kept only where a
// is nonzero.
func signTimes[T float](dst, a, w []T, scale T) {
	switch as := any(a).(type) {
	case []float32:
		d, ws, sc := any(dst).([]float32), any(w).([]float32), any(scale).(float32)
		d, ws = d[:len(as)], ws[:len(as)]
		for j, v := range as {
			vb := math.Float32bits(v)
			z := vb << 1
			keep := uint32(int32(z|-z) >> 31)
			d[j] = math.Float32frombits((math.Float32bits(sc*ws[j]) ^ (vb & (1 << 31))) & keep)
		}
	case []float64:
		d, ws, sc := any(dst).([]float64), any(w).([]float64), any(scale).(float64)
		d, ws = d[:len(as)], ws[:len(as)]
		for j, v := range as {
			vb := math.Float64bits(v)
			z := vb << 1
			keep := uint64(int64(z|-z) >> 63)
			d[j] = math.Float64frombits((math.Float64bits(sc*ws[j]) ^ (vb & (1 << 63))) & keep)
		}
	}
}

// L0 returns the scalar (1/r) Σ H(a − θ) for a [r, n] and θ [n]: the mean
// number of entries above their threshold per row. Its gradient in θ is the
// straight-through estimate −(1/(ε r)) Σ_rows K((aᵢⱼ − θⱼ)/ε); a gets none.
func (b *Builder) L0(a, theta *Node, bandwidth float64) *Node {
	if !(bandwidth > 0) {
		return b.fail("l0", fmt.Errorf("bandwidth %v: must be positive", bandwidth))
	}
	name := fmt.Sprintf("L0{%g}", bandwidth)
	o := &kernelOp{
		name: name, arity: 2, typ: hm.NewFnType(matType, vecType, tvar), scalar: true,
		diffs: []bool{false, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if _, err := wantMatrixVector(name)(in); err != nil {
			return nil, err
		}
		return tensor.ScalarShape(), nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			out.Float32s()[0] = float32(countAbove(in[0].Float32s(), in[1].Float32s()))
		} else {
			out.Float64s()[0] = countAbove(in[0].Float64s(), in[1].Float64s())
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		if !o.diffs[1] {
			return G.Nodes{nil, nil}, nil
		}
		n, err := apply(thresholdGradOp(bandwidth, false), in[0], in[1], g)
		return G.Nodes{nil, n}, err
	}
	return b.apply("l0", o, a, theta)
}

func countAbove[T float](a, theta []T) float64 {
	n := len(theta)
	c := 0
	for i := 0; i < len(a); i += n {
		for j, v := range a[i : i+n] {
			if v > theta[j] {
				c++
			}
		}
	}
	return float64(c) / float64(len(a)/n)
}

// Coef is a loss coefficient the caller may change between steps (an L1
// warmup, say); ops read it every time they run. Safe for concurrent use.
type Coef struct{ bits atomic.Uint64 }

// NewCoef returns a coefficient set to v.
func NewCoef(v float64) *Coef {
	c := &Coef{}
	c.Set(v)
	return c
}

// Set changes the coefficient; the next run of the graph uses it.
func (c *Coef) Set(v float64) { c.bits.Store(math.Float64bits(v)) }

// Value returns the coefficient.
func (c *Coef) Value() float64 { return math.Float64frombits(c.bits.Load()) }

// ScaleBy returns c·a for a scalar a, with c read from coef every run.
func (b *Builder) ScaleBy(a *Node, coef *Coef) *Node {
	if coef == nil {
		return b.fail("scale by", fmt.Errorf("nil coefficient"))
	}
	return b.apply("scale by", scaleByOp(coef), a)
}

func scaleByOp(coef *Coef) *kernelOp {
	o := &kernelOp{
		name: uniqueName("ScaleBy"), arity: 1, typ: hm.NewFnType(tvar, tvar), scalar: true, diffs: []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if in[0].TotalSize() != 1 {
			return nil, fmt.Errorf("ScaleBy: shape %v: want a scalar", in[0])
		}
		return tensor.ScalarShape(), nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		c := coef.Value()
		if out.Dtype() == tensor.Float32 {
			out.Float32s()[0] = float32(c) * in[0].Float32s()[0]
		} else {
			out.Float64s()[0] = c * in[0].Float64s()[0]
		}
		return nil
	}
	o.diff = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		d, err := apply(scaleByOp(coef), g)
		return G.Nodes{d}, err
	}
	return o
}
