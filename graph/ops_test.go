package graph

import (
	"math"
	"testing"

	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opModel is a loss Σ (f(params) ⊙ R) with a fixed random R, so that every
// entry of the op's output has its own weight in the gradient. fused selects
// this package's op, otherwise the same function built from Gorgonia's ops.
type opModel struct {
	name  string
	fused bool
}

func (o opModel) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	const r, k, n = 6, 4, 3
	var out *Node
	switch o.name {
	case "matmul NN":
		A, B := b.Param("A", Normal(1), r, k), b.Param("B", Normal(1), k, n)
		out = pick(b, o.fused, func() *Node { return b.MatMul(A, B) }, func() (*Node, error) { return G.Mul(A, B) })
	case "matmul NT":
		A, B := b.Param("A", Normal(1), r, k), b.Param("B", Normal(1), n, k)
		out = pick(b, o.fused, func() *Node { return b.MatMulT(A, B) }, func() (*Node, error) { return G.Mul(A, G.Must(G.Transpose(B))) })
	case "matmul TN":
		A, B := b.Param("A", Normal(1), k, r), b.Param("B", Normal(1), k, n)
		out = pick(b, o.fused, func() *Node { return b.TMatMul(A, B) }, func() (*Node, error) { return G.Mul(G.Must(G.Transpose(A)), B) })
	case "matmul NN wide", "matmul NT wide", "matmul TN wide":
		// Every dimension ≥ the kernels' fmaMin: the float32 runs take the FMA
		// kernels, with padding (17, 13 are not multiples of 4 or 8).
		const R, K, N = 17, 13, 21
		switch o.name {
		case "matmul NN wide":
			A, B := b.Param("A", Normal(1), R, K), b.Param("B", Normal(1), K, N)
			out = pick(b, o.fused, func() *Node { return b.MatMul(A, B) }, func() (*Node, error) { return G.Mul(A, B) })
		case "matmul NT wide":
			A, B := b.Param("A", Normal(1), R, K), b.Param("B", Normal(1), N, K)
			out = pick(b, o.fused, func() *Node { return b.MatMulT(A, B) }, func() (*Node, error) { return G.Mul(A, G.Must(G.Transpose(B))) })
		default:
			A, B := b.Param("A", Normal(1), K, R), b.Param("B", Normal(1), K, N)
			out = pick(b, o.fused, func() *Node { return b.TMatMul(A, B) }, func() (*Node, error) { return G.Mul(G.Must(G.Transpose(A)), B) })
		}
	case "matmul TT":
		A, B := b.Param("A", Normal(1), k, r), b.Param("B", Normal(1), n, k)
		out = pick(b, o.fused, func() *Node { return b.apply("TT", matMulOp(true, true), A, B) }, func() (*Node, error) {
			return G.Mul(G.Must(G.Transpose(A)), G.Must(G.Transpose(B)))
		})
	case "matmul sparse NT", "matmul sparse TN":
		// ReLU(x·P) is sparse and wide enough (kernels.SparseMin) for the kernels'
		// sparse paths, which must agree with the dense ones.
		const wide = 2 * kernels.SparseMin
		// A negative shift leaves about one entry in five nonzero.
		xp := b.AddRowReLU(b.MatMul(x, b.Param("P", Normal(1), x.Shape()[1], wide)), b.Const(repeat(-0.3, wide)))
		if o.name == "matmul sparse NT" {
			B := b.Param("B", Normal(1), n, wide)
			out = pick(b, o.fused, func() *Node { return b.MatMulT(xp, B) }, func() (*Node, error) {
				return G.Mul(xp, G.Must(G.Transpose(B)))
			})
			break
		}
		A := b.Param("A", Normal(1), x.Shape()[0], n)
		out = pick(b, o.fused, func() *Node { return b.TMatMul(A, xp) }, func() (*Node, error) {
			return G.Mul(G.Must(G.Transpose(A)), xp)
		})
	case "relu":
		A := b.Param("A", Normal(1), r, n)
		out = pick(b, o.fused, func() *Node { return b.ReLU(A) }, func() (*Node, error) { return G.Rectify(A) })
	case "tanh":
		A := b.Param("A", Normal(1), r, n)
		out = pick(b, o.fused, func() *Node { return b.Tanh(A) }, func() (*Node, error) { return G.Tanh(A) })
	case "scale":
		A := b.Param("A", Normal(1), r, n)
		out = pick(b, o.fused, func() *Node { return b.Scale(A, -0.7) }, func() (*Node, error) { return G.HadamardProd(A, b.Scalar(-0.7)) })
	case "abs":
		A := b.Param("A", Normal(1), r, n)
		out = pick(b, o.fused, func() *Node { return b.Abs(A) }, func() (*Node, error) { return G.Abs(A) })
	case "add row":
		A, v := b.Param("A", Normal(1), r, n), b.Param("v", Normal(1), n)
		out = pick(b, o.fused, func() *Node { return b.AddRow(A, v) }, func() (*Node, error) {
			return G.BroadcastAdd(A, G.Must(G.Reshape(v, tensor.Shape{1, n})), nil, []byte{0})
		})
	case "tied product", "tied product wide":
		rr, nn, mm := r, k, n
		if o.name == "tied product wide" { // float32 runs take the FMA kernels
			rr, nn, mm = 17, 21, 9
		}
		X, W := b.Param("X", Normal(1), rr, nn), b.Param("W", Normal(1), mm, nn)
		out = pick(b, o.fused, func() *Node { return b.TiedProduct(X, W) }, func() (*Node, error) {
			return G.Mul(G.Must(G.Mul(X, G.Must(G.Transpose(W)))), W)
		})
	case "sub row":
		A, v := b.Param("A", Normal(1), r, n), b.Param("v", Normal(1), n)
		out = pick(b, o.fused, func() *Node { return b.SubRow(A, v) }, func() (*Node, error) {
			return G.BroadcastSub(A, G.Must(G.Reshape(v, tensor.Shape{1, n})), nil, []byte{0})
		})
	case "add", "sub":
		A, C := b.Param("A", Normal(1), r, n), b.Param("C", Normal(1), r, n)
		if o.name == "add" {
			out = pick(b, o.fused, func() *Node { return b.Add(A, C) }, func() (*Node, error) { return G.Add(A, C) })
		} else {
			out = pick(b, o.fused, func() *Node { return b.Sub(A, C) }, func() (*Node, error) { return G.Sub(A, C) })
		}
	case "add row relu":
		A, v := b.Param("A", Normal(1), r, n), b.Param("v", Normal(1), n)
		out = pick(b, o.fused, func() *Node { return b.AddRowReLU(A, v) }, func() (*Node, error) {
			return G.Rectify(G.Must(G.BroadcastAdd(A, G.Must(G.Reshape(v, tensor.Shape{1, n})), nil, []byte{0})))
		})
	case "stacked tied product":
		const K, rk, m, nn = 3, 2, 2, 4
		X, W := b.Param("X", Normal(1), K*rk, nn), b.Param("W", Normal(1), K*m, nn)
		out = pick(b, o.fused, func() *Node { return b.StackedTiedProduct(X, W, K) }, func() (*Node, error) {
			return concatBlocks(K, func(i int) *Node {
				Xk, Wk := rowBlock(X, i, rk), rowBlock(W, i, m)
				return G.Must(G.Mul(G.Must(G.Mul(Xk, G.Must(G.Transpose(Wk)))), Wk))
			})
		})
	case "stacked add row relu", "stacked add row":
		const K, rk = 3, 2
		A, v := b.Param("A", Normal(1), K*rk, n), b.Param("v", Normal(1), K, n)
		relu := o.name == "stacked add row relu"
		out = pick(b, o.fused, func() *Node {
			if relu {
				return b.StackedAddRowReLU(A, v)
			}
			return b.StackedAddRow(A, v)
		}, func() (*Node, error) {
			return concatBlocks(K, func(i int) *Node {
				s := G.Must(G.BroadcastAdd(rowBlock(A, i, rk), rowBlock(v, i, 1), nil, []byte{0}))
				if relu {
					s = G.Must(G.Rectify(s))
				}
				return s
			})
		})
	case "stacked weighted squared error":
		// Instance k's loss weighted by k+1 in the objective, through Pick.
		const K, rk = 3, 2
		X, Y := b.Param("X", Normal(1), K*rk, n), b.Param("Y", Normal(1), K*rk, n)
		w := b.Const([]float64{1, 0.5, 0.25, 2, 1, 0.5, 0.1, 0.2, 0.3}, K, n)
		if o.fused {
			losses := b.StackedWeightedSqErr(X, Y, w)
			var total *Node
			for i := range K {
				term := b.Scale(b.Pick(losses, i), float64(i+1))
				if total == nil {
					total = term
				} else {
					total = b.Add(total, term)
				}
			}
			return []Term{{Name: "loss", Node: total}}
		}
		var total *G.Node
		for i := range K {
			sq := G.Must(G.Square(G.Must(G.Sub(rowBlock(X, i, rk), rowBlock(Y, i, rk)))))
			li := G.Must(G.Sum(G.Must(G.BroadcastHadamardProd(sq, rowBlock(w, i, 1), nil, []byte{0}))))
			li = G.Must(G.HadamardProd(li, b.Scalar(float64(i+1)/rk)))
			if total == nil {
				total = li
			} else {
				total = G.Must(G.Add(total, li))
			}
		}
		return []Term{{Name: "loss", Node: total}}
	case "weighted squared error":
		X, Y := b.Param("X", Normal(1), r, n), b.Param("Y", Normal(1), r, n)
		w := b.Const([]float64{1, 0.5, 0.25})
		loss := pick(b, o.fused, func() *Node { return b.WeightedSqErr(X, Y, w) }, func() (*Node, error) {
			sq := G.Must(G.Square(G.Must(G.Sub(X, Y))))
			wr := G.Must(G.Reshape(w, tensor.Shape{1, n}))
			return G.HadamardProd(G.Must(G.Sum(G.Must(G.BroadcastHadamardProd(sq, wr, nil, []byte{0})))), b.Scalar(1/float64(r)))
		})
		return []Term{{Name: "loss", Node: loss}}
	}
	sh := out.Shape()
	R := make([]float64, sh[0]*sh[1])
	rng := NewRand(99, 0)
	for i := range R {
		R[i] = rng.NormFloat64()
	}
	return []Term{{Name: "loss", Node: b.Sum(b.Mul(out, b.Const(R, sh[0], sh[1])))}}
}

// rowBlock returns rows [i·r, (i+1)·r) of the matrix a.
func rowBlock(a *G.Node, i, r int) *G.Node {
	return G.Must(G.Slice(a, G.S(i*r, (i+1)*r)))
}

// concatBlocks stacks the k matrices block(0), …, block(k−1) by rows.
func concatBlocks(k int, block func(i int) *G.Node) (*G.Node, error) {
	nodes := make([]*G.Node, k)
	for i := range nodes {
		nodes[i] = block(i)
	}
	return G.Concat(0, nodes...)
}

func pick(b *Builder, fused bool, f func() *Node, g func() (*Node, error)) *Node {
	if fused {
		return f()
	}
	n, err := g()
	return b.wrap("unfused", n, err)
}

var opNames = []string{"matmul NN", "matmul NT", "matmul TN", "matmul TT", "matmul NN wide", "matmul NT wide", "matmul TN wide", "matmul sparse NT", "matmul sparse TN", "relu", "scale", "tanh", "abs", "add", "sub", "add row", "sub row", "add row relu", "tied product", "tied product wide", "weighted squared error", "stacked tied product", "stacked add row relu", "stacked add row", "stacked weighted squared error"}

// sparseBatch is a [6, 5] batch with most entries zero.
func sparseBatch() []float64 {
	x := make([]float64, 30)
	for i := range x {
		if i%4 == 0 {
			x[i] = float64(i%7) / 7
		}
	}
	return x
}

func TestOpsGradCheck(t *testing.T) {
	for _, name := range opNames {
		t.Run(name, func(t *testing.T) {
			res, err := GradCheck(opModel{name: name, fused: true}, sparseBatch(), 5, NewParamsOf(tensor.Float64, 5), 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if res.RelErr > 1e-6 {
				t.Errorf("gradient of %s[%d]: analytic %v, finite difference %v", res.Param, res.Index, res.Analytic, res.Numeric)
			}
		})
	}
}

func TestOpsMatchUnfused(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		for _, name := range opNames {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				lf, gf, err := LossAndGrads(opModel{name: name, fused: true}, sparseBatch(), 5, NewParamsOf(dt, 5))
				if err != nil {
					t.Fatal(err)
				}
				lu, gu, err := LossAndGrads(opModel{name: name}, sparseBatch(), 5, NewParamsOf(dt, 5))
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(lf-lu) > tol*math.Max(1, math.Abs(lu)) {
					t.Errorf("loss: fused %v, unfused %v", lf, lu)
				}
				for p, g := range gu {
					for i := range g {
						if math.Abs(gf[p][i]-g[i]) > tol*math.Max(1, math.Abs(g[i])) {
							t.Errorf("∂loss/∂%s[%d]: fused %v, unfused %v", p, i, gf[p][i], g[i])
						}
					}
				}
			})
		}
	}
}
