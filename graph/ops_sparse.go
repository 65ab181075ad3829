package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the sparse activations of sparse autoencoders: TopK,
// BatchTopK and MaskedTopK, and JumpReLU with its straight-through threshold
// gradient (which L0 shares).

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
		for j, v := range ag {
			if v > t && (mask == nil || mask[j%n]) {
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
