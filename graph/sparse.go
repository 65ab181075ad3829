package graph

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the ops of sparse autoencoders: TopK and BatchTopK
// activations, JumpReLU with its straight-through threshold gradient, the L0
// and L1 sparsity penalties, row norms, and Detach.

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

// TopK returns ReLU(a) with all but the k largest entries of each row set to
// 0 (ties go to the lower column). Its gradient passes through the kept
// positive entries.
func (b *Builder) TopK(a *Node, k int) *Node {
	if k < 1 {
		return b.fail("topk", fmt.Errorf("k %d: must be at least 1", k))
	}
	return b.apply("topk", selectOp(fmt.Sprintf("TopK{%d}", k), k, false, nil), a)
}

// BatchTopK returns ReLU(a) with all but the k·rows largest entries of the
// whole batch a [rows, n] set to 0: k active entries per row on average,
// more in some rows and fewer in others.
func (b *Builder) BatchTopK(a *Node, k int) *Node {
	if k < 1 {
		return b.fail("batch topk", fmt.Errorf("k %d: must be at least 1", k))
	}
	return b.apply("batch topk", selectOp(fmt.Sprintf("BatchTopK{%d}", k), k, true, nil), a)
}

// MaskedTopK is TopK over the columns j with mask[j] set only (the dead
// latents of AuxK); the caller may change mask between runs. With no column
// set the output is 0.
func (b *Builder) MaskedTopK(a *Node, k int, mask []bool) *Node {
	if k < 1 {
		return b.fail("masked topk", fmt.Errorf("k %d: must be at least 1", k))
	}
	return b.apply("masked topk", selectOp(uniqueName("MaskedTopK{%d}", k), k, false, mask), a)
}

func selectOp(name string, k int, batch bool, mask []bool) *kernelOp {
	o := &kernelOp{
		name:  name,
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{true},
		shape: wantMatrix(name),
	}
	var scratch32 []float32
	var scratch64 []float64
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if mask != nil && len(mask) != in[0].Shape()[1] {
			return fmt.Errorf("mask of %d columns for %d", len(mask), in[0].Shape()[1])
		}
		n := in[0].Shape()[1]
		if out.Dtype() == tensor.Float32 {
			scratch32 = topK(out.Float32s(), in[0].Float32s(), n, k, batch, mask, scratch32)
		} else {
			scratch64 = topK(out.Float64s(), in[0].Float64s(), n, k, batch, mask, scratch64)
		}
		return nil
	}
	o.diff = func(_ G.Nodes, out, g *G.Node) (G.Nodes, error) {
		d, err := apply(reluGradOp(), out, g)
		return G.Nodes{d}, err
	}
	return o
}

// topK writes into out the positive entries of a (rows of n) that are among
// the k largest of their row (of the whole matrix, k per row, when batch is
// set), zero elsewhere; columns outside mask (when not nil) never win. It
// returns the scratch buffer for reuse.
func topK[T float](out, a []T, n, k int, batch bool, mask []bool, scratch []T) []T {
	clear(out)
	groups, size, keep := len(a)/n, n, k
	if batch {
		groups, size, keep = 1, len(a), k*(len(a)/n)
	}
	for g := 0; g < groups; g++ {
		ag, og := a[g*size:(g+1)*size], out[g*size:(g+1)*size]
		scratch = scratch[:0]
		for j, v := range ag {
			if v > 0 && (mask == nil || mask[j%n]) {
				scratch = append(scratch, v)
			}
		}
		if len(scratch) <= keep {
			for j, v := range ag {
				if v > 0 && (mask == nil || mask[j%n]) {
					og[j] = v
				}
			}
			continue
		}
		t := kthLargest(scratch, keep)
		above := 0
		for _, v := range ag {
			if v > t {
				above++
			}
		}
		ties := keep - above // entries equal to t that still fit
		for j, v := range ag {
			if v <= 0 || (mask != nil && !mask[j%n]) {
				continue
			}
			if v > t {
				og[j] = v
			} else if v == t && ties > 0 {
				og[j] = v
				ties--
			}
		}
	}
	return scratch
}

// kthLargest returns the k-th largest value of x (1 ≤ k ≤ len(x)),
// reordering x: quickselect with a median-of-three pivot, deterministic.
func kthLargest[T float](x []T, k int) T {
	lo, hi, want := 0, len(x)-1, k-1 // want: index in descending order
	for lo < hi {
		mid := lo + (hi-lo)/2
		// median of three, moved to hi
		if x[mid] > x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] > x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[mid] > x[hi] {
			x[mid], x[hi] = x[hi], x[mid]
		}
		p := x[hi]
		// descending partition: bigger first
		i := lo
		for j := lo; j < hi; j++ {
			if x[j] > p {
				x[i], x[j] = x[j], x[i]
				i++
			}
		}
		x[i], x[hi] = x[hi], x[i]
		switch {
		case want == i:
			return x[i]
		case want < i:
			hi = i - 1
		default:
			lo = i + 1
		}
	}
	return x[lo]
}

// JumpReLU returns a ⊙ H(a − θ) for a [r, n] and thresholds θ [n]: entries
// at or below their column's threshold are 0, the others pass unchanged. Its
// gradient in a is g ⊙ H(a − θ); in θ it is the straight-through estimate of
// Rajamanoharan et al. (2024), −(θⱼ/ε) Σ_rows K((aᵢⱼ − θⱼ)/ε) gᵢⱼ, with K
// the rectangle kernel 1{|u| < ½} and ε the bandwidth.
func (b *Builder) JumpReLU(a, theta *Node, bandwidth float64) *Node {
	if !(bandwidth > 0) {
		return b.fail("jumprelu", fmt.Errorf("bandwidth %v: must be positive", bandwidth))
	}
	name := fmt.Sprintf("JumpReLU{%g}", bandwidth)
	o := &kernelOp{
		name:  name,
		arity: 2,
		typ:   hm.NewFnType(matType, vecType, matType),
		diffs: []bool{true, true},
		shape: wantMatrixVector(name),
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if out.Dtype() == tensor.Float32 {
			jumpReLU(out.Float32s(), in[0].Float32s(), in[1].Float32s(), nil)
		} else {
			jumpReLU(out.Float64s(), in[0].Float64s(), in[1].Float64s(), nil)
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil}
		if o.diffs[0] {
			d := &kernelOp{
				name: "JumpReLUGrad", arity: 3, typ: hm.NewFnType(matType, vecType, matType, matType),
				diffs: []bool{false, false, false}, shape: sameShape1, diff: noSecondOrder("JumpReLUGrad"),
				run: func(out *tensor.Dense, in []*tensor.Dense) error {
					if out.Dtype() == tensor.Float32 {
						jumpReLU(out.Float32s(), in[0].Float32s(), in[1].Float32s(), in[2].Float32s())
					} else {
						jumpReLU(out.Float64s(), in[0].Float64s(), in[1].Float64s(), in[2].Float64s())
					}
					return nil
				},
			}
			n, err := apply(d, in[0], in[1], g)
			if err != nil {
				return nil, err
			}
			grads[0] = n
		}
		if o.diffs[1] {
			n, err := apply(thresholdGradOp(bandwidth, true), in[0], in[1], g)
			if err != nil {
				return nil, err
			}
			grads[1] = n
		}
		return grads, nil
	}
	return b.apply("jumprelu", o, a, theta)
}

// jumpReLU writes a ⊙ H(a − θ) into out, or g ⊙ H(a − θ) when g is not nil.
func jumpReLU[T float](out, a, theta, g []T) {
	n := len(theta)
	for i := 0; i < len(a); i += n {
		ai, oi := a[i:i+n], out[i:i+n]
		src := ai
		if g != nil {
			src = g[i : i+n]
		}
		for j, v := range ai {
			if v > theta[j] {
				oi[j] = src[j]
			} else {
				oi[j] = 0
			}
		}
	}
}

// thresholdGradOp returns the straight-through gradient in θ [n] of
// JumpReLU (scaled, with the factor θⱼ) or of the L0 count (not scaled), for
// pre-activations a [r, n] and upstream gradient g: a matrix for JumpReLU, a
// scalar for L0 (whose rows are averaged).
func thresholdGradOp(eps float64, scaled bool) *kernelOp {
	name := fmt.Sprintf("ThresholdGrad{%g,%v}", eps, scaled)
	gType := hm.Type(matType)
	if !scaled {
		gType = tvar
	}
	var acc []float64 // per-column counts, reused across runs
	return &kernelOp{
		name: name, arity: 3, typ: hm.NewFnType(matType, vecType, gType, vecType),
		diffs: []bool{false, false, false}, diff: noSecondOrder(name),
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return in[1].Clone(), nil },
		run: func(out *tensor.Dense, in []*tensor.Dense) error {
			acc = slices.Grow(acc[:0], out.Size())[:out.Size()]
			clear(acc)
			if out.Dtype() == tensor.Float32 {
				thresholdGrad(out.Float32s(), in[0].Float32s(), in[1].Float32s(), in[2].Float32s(), eps, scaled, acc)
			} else {
				thresholdGrad(out.Float64s(), in[0].Float64s(), in[1].Float64s(), in[2].Float64s(), eps, scaled, acc)
			}
			return nil
		},
	}
}

// thresholdGrad writes the straight-through θ gradient into dst; acc is
// zeroed scratch of len(theta).
func thresholdGrad[T float](dst, a, theta, g []T, eps float64, scaled bool, acc []float64) {
	n := len(theta)
	rows := len(a) / n
	for i := 0; i < len(a); i += n {
		for j, v := range a[i : i+n] {
			if math.Abs(float64(v-theta[j])) < eps/2 {
				if scaled {
					acc[j] += float64(g[i+j])
				} else {
					acc[j]++
				}
			}
		}
	}
	for j := range dst {
		if scaled {
			dst[j] = T(-float64(theta[j]) / eps * acc[j])
		} else {
			dst[j] = T(-float64(g[0]) / (eps * float64(rows)) * acc[j])
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

// RowNorms returns the Euclidean norms [r] of the rows of a [r, n].
func (b *Builder) RowNorms(a *Node) *Node {
	o := &kernelOp{
		name: "RowNorms", arity: 1, typ: hm.NewFnType(matType, vecType), diffs: []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("RowNorms: shape %v: want a matrix", in[0])
		}
		return tensor.Shape{in[0][0]}, nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		n := in[0].Shape()[1]
		if out.Dtype() == tensor.Float32 {
			rowNorms(out.Float32s(), in[0].Float32s(), n)
		} else {
			rowNorms(out.Float64s(), in[0].Float64s(), n)
		}
		return nil
	}
	o.diff = func(in G.Nodes, out, g *G.Node) (G.Nodes, error) {
		d := &kernelOp{
			name: "RowNormsGrad", arity: 3, typ: hm.NewFnType(matType, vecType, vecType, matType),
			diffs: []bool{false, false, false}, shape: sameShape1, diff: noSecondOrder("RowNormsGrad"),
			run: func(dst *tensor.Dense, in []*tensor.Dense) error {
				if dst.Dtype() == tensor.Float32 {
					rowNormsGrad(dst.Float32s(), in[0].Float32s(), in[1].Float32s(), in[2].Float32s())
				} else {
					rowNormsGrad(dst.Float64s(), in[0].Float64s(), in[1].Float64s(), in[2].Float64s())
				}
				return nil
			},
		}
		n, err := apply(d, in[0], out, g)
		return G.Nodes{n}, err
	}
	return b.apply("row norms", o, a)
}

func rowNorms[T float](dst, a []T, n int) {
	for i := range dst {
		var s float64
		for _, v := range a[i*n : (i+1)*n] {
			s += float64(v) * float64(v)
		}
		dst[i] = T(math.Sqrt(s))
	}
}

// rowNormsGrad writes aᵢⱼ/‖aᵢ‖ · gᵢ (0 for a zero row).
func rowNormsGrad[T float](dst, a, norms, g []T) {
	n := len(a) / len(norms)
	for i, nr := range norms {
		s := T(0)
		if nr > 0 {
			s = g[i] / nr
		}
		for j, v := range a[i*n : (i+1)*n] {
			dst[i*n+j] = v * s
		}
	}
}

// Detach returns a copy of a through which no gradient flows (the residual
// that AuxK reconstructs, say).
func (b *Builder) Detach(a *Node) *Node {
	o := &kernelOp{
		name: "Detach", arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false},
		shape: wantMatrix("Detach"),
		diff:  func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) { return G.Nodes{nil}, nil },
		run: func(out *tensor.Dense, in []*tensor.Dense) error {
			if out.Dtype() == tensor.Float32 {
				copy(out.Float32s(), in[0].Float32s())
			} else {
				copy(out.Float64s(), in[0].Float64s())
			}
			return nil
		},
	}
	n := b.apply("detach", o, a)
	if n != nil {
		b.fixed[n] = true
	}
	return n
}

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
