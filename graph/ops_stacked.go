package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Stacked ops train K independent instances of a model in one graph, so
// that a sweep of small models pays Gorgonia's per-run and per-op costs
// once per step instead of K times. Instance k owns row block k of every
// stacked input: rows [k·r, (k+1)·r) of a [K·r, n] batch, rows
// [k·m, (k+1)·m) of a [K·m, n] weight, row k of a [K, n] bias. Each op
// computes every block exactly as its one-instance counterpart would, with
// the same kernels in the same order, so a stacked instance trains to the
// same bits as the same instance trained alone (tested).

// StackedTiedProduct is [Builder.TiedProduct] for K instances: x [K·r, n],
// W [K·m, n], block k of the result is (xₖ·Wₖᵀ)·Wₖ.
func (b *Builder) StackedTiedProduct(x, W *Node, k int) *Node {
	if k < 1 {
		return b.fail("stacked tied product", fmt.Errorf("%d instances: want at least 1", k))
	}
	return b.apply("stacked tied product", tiedProductOp(k), x, W)
}

// StackedAddRowReLU is [Builder.AddRowReLU] for K instances: a [K·r, n],
// v [K, n], block k of the result is ReLU(aₖ + vₖ).
func (b *Builder) StackedAddRowReLU(a, v *Node) *Node {
	return b.apply("stacked add row relu", stackedBiasActOp(true), a, v)
}

// StackedAddRow is [Builder.AddRow] for K instances: a [K·r, n], v [K, n].
func (b *Builder) StackedAddRow(a, v *Node) *Node {
	return b.apply("stacked add row", stackedBiasActOp(false), a, v)
}

// StackedWeightedSqErr is [Builder.WeightedSqErr] for K instances: x, y
// [K·r, n] and weights w [K, n] (a constant) give the vector [K] of the
// instances' losses (1/r)·Σ wₖᵢ (xᵢ − yᵢ)² over their own rows. Take
// instance k's loss as a scalar term with [Builder.Pick].
func (b *Builder) StackedWeightedSqErr(x, y, w *Node) *Node {
	return b.apply("stacked weighted squared error", stackedSqErrOp(), x, y, w)
}

// Pick returns element i of the vector v as a scalar node.
func (b *Builder) Pick(v *Node, i int) *Node {
	if !b.ok("pick", v) {
		return nil
	}
	if v.Dims() != 1 || i < 0 || i >= v.Shape()[0] {
		return b.fail("pick", fmt.Errorf("element %d of shape %v: want a vector and an index in range", i, v.Shape()))
	}
	return b.apply("pick", pickOp(i), v)
}

// blockRows returns the rows per block of a [K·r, n] input for a [K, ·]
// per-instance input, or an error.
func blockRows(name string, a, v tensor.Shape) (int, error) {
	if len(a) != 2 || len(v) != 2 || v[0] < 1 || a[0]%v[0] != 0 {
		return 0, fmt.Errorf("%s: shapes %v, %v: want [K·r, n] and [K, ·]", name, a, v)
	}
	return a[0] / v[0], nil
}

// stackedBiasActOp returns act(Aₖ + vₖ) for every block k.
func stackedBiasActOp(relu bool) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("StackedBiasAct{relu=%v}", relu),
		arity: 2,
		typ:   hm.NewFnType(matType, matType, matType),
		diffs: []bool{true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if _, err := blockRows(o.name, in[0], in[1]); err != nil {
			return nil, err
		}
		if in[0][1] != in[1][1] {
			return nil, fmt.Errorf("%s: shapes %v, %v: widths differ", o.name, in[0], in[1])
		}
		return in[0].Clone(), nil
	}
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		k, n := in[1].Shape()[0], in[1].Shape()[1]
		size := in[0].Size() / k
		for i := range k {
			if out.Dtype() == tensor.Float32 {
				kernels.BiasAct(out.Float32s()[i*size:(i+1)*size], in[0].Float32s()[i*size:(i+1)*size], in[1].Float32s()[i*n:(i+1)*n], relu)
			} else {
				kernels.BiasAct(out.Float64s()[i*size:(i+1)*size], in[0].Float64s()[i*size:(i+1)*size], in[1].Float64s()[i*n:(i+1)*n], relu)
			}
		}
		return nil
	}
	o.diff = biasActDiff(o, relu, func(in G.Nodes) *kernelOp { return blockColSumOp(in[1].Shape()[0]) })
	return o
}

// blockColSumOp returns the column sums [K, n] of each of the K row blocks
// of A [K·r, n].
func blockColSumOp(blocks int) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("BlockColSum{blocks=%d}", blocks),
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || in[0][0]%blocks != 0 {
			return nil, fmt.Errorf("%s: shape %v: want a matrix of %d row blocks", o.name, in[0], blocks)
		}
		return tensor.Shape{blocks, in[0][1]}, nil
	}
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		n := in[0].Shape()[1]
		size := in[0].Size() / blocks
		for i := range blocks {
			if dst.Dtype() == tensor.Float32 {
				kernels.ColSum(dst.Float32s()[i*n:(i+1)*n], in[0].Float32s()[i*size:(i+1)*size], n, false)
			} else {
				kernels.ColSum(dst.Float64s()[i*n:(i+1)*n], in[0].Float64s()[i*size:(i+1)*size], n, false)
			}
		}
		return nil
	}
	o.diff = noSecondOrder(o.name)
	return o
}

// stackedSqErrOp returns the vector [K] of per-block weighted squared
// errors of X, Y [K·r, n] with weights w [K, n].
func stackedSqErrOp() *kernelOp {
	o := &kernelOp{
		name:  "StackedWeightedSqErr",
		arity: 3,
		typ:   hm.NewFnType(matType, matType, matType, vecType),
		diffs: []bool{true, true, false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if _, err := blockRows(o.name, in[0], in[2]); err != nil || !in[0].Eq(in[1]) || in[2][1] != in[0][1] {
			return nil, fmt.Errorf("%s: shapes %v, %v, %v: want [K·r, n], [K·r, n], [K, n]", o.name, in[0], in[1], in[2])
		}
		return tensor.Shape{in[2][0]}, nil
	}
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		k, n := in[2].Shape()[0], in[2].Shape()[1]
		size := in[0].Size() / k
		for i := range k {
			a, c := i*size, (i+1)*size
			if dst.Dtype() == tensor.Float32 {
				dst.Float32s()[i] = float32(kernels.WeightedSqErr(in[0].Float32s()[a:c], in[1].Float32s()[a:c], in[2].Float32s()[i*n:(i+1)*n]))
			} else {
				dst.Float64s()[i] = kernels.WeightedSqErr(in[0].Float64s()[a:c], in[1].Float64s()[a:c], in[2].Float64s()[i*n:(i+1)*n])
			}
		}
		return nil
	}
	o.diff = sqErrDiff(o, stackedSqErrGradOp)
	return o
}

// stackedSqErrGradOp returns, block by block, sign·(2gₖ/r)·wₖ ⊙ (Xₖ − Yₖ)
// for the upstream gradient vector g [K].
func stackedSqErrGradOp(sign float64) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("StackedWeightedSqErrGrad{%+g}", sign),
		arity: 4,
		typ:   hm.NewFnType(matType, matType, matType, vecType, matType),
		diffs: []bool{false, false, false, false},
	}
	o.diff = noSecondOrder(o.name)
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		k, n := in[2].Shape()[0], in[2].Shape()[1]
		size := in[0].Size() / k
		r := float64(in[0].Shape()[0] / k)
		for i := range k {
			a, c := i*size, (i+1)*size
			if dst.Dtype() == tensor.Float32 {
				s := sign * 2 * float64(in[3].Float32s()[i]) / r
				kernels.WeightedSqErrGrad(dst.Float32s()[a:c], in[0].Float32s()[a:c], in[1].Float32s()[a:c], in[2].Float32s()[i*n:(i+1)*n], float32(s))
			} else {
				s := sign * 2 * in[3].Float64s()[i] / r
				kernels.WeightedSqErrGrad(dst.Float64s()[a:c], in[0].Float64s()[a:c], in[1].Float64s()[a:c], in[2].Float64s()[i*n:(i+1)*n], s)
			}
		}
		return nil
	}
	return o
}

// pickOp returns element i of a vector as a scalar.
func pickOp(i int) *kernelOp {
	o := &kernelOp{
		name:   fmt.Sprintf("Pick{%d}", i),
		arity:  1,
		typ:    hm.NewFnType(vecType, tvar),
		scalar: true,
		diffs:  []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 1 || i >= in[0][0] {
			return nil, fmt.Errorf("%s: shape %v: want a vector longer than %d", o.name, in[0], i)
		}
		return tensor.ScalarShape(), nil
	}
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		if dst.Dtype() == tensor.Float32 {
			dst.Float32s()[0] = in[0].Float32s()[i]
		} else {
			dst.Float64s()[0] = in[0].Float64s()[i]
		}
		return nil
	}
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		d, err := apply(pickGradOp(i), in[0], g)
		return G.Nodes{d}, err
	}
	return o
}

// pickGradOp returns the vector, shaped as the first input, that is the
// scalar g at element i and zero elsewhere.
func pickGradOp(i int) *kernelOp {
	o := &kernelOp{
		name:  fmt.Sprintf("PickGrad{%d}", i),
		arity: 2,
		typ:   hm.NewFnType(vecType, tvar, vecType),
		diffs: []bool{false, false},
	}
	o.diff = noSecondOrder(o.name)
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
	o.run = func(dst *tensor.Dense, in []*tensor.Dense) error {
		if dst.Dtype() == tensor.Float32 {
			d := dst.Float32s()
			clear(d)
			d[i] = in[1].Float32s()[0]
		} else {
			d := dst.Float64s()
			clear(d)
			d[i] = in[1].Float64s()[0]
		}
		return nil
	}
	return o
}
