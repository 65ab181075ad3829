package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tanh returns tanh(a) elementwise for a matrix a; its gradient is
// (1 − tanh²(a))·g, computed from the output.
func (b *Builder) Tanh(a *Node) *Node { return b.apply("tanh", tanhOp(), a) }

func tanhOp() *kernelOp {
	o := &kernelOp{name: "Tanh", arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{true}}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("Tanh: shape %v: want a matrix", in[0])
		}
		return in[0].Clone(), nil
	}
	o.run = byDtype(unaryRun(tanhRun[float32]), unaryRun(tanhRun[float64]))
	o.diff = func(_ G.Nodes, out, g *G.Node) (G.Nodes, error) {
		grad := &kernelOp{
			name: "TanhGrad", arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{false, false},
			shape: func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil },
			run:   byDtype(binaryRun(tanhGradRun[float32]), binaryRun(tanhGradRun[float64])),
			diff: func(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
				return nil, fmt.Errorf("TanhGrad: second derivatives are not supported")
			},
		}
		d, err := apply(grad, out, g)
		return G.Nodes{d}, err
	}
	return o
}

func tanhRun[T float](out, a []T) {
	for i, v := range a {
		out[i] = T(math.Tanh(float64(v)))
	}
}

// tanhGradRun writes (1 − y²)·g for the output y of a tanh.
func tanhGradRun[T float](out, y, g []T) {
	for i, v := range y {
		out[i] = (1 - v*v) * g[i]
	}
}
