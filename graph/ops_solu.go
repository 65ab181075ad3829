package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SoLU returns x ⊙ softmax(x), the softmax taken along each row of x
// [N, d]: the Softmax Linear Unit of Elhage et al. (2022), "Softmax Linear
// Units", Transformer Circuits Thread, whose MLP follows it with a LayerNorm
// (the caller adds it). The softmax subtracts each row's maximum. With
// s = softmax(x) and y = x ⊙ s, the gradient is
// ∂L/∂xⱼ = sⱼ·(gⱼ·(1 + xⱼ) − Σᵢ gᵢ yᵢ), from the s the forward pass keeps.
func (b *Builder) SoLU(x *Node) *Node { return b.apply("solu", soluOp(), x) }

func soluOp() *kernelOp {
	soft := &keptBuf{}
	o := &kernelOp{
		name:  "SoLU",
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || in[0][1] == 0 {
			return nil, fmt.Errorf("SoLU: shape %v: want a matrix [N, d]", in[0])
		}
		return in[0].Clone(), nil
	}
	o.run = byDtype(soluRun[float32](soft), soluRun[float64](soft))
	o.diff = func(in G.Nodes, out, g *G.Node) (G.Nodes, error) {
		grad := &kernelOp{
			name: "SoLUGrad", arity: 3, typ: hm.NewFnType(matType, matType, matType, matType),
			diffs: []bool{false, false, false}, shape: sameShape1, diff: noSecondOrder("SoLUGrad"),
			run: byDtype(soluGradRun[float32](soft), soluGradRun[float64](soft)),
		}
		d, err := apply(grad, in[0], out, g)
		return G.Nodes{d}, err
	}
	return o
}

// soluRun writes x ⊙ softmax(x) row by row, keeping the softmax, blocks of
// rows in parallel.
func soluRun[T float](soft *keptBuf) runFunc {
	var (
		rc      rowCrew
		x, y, s []T
	)
	body := func(_, lo, hi int) {
		d := len(x) / rc.rows
		for i := lo * d; i < hi*d; i += d {
			rowSoftmaxInto(s[i:i+d], x[i:i+d])
		}
		for i := lo * d; i < hi*d; i++ {
			y[i] = x[i] * s[i]
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		x, y = data[T](in[0]), data[T](out)
		s = keepSlice[T](soft, len(x))
		rc.run(in[0].Shape()[0], len(x), body)
		x, y, s = nil, nil, nil
		return nil
	}
}

// soluGradRun writes sⱼ·(gⱼ·(1 + xⱼ) − Σᵢ gᵢ yᵢ) row by row for x, y and
// the upstream gradient g (inputs 0–2) and the kept softmax s, blocks of
// rows in parallel.
func soluGradRun[T float](soft *keptBuf) runFunc {
	var (
		rc             rowCrew
		x, y, g, dx, s []T
	)
	body := func(_, lo, hi int) {
		d := len(x) / rc.rows
		for i := lo * d; i < hi*d; i += d {
			var gy float64
			for j, v := range g[i : i+d] {
				gy += float64(v) * float64(y[i+j])
			}
			for j := i; j < i+d; j++ {
				dx[j] = T(float64(s[j]) * (float64(g[j])*(1+float64(x[j])) - gy))
			}
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		x, y, g, dx, s = data[T](in[0]), data[T](in[1]), data[T](in[2]), data[T](out), keptSlice[T](soft)
		rc.run(in[0].Shape()[0], len(x), body)
		x, y, g, dx, s = nil, nil, nil, nil, nil
		return nil
	}
}
