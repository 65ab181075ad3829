package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the reductions: sums and means over axes, and row norms.

// Sum returns the sum of a over the given axes (all axes when none are given;
// reduced axes are dropped).
func (b *Builder) Sum(a *Node, axes ...int) *Node {
	if !b.ok("sum", a) {
		return nil
	}
	n, err := G.Sum(a, axes...)
	return b.wrap("sum", n, err, a)
}

// Mean returns the mean of a over the given axes (all axes when none given).
func (b *Builder) Mean(a *Node, axes ...int) *Node {
	if !b.ok("mean", a) {
		return nil
	}
	n, err := G.Mean(a, axes...)
	return b.wrap("mean", n, err, a)
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
