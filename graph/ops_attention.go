package graph

import (
	"fmt"
	"math"
	"runtime"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds causal multi-head self-attention: the builder calls, the
// plain forward that inference shares with the op, and the op's forward and
// backward side by side.
//
// Layout: activations are [B·T, d] matrices, row r being position r mod T of
// sequence r / T; head h owns columns h·d_head … (h+1)·d_head − 1 of Q, K, V
// and Z (so column h·d_head + j of a W_Q [d, d] is TransformerLens's
// W_Q[h, :, j]). For each sequence and head, with P the pattern:
//
//	S = Q Kᵀ / √d_head     [T, T], j > i masked out
//	P = softmax_j(S)       [T, T], zero above the diagonal
//	Z = P V                [T, d_head]
//
// and backward, from dZ:
//
//	dV = Pᵀ dZ,  dP = dZ Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),
//	dQ = dS K / √d_head,  dK = dSᵀ Q / √d_head,
//
// each product restricted to the causal triangle, one block of
// kernels.RowBlock rows at a time.

// CausalAttention returns Z [B·T, d], the causal multi-head self-attention
// of q, k and v, each [B·T, d] with T = seqLen, over heads heads of
// d_head = d / heads columns each: head h of Z is softmax(mask(Q_h K_hᵀ /
// √d_head)) V_h in head h's columns, position i attending to positions
// j ≤ i of its own sequence. The caller applies W_O afterwards. The op keeps
// its pattern for the backward pass; [Builder.AttentionPattern] reads it.
//
// It is one op with a hand-written backward. The B·heads (sequence, head)
// problems are split statically over min(GOMAXPROCS, B·heads) goroutines,
// the calling one and others started on every run, so results are
// bit-identical whatever GOMAXPROCS is. Its buffers (output, pattern,
// gradients, the workers' scratch) are allocated once and reused: the
// kernels allocate nothing per run. float32 runs on the AVX2 + FMA kernels
// of package kernels where the CPU has them.
func (b *Builder) CausalAttention(q, k, v *Node, heads, seqLen int) *Node {
	const name = "causal attention"
	if !b.ok(name, q, k, v) {
		return nil
	}
	sh, err := attnShapeOf([]tensor.Shape{q.Shape(), k.Shape(), v.Shape()}, heads, seqLen)
	if err != nil {
		return b.fail(name, err)
	}
	op := attentionOp(sh, q.Dtype())
	for i, c := range []*Node{q, k, v} {
		op.diffs[i] = !b.fixed[c]
	}
	n, err := G.ApplyOp(op, q, k, v)
	return b.wrap(name, n, err, q, k, v)
}

// AttentionPattern returns the attention pattern of z, an output of
// [Builder.CausalAttention]: [B, heads, T, T] (query position, key
// position), zero above the diagonal, each row summing to one; this is
// TransformerLens's blocks.L.attn.hook_pattern. The node's value is the
// op's own buffer, rewritten on every run: [Builder.Watch] it to read it
// after a run, and copy what must outlive the next one. No gradient flows
// through it.
func (b *Builder) AttentionPattern(z *Node) *Node {
	const name = "attention pattern"
	if !b.ok(name, z) {
		return nil
	}
	op, ok := z.Op().(*attnOp)
	if !ok {
		return b.fail(name, fmt.Errorf("node %v is not an output of CausalAttention", z))
	}
	sh := op.sh
	view := &viewOp{
		kernelOp: &kernelOp{
			name: fmt.Sprintf("AttentionPattern{heads=%d,T=%d}", sh.heads, sh.seqLen), arity: 1,
			typ:   hm.NewFnType(matType, G.TensorType{Dims: 4, Of: tvar}),
			diffs: []bool{false},
			shape: func([]tensor.Shape) (tensor.Shape, error) {
				return tensor.Shape{sh.batch, sh.heads, sh.seqLen, sh.seqLen}, nil
			},
			diff: noSecondOrder("AttentionPattern"),
		},
		value: func() *tensor.Dense { return op.pattern },
	}
	n, err := G.ApplyOp(view, z)
	return b.wrap(name, n, err, z)
}

// AttentionForward writes the causal multi-head self-attention of q, k and
// v into z and its pattern into pattern, on flat row-major float32 slices:
// q, k, v and z are [batch·seqLen, d] in the layout of
// [Builder.CausalAttention], pattern is [batch, heads, seqLen, seqLen] or
// nil when it is not wanted. It is the float32 forward of that op, the same
// code, so inference computes bit for bit what training did. Scratch (about
// (d/heads + seqLen)·seqLen floats per worker) is allocated on each call.
// It panics on shapes that do not fit (programmer misuse).
func AttentionForward(z, pattern, q, k, v []float32, batch, seqLen, heads, d int) {
	if batch < 1 || seqLen < 1 || heads < 1 || d < 1 || d%heads != 0 {
		panic(fmt.Sprintf("graph: AttentionForward: batch %d, seqLen %d, heads %d, d %d: want positive sizes, d a multiple of heads", batch, seqLen, heads, d))
	}
	sh := attnShape{batch: batch, seqLen: seqLen, heads: heads, d: d, dh: d / heads}
	n := batch * seqLen * d
	if len(z) != n || len(q) != n || len(k) != n || len(v) != n || (pattern != nil && len(pattern) != sh.patternLen()) {
		panic(fmt.Sprintf("graph: AttentionForward: len z %d, q %d, k %d, v %d, pattern %d: want %d each and %d (or nil) for the pattern",
			len(z), len(q), len(k), len(v), len(pattern), n, sh.patternLen()))
	}
	newAttention[float32](sh).forward(z, pattern, q, k, v)
}

// attnShape is the shape of one causal attention.
type attnShape struct {
	batch, seqLen, heads int // B, T, heads
	d, dh                int // model width and d_head = d / heads
}

func (s attnShape) patternLen() int { return s.batch * s.heads * s.seqLen * s.seqLen }

// attnShapeOf checks the shapes of q, k and v.
func attnShapeOf(in []tensor.Shape, heads, seqLen int) (attnShape, error) {
	q := in[0]
	for _, s := range in {
		if len(s) != 2 || !s.Eq(q) {
			return attnShape{}, fmt.Errorf("CausalAttention: q %v, k %v, v %v: want three equal [B·T, d] matrices", in[0], in[1], in[2])
		}
	}
	rows, d := q[0], q[1]
	switch {
	case heads < 1 || seqLen < 1:
		return attnShape{}, fmt.Errorf("CausalAttention: q %v, heads %d, seqLen %d: want at least one head and one position", q, heads, seqLen)
	case d%heads != 0:
		return attnShape{}, fmt.Errorf("CausalAttention: q %v: width %d does not split into %d heads", q, d, heads)
	case rows%seqLen != 0:
		return attnShape{}, fmt.Errorf("CausalAttention: q %v: %d rows are not whole sequences of %d positions", q, rows, seqLen)
	}
	return attnShape{batch: rows / seqLen, seqLen: seqLen, heads: heads, d: d, dh: d / heads}, nil
}

// attnOp is the forward op of one CausalAttention node. It owns the
// pattern, which its gradient and pattern ops read.
type attnOp struct {
	*kernelOp
	sh      attnShape
	pattern *tensor.Dense // [B, heads, T, T]
}

// attentionOp returns the op of a CausalAttention of shape sh over inputs
// of dtype dt.
func attentionOp(sh attnShape, dt tensor.Dtype) *attnOp {
	name := fmt.Sprintf("CausalAttention{heads=%d,T=%d}", sh.heads, sh.seqLen)
	o := &attnOp{sh: sh, pattern: tensor.New(tensor.Of(dt), tensor.WithShape(sh.batch, sh.heads, sh.seqLen, sh.seqLen))}
	o.kernelOp = &kernelOp{
		name:  name,
		arity: 3,
		typ:   hm.NewFnType(matType, matType, matType, matType),
		diffs: []bool{true, true, true},
		shape: func(in []tensor.Shape) (tensor.Shape, error) {
			s, err := attnShapeOf(in, sh.heads, sh.seqLen)
			if err == nil && s != sh {
				err = fmt.Errorf("%s: q %v: built for %d sequences of width %d", name, in[0], sh.batch, sh.d)
			}
			return in[0].Clone(), err
		},
	}
	a32, a64 := newAttention[float32](sh), newAttention[float64](sh)
	o.run = byDtype(attnForwardRun(a32, o.pattern), attnForwardRun(a64, o.pattern))
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		want := [3]bool{o.diffs[0], o.diffs[1], o.diffs[2]}
		// The gradient op writes the gradient in Q as its output and those in
		// K and V into dk and dv, which two view ops hand on.
		var dk, dv *tensor.Dense
		if want[1] || want[2] {
			dk = tensor.New(tensor.Of(dt), tensor.WithShape(sh.batch*sh.seqLen, sh.d))
			dv = tensor.New(tensor.Of(dt), tensor.WithShape(sh.batch*sh.seqLen, sh.d))
		}
		gradName := fmt.Sprintf("CausalAttentionGrad{heads=%d,T=%d,want=%v}", sh.heads, sh.seqLen, want)
		grad := &kernelOp{
			name:  gradName,
			arity: 4,
			typ:   hm.NewFnType(matType, matType, matType, matType, matType),
			diffs: []bool{false, false, false, false},
			shape: func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil },
			diff:  noSecondOrder(gradName),
		}
		grad.run = byDtype(attnBackwardRun(a32, want, o.pattern, dk, dv), attnBackwardRun(a64, want, o.pattern, dk, dv))
		dq, err := apply(grad, in[0], in[1], in[2], g)
		if err != nil {
			return nil, err
		}
		grads := G.Nodes{nil, nil, nil}
		if want[0] {
			grads[0] = dq
		}
		for i, t := range []*tensor.Dense{1: dk, 2: dv} {
			if i == 0 || !want[i] {
				continue
			}
			// Taking the gradient op's output as input orders the view after it.
			partName := fmt.Sprintf("%s.%c", gradName, "qkv"[i])
			view := &viewOp{
				kernelOp: &kernelOp{
					name: partName, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false},
					shape: sameShape1, diff: noSecondOrder(partName),
				},
				value: func() *tensor.Dense { return t },
			}
			if grads[i], err = G.ApplyOp(view, dq); err != nil {
				return nil, err
			}
		}
		return grads, nil
	}
	return o
}

// attnForwardRun is the body of attnOp's run.
func attnForwardRun[T float](a *attention[T], pattern *tensor.Dense) runFunc {
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		a.forward(data[T](out), data[T](pattern), data[T](in[0]), data[T](in[1]), data[T](in[2]))
		return nil
	}
}

// attnBackwardRun is the body of the gradient op's run over q, k, v and the
// upstream gradient: the gradient in Q into its output, those in K and V
// into dk and dv (nil when neither is wanted).
func attnBackwardRun[T float](a *attention[T], want [3]bool, pattern, dk, dv *tensor.Dense) runFunc {
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		var dkd, dvd []T
		if dk != nil {
			dkd, dvd = data[T](dk), data[T](dv)
		}
		a.backward(data[T](out), dkd, dvd, want, data[T](in[3]), data[T](pattern), data[T](in[0]), data[T](in[1]), data[T](in[2]))
		return nil
	}
}

// viewOp is an op whose value is a tensor that another op owns and fills:
// its input orders it after that op on the tape, and it copies nothing.
type viewOp struct {
	*kernelOp
	value func() *tensor.Dense
}

func (o *viewOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != o.arity {
		return nil, fmt.Errorf("%s: %d inputs; want %d", o.name, len(vals), o.arity)
	}
	return o.value(), nil
}

// attention computes causal attention of one shape over T-typed slices,
// with the scratch of its workers; one per op instance and dtype. Problem p
// is head p mod heads of sequence p / heads.
type attention[T float] struct {
	sh   attnShape
	crew crew
	// Scratch by worker: a transposed head block [d_head, T], and a [T, T]
	// square (the pattern when the caller wants none; dP and dS).
	tr, sq [][]T
	// The operands of the current run.
	z, pat, q, k, v, g, dq, dk, dv []T
	want                           [3]bool // gradients wanted in Q, K, V
	fwd, bwd                       func(w, p int)
}

func newAttention[T float](sh attnShape) *attention[T] {
	a := &attention[T]{sh: sh}
	a.fwd, a.bwd = a.forwardProblem, a.backwardProblem
	return a
}

// scratch makes sure every worker has its scratch.
func (a *attention[T]) scratch(workers int) {
	n, dh := a.sh.seqLen, a.sh.dh
	for len(a.tr) < workers {
		a.tr = append(a.tr, make([]T, dh*n))
		a.sq = append(a.sq, make([]T, n*n))
	}
}

// forward writes Z into z and the pattern into pat (nil: the workers'
// scratch).
func (a *attention[T]) forward(z, pat, q, k, v []T) {
	a.z, a.pat, a.q, a.k, a.v = z, pat, q, k, v
	a.run(a.fwd)
	a.z, a.pat, a.q, a.k, a.v = nil, nil, nil, nil, nil
}

// backward writes the gradients wanted (want: in Q, K, V) into dq, dk and
// dv, from the upstream gradient g and the forward's pattern pat.
func (a *attention[T]) backward(dq, dk, dv []T, want [3]bool, g, pat, q, k, v []T) {
	a.dq, a.dk, a.dv, a.want, a.g, a.pat, a.q, a.k, a.v = dq, dk, dv, want, g, pat, q, k, v
	a.run(a.bwd)
	a.dq, a.dk, a.dv, a.g, a.pat, a.q, a.k, a.v = nil, nil, nil, nil, nil, nil, nil, nil
}

// run runs job on every problem.
func (a *attention[T]) run(job func(w, p int)) {
	n := a.sh.batch * a.sh.heads
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	a.scratch(workers)
	a.crew.run(n, workers, job)
}

// block returns the offset of problem p's head block in a [B·T, d] matrix.
func (a *attention[T]) block(p int) int {
	s := a.sh
	return (p/s.heads)*s.seqLen*s.d + (p%s.heads)*s.dh
}

// forwardProblem computes problem p on worker w.
func (a *attention[T]) forwardProblem(w, p int) {
	n, d, dh := a.sh.seqLen, a.sh.d, a.sh.dh
	off := a.block(p)
	P := a.sq[w]
	if a.pat != nil {
		P = a.pat[p*n*n : (p+1)*n*n]
	}
	kt := a.tr[w]
	transposeBlock(kt, a.k[off:], n, dh, d)
	for i := 0; i < n; i += kernels.RowBlock { // S = Q Kᵀ, columns j < the block's end
		r := min(kernels.RowBlock, n-i)
		clearBlock(P[i*n:], n, r, i+r)
		kernels.GemmAdd(P[i*n:], n, a.q[off+i*d:], d, 1, kt, n, r, dh, i+r)
	}
	scale := T(1 / math.Sqrt(float64(dh)))
	for i := range n {
		softmaxCausal(P[i*n:(i+1)*n], i, scale)
	}
	z := a.z[off:]
	clearBlock(z, d, n, dh)
	for i := 0; i < n; i += kernels.RowBlock { // Z = P V, over j < the block's end
		r := min(kernels.RowBlock, n-i)
		kernels.GemmAdd(z[i*d:], d, P[i*n:], n, 1, a.v[off:], d, r, i+r, dh)
	}
}

// backwardProblem computes the gradients of problem p on worker w.
func (a *attention[T]) backwardProblem(w, p int) {
	n, d, dh := a.sh.seqLen, a.sh.d, a.sh.dh
	off := a.block(p)
	P, g := a.pat[p*n*n:(p+1)*n*n], a.g[off:]
	if a.want[2] { // dV = Pᵀ dZ: row j sums over i ≥ j
		dv := a.dv[off:]
		clearBlock(dv, d, n, dh)
		for j := 0; j < n; j += kernels.RowBlock {
			r := min(kernels.RowBlock, n-j)
			kernels.GemmAdd(dv[j*d:], d, P[j*n+j:], 1, n, g[j*d:], d, r, n-j, dh)
		}
	}
	if !a.want[0] && !a.want[1] {
		return
	}
	dS, vt := a.sq[w], a.tr[w]
	transposeBlock(vt, a.v[off:], n, dh, d)
	for i := 0; i < n; i += kernels.RowBlock { // dP = dZ Vᵀ, columns j < the block's end
		r := min(kernels.RowBlock, n-i)
		clearBlock(dS[i*n:], n, r, i+r)
		kernels.GemmAdd(dS[i*n:], n, g[i*d:], d, 1, vt, n, r, dh, i+r)
	}
	scale := T(1 / math.Sqrt(float64(dh)))
	for i := range n { // dS/√d_head, zero above the diagonal
		softmaxGradCausal(dS[i*n:(i+1)*n], P[i*n:(i+1)*n], i, scale)
	}
	if a.want[0] { // dQ = dS K, over j < the block's end
		dq := a.dq[off:]
		clearBlock(dq, d, n, dh)
		for i := 0; i < n; i += kernels.RowBlock {
			r := min(kernels.RowBlock, n-i)
			kernels.GemmAdd(dq[i*d:], d, dS[i*n:], n, 1, a.k[off:], d, r, i+r, dh)
		}
	}
	if a.want[1] { // dK = dSᵀ Q: row j sums over i ≥ j
		dk := a.dk[off:]
		clearBlock(dk, d, n, dh)
		for j := 0; j < n; j += kernels.RowBlock {
			r := min(kernels.RowBlock, n-j)
			kernels.GemmAdd(dk[j*d:], d, dS[j*n+j:], 1, n, a.q[off+j*d:], d, r, n-j, dh)
		}
	}
}

// clearBlock zeroes the first cols entries of the first rows rows of x
// (row stride ld): GemmAdd adds to what is there.
func clearBlock[T float](x []T, ld, rows, cols int) {
	for i := range rows {
		clear(x[i*ld : i*ld+cols])
	}
}

// transposeBlock writes the transpose of the [n, dh] block at the start of
// x (row stride d) into dst [dh, n].
func transposeBlock[T float](dst, x []T, n, dh, d int) {
	for j := range n {
		row := x[j*d : j*d+dh]
		for c, v := range row {
			dst[c*n+j] = v
		}
	}
}

// softmaxCausal overwrites row i of S (T long) with row i of the pattern:
// softmax over j ≤ i of scale·S[i, j], stable for any logits
// (kernels.Softmax subtracts the maximum), and zero for j > i.
func softmaxCausal[T float](row []T, i int, scale T) {
	kernels.Softmax(row[:i+1], scale)
	clear(row[i+1:])
}

// softmaxGradCausal overwrites row i of dP (T long) with row i of dS·scale,
// dS = P ⊙ (dP − rowsum(dP ⊙ P)), from row i of the pattern p; zero for
// j > i.
func softmaxGradCausal[T float](row, p []T, i int, scale T) {
	kernels.SoftmaxGrad(row[:i+1], p[:i+1], scale)
	clear(row[i+1:])
}
