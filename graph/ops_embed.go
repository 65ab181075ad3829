package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the sequence-model inputs: token embedding (a row lookup
// by integer id, Embed) and learned positional embedding (AddTiled). Their
// activations are matrices [B·T, d] whose row r is position r mod T of
// sequence r / T.

// Embed returns the rows W[ids] [N, d] of the embedding W [V, d] for the
// token ids ids, an int node [B, T], [N, 1] or [N] (N = B·T values, read in
// row-major order, so row r of the output is position r mod T of sequence
// r / T). Its gradient in W is the scatter-add of the upstream rows: a row
// looked up several times gets their sum, one never looked up gets 0. The ids
// get no gradient. An id outside [0, V) makes the run fail with an error
// naming it.
func (b *Builder) Embed(W, ids *Node) *Node {
	if !b.ok("embed", W, ids) {
		return nil
	}
	idsType, err := intIndexType("Embed", ids)
	if err != nil {
		return b.fail("embed", err)
	}
	if W.Dims() != 2 {
		return b.fail("embed", fmt.Errorf("Embed: W of shape %v: want a matrix [V, d]", W.Shape()))
	}
	return b.apply("embed", embedOp(idsType, W.Shape()[0]), W, ids)
}

// intIndexType checks that n holds integer indices (an int vector or
// matrix) and returns its type.
func intIndexType(op string, n *Node) (hm.Type, error) {
	if n.Dtype() != tensor.Int {
		return nil, fmt.Errorf("%s: indices of dtype %v: want int", op, n.Dtype())
	}
	if d := n.Dims(); d != 1 && d != 2 {
		return nil, fmt.Errorf("%s: indices of shape %v: want a vector or a matrix", op, n.Shape())
	}
	return G.TensorType{Dims: n.Dims(), Of: tensor.Int}, nil
}

// embedOp looks up rows of W [V, d] (input 0: the dtype dispatch reads it)
// by the ids of input 1.
func embedOp(idsType hm.Type, vocab int) *kernelOp {
	o := &kernelOp{
		name:  "Embed",
		arity: 2,
		typ:   hm.NewFnType(matType, idsType, matType),
		diffs: []bool{true, false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 {
			return nil, fmt.Errorf("Embed: W of shape %v: want a matrix [V, d]", in[0])
		}
		return tensor.Shape{in[1].TotalSize(), in[0][1]}, nil
	}
	o.run = byDtype(embedRun[float32](), embedRun[float64]())
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		if !o.diffs[0] {
			return G.Nodes{nil, nil}, nil
		}
		d, err := apply(embedGradOp(idsType, vocab), g, in[1])
		return G.Nodes{d, nil}, err
	}
	return o
}

// embedRun copies the rows of W (input 0) named by the ids (input 1),
// blocks of rows in parallel.
func embedRun[T float]() runFunc {
	var (
		rc     rowCrew
		w, dst []T
		ids    []int
	)
	body := func(_, lo, hi int) {
		d := len(dst) / len(ids)
		for r := lo; r < hi; r++ {
			copy(dst[r*d:(r+1)*d], w[ids[r]*d:(ids[r]+1)*d])
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		w, ids, dst = data[T](in[0]), in[1].Ints(), data[T](out)
		if err := checkIDs(ids, in[0].Shape()[0]); err != nil {
			return err
		}
		rc.run(len(ids), len(dst), body)
		w, ids, dst = nil, nil, nil
		return nil
	}
}

// checkIDs reports the first id outside [0, vocab).
func checkIDs(ids []int, vocab int) error {
	for r, id := range ids {
		if id < 0 || id >= vocab {
			return fmt.Errorf("id %d at position %d: outside the vocabulary [0, %d)", id, r, vocab)
		}
	}
	return nil
}

// embedGradOp returns the gradient [V, d] of Embed in W: the upstream rows
// g [N, d] (input 0) added into the rows named by the ids (input 1).
func embedGradOp(idsType hm.Type, vocab int) *kernelOp {
	name := fmt.Sprintf("EmbedGrad{%d}", vocab)
	return &kernelOp{
		name:  name,
		arity: 2,
		typ:   hm.NewFnType(matType, idsType, matType),
		diffs: []bool{false, false},
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{vocab, in[0][1]}, nil },
		run:   byDtype(embedGradRun[float32](vocab), embedGradRun[float64](vocab)),
		diff:  noSecondOrder(name),
	}
}

// embedGradRun scatter-adds the upstream rows into the rows of W their ids
// name. The blocks of rowCrew are blocks of W's rows: each scans all the
// ids and adds the upstream rows whose id falls in its block, in the order
// of the ids, so every row of the gradient is the same sum on any number of
// cores.
func embedGradRun[T float](vocab int) runFunc {
	var (
		rc     rowCrew
		g, dst []T
		ids    []int
	)
	body := func(_, lo, hi int) {
		d := len(dst) / vocab
		clear(dst[lo*d : hi*d])
		for r, id := range ids {
			if id < lo || id >= hi {
				continue
			}
			row, src := dst[id*d:(id+1)*d], g[r*d:(r+1)*d]
			for j, v := range src {
				row[j] += v
			}
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		g, ids, dst = data[T](in[0]), in[1].Ints(), data[T](out)
		if err := checkIDs(ids, vocab); err != nil {
			return err
		}
		rc.run(vocab, len(g), body)
		g, ids, dst = nil, nil, nil
		return nil
	}
}

// AddTiled returns x + P with the positional embedding P [T, d] added to
// every sequence of x [N, d], N a multiple of T: out[r] = x[r] + P[r mod T].
// Its gradient passes through to x; in P it is the sum over sequences of the
// upstream rows of each position.
func (b *Builder) AddTiled(x, P *Node) *Node {
	if !b.ok("add tiled", x, P) {
		return nil
	}
	if P.Dims() != 2 {
		return b.fail("add tiled", fmt.Errorf("AddTiled: P of shape %v: want a matrix [T, d]", P.Shape()))
	}
	return b.apply("add tiled", addTiledOp(P.Shape()[0]), x, P)
}

func addTiledOp(period int) *kernelOp {
	o := &kernelOp{
		name:  "AddTiled",
		arity: 2,
		typ:   hm.NewFnType(matType, matType, matType),
		diffs: []bool{true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		x, p := in[0], in[1]
		if len(x) != 2 || len(p) != 2 || x[1] != p[1] || p[0] == 0 || x[0]%p[0] != 0 {
			return nil, fmt.Errorf("AddTiled: shapes %v, %v: want x [N, d] and P [T, d] with N a multiple of T", x, p)
		}
		return x.Clone(), nil
	}
	o.run = byDtype(binaryRun(addTiledRun[float32]), binaryRun(addTiledRun[float64]))
	o.diff = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil}
		if o.diffs[0] {
			grads[0] = g
		}
		if o.diffs[1] {
			d, err := apply(tileSumOp(period), g)
			if err != nil {
				return nil, err
			}
			grads[1] = d
		}
		return grads, nil
	}
	return o
}

// addTiledRun writes x + P tiled down the rows (len(x) a multiple of
// len(p)).
func addTiledRun[T float](out, x, p []T) {
	for i := 0; i < len(x); i += len(p) {
		o, xi := out[i:i+len(p)], x[i:i+len(p)]
		for j, v := range p {
			o[j] = xi[j] + v
		}
	}
}

// tileSumOp returns the sums [T, d] of g [N, d] over the N/T tiles of T
// rows: the gradient of AddTiled in P.
func tileSumOp(period int) *kernelOp {
	name := fmt.Sprintf("TileSum{%d}", period)
	return &kernelOp{
		name:  name,
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{false},
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{period, in[0][1]}, nil },
		run:   byDtype(unaryRun(tileSumRun[float32]), unaryRun(tileSumRun[float64])),
		diff:  noSecondOrder(name),
	}
}

func tileSumRun[T float](out, g []T) {
	copy(out, g[:len(out)])
	for i := len(out); i < len(g); i += len(out) {
		for j, v := range g[i : i+len(out)] {
			out[j] += v
		}
	}
}
