package graph

import (
	"errors"
	"fmt"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds sparse codes: a TopK selection kept as the columns and
// values of each row's k winners instead of a dense matrix, and the ops
// that read only those — the product with a decoder, the dense view for
// watching, and the SAE encoder, into whose parameters a code sends its
// gradient directly. With them an SAE's decoder and backward pass cost
// B·k·d instead of B·n·d for B rows, n latents, k active and width d:
//
//	forward:  pre = (x − c)·W_enc + b        [B, n], dense: it picks the winners
//	          code = TopK(pre)               [B, k] values, columns in the op
//	          x̂ = Σ_s code_s · W_dec[col_s]  [B, d]
//	backward: dcode_s = dx̂ · W_dec[col_s]    [B, k]
//	          dW_dec[j] = Σ_{rows keeping j} code·dx̂
//	          dW_enc[:, j] = Σ_{rows keeping j} dcode·(x − c),  db_j = Σ dcode
//	          dc = −W_enc·db
//
// Every sum over rows runs in ascending row order within one goroutine
// (the work is split by latent, rowBlocks fixed blocks), so results do not
// depend on GOMAXPROCS.

// Code is a sparse code of a matrix a [r, n]: for every row, at most k
// kept entries, held as a node [r, k] of their values in ascending column
// order (slots past a row's count hold 0) and their columns, which the op
// that selects them rewrites on every run. [Builder.TopKCode] and
// [Builder.MaskedTopKCode] make one; [Builder.CodeMatMul] and
// [Builder.Dense] read it.
type Code struct {
	vals *Node
	sel  *selection
}

// Values returns the node [r, k] of the code's kept values.
func (c *Code) Values() *Node { return c.vals }

// WatchCode is [Builder.Watch] for a code: after every run
// [Trainer.WatchedCode] returns its columns and values, which cost r·k to
// keep where the dense matrix ([Builder.Dense]) would cost r·n.
func (b *Builder) WatchCode(name string, c *Code) {
	if c == nil {
		b.fail("watch "+name, fmt.Errorf("nil code"))
		return
	}
	b.watched = append(b.watched, watch{name: name, node: c.vals, code: c})
}

// Kept is a watched code after a run ([Builder.WatchCode]): row i keeps the
// columns Cols[i·K : i·K+Count[i]], ascending, with the values at the same
// positions of Vals [rows, K]; the slots past Count[i] are unused.
type Kept struct {
	K           int
	Cols, Count []int32
	Vals        *tensor.Dense
}

// selection is the index half of a code, shared by the ops that read it.
type selection struct {
	n, k     int     // columns of the coded matrix, slots per row
	mask     []bool  // MaskedTopKCode's competing columns (nil: all), read every run
	among    []int32 // the columns mask sets, listed at the start of every run
	cols     []int32 // [r·k]: the column of every slot, ascending within a row
	cnt      []int32 // [r]: the used slots of every row
	runs     int     // forward runs so far
	start    []int32 // [n+1], with ent [r·k]: the column view (kernels.CodeColumns)
	ent      []int32
	viewedAt int // the run the column view was built for
}

func (s *selection) resize(rows int) {
	if len(s.cnt) != rows {
		s.cols, s.cnt, s.ent = make([]int32, rows*s.k), make([]int32, rows), make([]int32, rows*s.k)
		s.start = make([]int32, s.n+1)
		s.viewedAt = -1
	}
}

// columns returns the column view of the current run, building it on the
// first call of the run (gradient ops run one at a time on the tape).
func (s *selection) columns() (start, ent []int32) {
	if s.viewedAt != s.runs {
		kernels.CodeColumns(s.start, s.ent, s.cols, s.cnt, s.k, s.n)
		s.viewedAt = s.runs
	}
	return s.start, s.ent
}

// TopKCode returns the code of TopK(a, k): the k largest positive entries
// of each row of a [r, n] (ties go to the lower column), as [Builder.TopK]
// keeps them. Its gradient passes to the kept entries. When a is an
// [Builder.Encoder]'s output, the gradient goes straight into the
// encoder's parameters, touching only the kept entries (B·k·d), and a
// receives none from the code.
func (b *Builder) TopKCode(a *Node, k int) *Code {
	return b.selectCode("topk code", a, k, nil)
}

// MaskedTopKCode is [Builder.TopKCode] over the columns j with mask[j] set
// only (AuxK's dead latents); the caller may change mask between runs. With
// no column set the code is empty.
func (b *Builder) MaskedTopKCode(a *Node, k int, mask []bool) *Code {
	return b.selectCode("masked topk code", a, k, mask)
}

func (b *Builder) selectCode(name string, a *Node, k int, mask []bool) *Code {
	if k < 1 {
		b.fail(name, fmt.Errorf("k %d: must be at least 1", k))
		return nil
	}
	if !b.ok(name, a) {
		return nil
	}
	if a.Dims() != 2 {
		b.fail(name, fmt.Errorf("shape %v: want a matrix", a.Shape()))
		return nil
	}
	n := a.Shape()[1]
	if mask != nil && len(mask) != n {
		b.fail(name, fmt.Errorf("mask of %d columns for %d", len(mask), n))
		return nil
	}
	sel := &selection{n: n, k: k, mask: mask}
	if mask != nil {
		sel.among = make([]int32, 0, n)
	}
	in := []*Node{a}
	enc, _ := a.Op().(*encoderOp)
	if enc != nil {
		in = append(in, enc.in...)
	}
	vals := b.apply(name, codeOp(sel, enc), in...)
	if vals == nil {
		return nil
	}
	return &Code{vals: vals, sel: sel}
}

// codeOp selects the code of sel from input 0. With enc set its inputs
// are a and the encoder's (x, W, bias, center), and its gradient goes to
// the last three; a gets none.
func codeOp(sel *selection, enc *encoderOp) *kernelOp {
	name := uniqueName("TopKCode{%d,masked=%v}", sel.k, sel.mask != nil)
	o := &kernelOp{name: name, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{true}}
	if enc != nil {
		o.arity, o.typ = 5, hm.NewFnType(matType, matType, matType, vecType, vecType, matType)
		o.diffs = []bool{false, false, true, true, true}
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || in[0][1] != sel.n {
			return nil, fmt.Errorf("%s: shape %v: want [r, %d]", name, in[0], sel.n)
		}
		return tensor.Shape{in[0][0], sel.k}, nil
	}
	o.run = byDtype(newCodeSelect[float32](sel).run, newCodeSelect[float64](sel).run)
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := make(G.Nodes, len(in))
		if enc == nil {
			if o.diffs[0] {
				d, err := apply(codeScatterOp(sel), g)
				grads[0] = d
				return grads, err
			}
			return grads, nil
		}
		if !o.diffs[2] && !o.diffs[3] && !o.diffs[4] {
			return grads, nil
		}
		return enc.codeGrads(sel, g, o.diffs[2:])
	}
	return o
}

// codeSelect is the forward of codeOp for one dtype.
type codeSelect[T float] struct {
	sel     *selection
	rc      rowCrew
	a, vals []T
	scratch [rowBlocks]*kernels.TopKScratch[T] // each block of rows
	body    func(blk, lo, hi int)
}

func newCodeSelect[T float](sel *selection) *codeSelect[T] {
	c := &codeSelect[T]{sel: sel}
	for i := range rowBlocks {
		c.scratch[i] = kernels.NewTopKScratch[T](sel.n, sel.k)
	}
	c.body = func(blk, lo, hi int) {
		n, k, s := c.sel.n, c.sel.k, c.sel
		for i := lo; i < hi; i++ {
			row, cols, vals := c.a[i*n:(i+1)*n], s.cols[i*k:(i+1)*k], c.vals[i*k:(i+1)*k]
			m := 0
			if s.mask == nil || len(s.among) > 0 {
				m = kernels.TopK(cols, row, k, s.among, c.scratch[blk])
			}
			s.cnt[i] = int32(m)
			for j, col := range cols[:m] {
				vals[j] = row[col]
			}
			clear(vals[m:])
			clear(cols[m:])
		}
	}
	return c
}

func (c *codeSelect[T]) run(out *tensor.Dense, in []*tensor.Dense) error {
	rows := in[0].Shape()[0]
	s := c.sel
	s.resize(rows)
	if s.mask != nil {
		s.among = s.among[:0]
		for j, ok := range s.mask {
			if ok {
				s.among = append(s.among, int32(j))
			}
		}
	}
	c.a, c.vals = data[T](in[0]), data[T](out)
	c.rc.run(rows, len(c.a), c.body)
	c.a, c.vals = nil, nil
	c.sel.runs++
	return nil
}

// codeScatterOp returns the gradient in a of a code selected from a plain
// node: g [r, k] at the kept columns, 0 elsewhere.
func codeScatterOp(sel *selection) *kernelOp {
	name := uniqueName("TopKCodeGrad{%d}", sel.k)
	o := &kernelOp{name: name, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false}, diff: noSecondOrder(name)}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], sel.n}, nil }
	o.run = byDtype(codeExpandRun[float32](sel), codeExpandRun[float64](sel))
	return o
}

// codeExpandRun writes the dense matrix [r, n] of a code's slots (values,
// or their gradients) from input 0 [r, k].
func codeExpandRun[T float](sel *selection) runFunc {
	var (
		rc       rowCrew
		out, src []T
	)
	body := func(_, lo, hi int) {
		n, k := sel.n, sel.k
		for i := lo; i < hi; i++ {
			oi := out[i*n : (i+1)*n]
			clear(oi)
			for e := i * k; e < i*k+int(sel.cnt[i]); e++ {
				oi[sel.cols[e]] = src[e]
			}
		}
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, src = data[T](dst), data[T](in[0])
		rc.run(dst.Shape()[0], len(out), body)
		out, src = nil, nil
		return nil
	}
}

// Dense returns the matrix [r, n] that c codes: the kept values in their
// columns, 0 elsewhere (TopK's output, for watching and hooks). Its
// gradient passes back to the kept values.
func (b *Builder) Dense(c *Code) *Node {
	const name = "dense code"
	if c == nil {
		return b.fail(name, fmt.Errorf("nil code"))
	}
	sel := c.sel
	opName := uniqueName("DenseCode{%d}", sel.k)
	o := &kernelOp{name: opName, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{true}}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], sel.n}, nil }
	o.run = byDtype(codeExpandRun[float32](sel), codeExpandRun[float64](sel))
	o.diff = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) {
		gName := uniqueName("DenseCodeGrad{%d}", sel.k)
		d := &kernelOp{name: gName, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false}, diff: noSecondOrder(gName)}
		d.shape = func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], sel.k}, nil }
		d.run = byDtype(codeGatherRun[float32](sel), codeGatherRun[float64](sel))
		n, err := apply(d, g)
		return G.Nodes{n}, err
	}
	return b.apply(name, o, c.vals)
}

// codeGatherRun writes into [r, k] the entries of input 0 [r, n] at the
// code's kept columns, 0 in unused slots.
func codeGatherRun[T float](sel *selection) runFunc {
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, g := data[T](dst), data[T](in[0])
		n, k := sel.n, sel.k
		for i, c := range sel.cnt {
			for s := range k {
				e := i*k + s
				if s < int(c) {
					out[e] = g[i*n+int(sel.cols[e])]
				} else {
					out[e] = 0
				}
			}
		}
		return nil
	}
}

// CodeMatMul returns Dense(c)·w [r, d] for w [n, d], computed from the kept
// entries only: B·k·d multiply-adds instead of B·n·d, summed in the order
// (and, in float32, with the rounding) of [Builder.MatMul] on the dense
// matrix. Its gradients are sparse too: in the values, the dot products of
// the upstream gradient with the kept rows of w; in w, the kept rows only
// (the others are 0); both at once from one pass over the latents, which
// gathers each row of the upstream gradient once for the two.
func (b *Builder) CodeMatMul(c *Code, w *Node) *Node {
	const name = "code matmul"
	if c == nil {
		return b.fail(name, fmt.Errorf("nil code"))
	}
	if !b.ok(name, w) {
		return nil
	}
	sel := c.sel
	if w.Dims() != 2 || w.Shape()[0] != sel.n {
		return b.fail(name, fmt.Errorf("w of shape %v for a code of %d columns: want [%d, d]", w.Shape(), sel.n, sel.n))
	}
	opName := uniqueName("CodeMatMul{%d}", sel.k)
	o := &kernelOp{name: opName, arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{true, true}}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], in[1][1]}, nil }
	o.run = byDtype(codeMulRun[float32](sel), codeMulRun[float64](sel))
	o.diff = func(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil}
		if o.diffs[0] && o.diffs[1] {
			return codeMatMulGrads(sel, in, g)
		}
		if o.diffs[0] {
			gName := uniqueName("CodeMatMulGradVals{%d}", sel.k)
			d := &kernelOp{name: gName, arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{false, false}, diff: noSecondOrder(gName)}
			d.shape = func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], sel.k}, nil }
			d.run = byDtype(codeGradValsRun[float32](sel), codeGradValsRun[float64](sel))
			n, err := apply(d, g, in[1])
			if err != nil {
				return nil, err
			}
			grads[0] = n
		}
		if o.diffs[1] {
			gName := uniqueName("CodeMatMulGradW{%d}", sel.k)
			d := &kernelOp{name: gName, arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{false, false}, diff: noSecondOrder(gName)}
			d.shape = func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{sel.n, in[1][1]}, nil }
			d.run = byDtype(codeTMulRun[float32](sel), codeTMulRun[float64](sel))
			n, err := apply(d, in[0], g)
			if err != nil {
				return nil, err
			}
			grads[1] = n
		}
		return grads, nil
	}
	return b.apply(name, o, c.vals, w)
}

// codeMatMulGrads returns both gradients of a CodeMatMul over (vals, w),
// for the upstream gradient g, from one op: latent by latent, each row of g
// that keeps the latent is gathered once for the row of w's gradient and
// for the dot product with w's row, which a view hands on as the values'
// gradient.
func codeMatMulGrads(sel *selection, in G.Nodes, g *G.Node) (G.Nodes, error) {
	vals, w := in[0], in[1]
	rows, d := vals.Shape()[0], w.Shape()[1]
	dvals := tensor.New(tensor.Of(w.Dtype()), tensor.WithShape(rows, sel.k))
	name := uniqueName("CodeMatMulGrad{%d}", sel.k)
	op := &kernelOp{
		name: name, arity: 3, typ: hm.NewFnType(matType, matType, matType, matType),
		diffs: []bool{false, false, false}, diff: noSecondOrder(name),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{sel.n, d}, nil },
	}
	op.run = byDtype(codeMatMulGradRun[float32](sel, dvals), codeMatMulGradRun[float64](sel, dvals))
	dW, err := apply(op, vals, g, w)
	if err != nil {
		return nil, err
	}
	part := name + ".vals"
	view := &viewOp{
		kernelOp: &kernelOp{
			name: part, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false},
			shape: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{rows, sel.k}, nil },
			diff:  noSecondOrder(part),
		},
		value: func() *tensor.Dense { return dvals },
	}
	dv, err := G.ApplyOp(view, dW)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dv, dW}, nil
}

// codeMatMulGradRun writes w's gradient [n, d] into out and the values'
// into dvals, from the values (input 0), the upstream gradient g (input 1)
// and w (input 2), the latents split into rowBlocks fixed blocks.
func codeMatMulGradRun[T float](sel *selection, dvals *tensor.Dense) runFunc {
	var (
		rc                  rowCrew
		out, dv, vals, g, w []T
		start, ent          []int32
		d                   int
	)
	body := func(_, lo, hi int) {
		kernels.CodeTMulGrad(out, dv, lo, hi, vals, start, ent, sel.k, g, w, d)
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		k := sel.k
		if dvals.Size() != len(sel.cnt)*k {
			return fmt.Errorf("built for %d rows, run on %d", dvals.Shape()[0], len(sel.cnt))
		}
		out, dv, vals, g, w, d = data[T](dst), data[T](dvals), data[T](in[0]), data[T](in[1]), data[T](in[2]), in[2].Shape()[1]
		for i, c := range sel.cnt { // the slots no column view lists
			clear(dv[i*k+int(c) : (i+1)*k])
		}
		start, ent = sel.columns()
		rc.run(sel.n, len(vals)*d, body)
		out, dv, vals, g, w = nil, nil, nil, nil, nil
		return nil
	}
}

// codeMulRun is CodeMatMul's forward over the values (input 0) and w.
func codeMulRun[T float](sel *selection) runFunc {
	var (
		rc           rowCrew
		out, vals, w []T
	)
	body := func(_, lo, hi int) {
		k, d := sel.k, len(out)/len(sel.cnt)
		kernels.CodeMul(out[lo*d:hi*d], vals[lo*k:hi*k], sel.cols[lo*k:hi*k], sel.cnt[lo:hi], k, w, d)
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, vals, w = data[T](dst), data[T](in[0]), data[T](in[1])
		rc.run(len(sel.cnt), len(vals)*dst.Shape()[1], body)
		out, vals, w = nil, nil, nil
		return nil
	}
}

// codeGradValsRun is the gradient of CodeMatMul in the values, from the
// upstream gradient g (input 0) and w (input 1).
func codeGradValsRun[T float](sel *selection) runFunc {
	var (
		rc        rowCrew
		out, g, w []T
		d         int
	)
	body := func(_, lo, hi int) {
		k := sel.k
		kernels.CodeGradVals(out[lo*k:hi*k], g[lo*d:hi*d], sel.cols[lo*k:hi*k], sel.cnt[lo:hi], k, w, d)
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, g, w, d = data[T](dst), data[T](in[0]), data[T](in[1]), in[1].Shape()[1]
		rc.run(len(sel.cnt), len(out)*d, body)
		out, g, w = nil, nil, nil
		return nil
	}
}

// codeTMulRun is the gradient of CodeMatMul in w [n, d], from the values
// (input 0) and the upstream gradient g (input 1): latent j's row sums the
// rows of g that keep it, the latents split into rowBlocks fixed blocks.
func codeTMulRun[T float](sel *selection) runFunc {
	var (
		rc           rowCrew
		out, vals, g []T
		start, ent   []int32
		d            int
	)
	body := func(_, lo, hi int) {
		kernels.CodeTMul(out, lo, hi, vals, start, ent, sel.k, g, d)
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, vals, g, d = data[T](dst), data[T](in[0]), data[T](in[1]), in[1].Shape()[1]
		start, ent = sel.columns()
		rc.run(sel.n, len(vals)*d, body)
		out, vals, g = nil, nil, nil
		return nil
	}
}

// Encoder returns the pre-activations (x − center)·W + bias [r, n] of an
// SAE's encoder, for x [r, d], W [d, n], bias [n] and center [d], in one
// op with the kernels (and the bits) of AddRow(MatMul(SubRow(x, center),
// W), bias). A code selected from its output ([Builder.TopKCode]) sends
// its gradient straight into W, bias and center, reading only the kept
// entries; any other gradient of the output passes through densely, with
// the gradient in center taken as −W·(column sums) rather than through a
// product with W over every row. x is data: no gradient flows into it, and
// differentiating an encoder whose x depends on parameters is an error.
func (b *Builder) Encoder(x, w, bias, center *Node) *Node {
	const name = "encoder"
	if !b.ok(name, x, w, bias, center) {
		return nil
	}
	xs, ws, bs, cs := x.Shape(), w.Shape(), bias.Shape(), center.Shape()
	if len(xs) != 2 || len(ws) != 2 || len(bs) != 1 || len(cs) != 1 || xs[1] != ws[0] || bs[0] != ws[1] || cs[0] != xs[1] {
		return b.fail(name, fmt.Errorf("shapes x %v, W %v, bias %v, center %v: want [r, d], [d, n], [n], [d]", xs, ws, bs, cs))
	}
	enc := newEncoderOp(x, w, bias, center)
	for i, c := range enc.in {
		enc.diffs[i] = enc.diffs[i] && !b.fixed[c]
	}
	enc.xVaries = !b.fixed[x]
	n, err := G.ApplyOp(enc, enc.in...)
	return b.wrap(name, n, err, enc.in...)
}

// encoderOp is the op of an Encoder: it keeps its inputs' nodes, for the
// codes selected from its output, and x − center of the last run, for the
// gradients.
type encoderOp struct {
	*kernelOp
	in      []*Node // x, W, bias, center
	xc      *tensor.Dense
	xVaries bool // x depends on parameters: taking gradients is an error
}

// errNoGradInX is the error of differentiating an Encoder whose x depends
// on parameters.
var errNoGradInX = errors.New("Encoder: x depends on parameters, but no gradient flows into x (an encoder's input must be data)")

func newEncoderOp(x, w, bias, center *Node) *encoderOp {
	e := &encoderOp{in: []*Node{x, w, bias, center}}
	name := uniqueName("Encoder")
	e.kernelOp = &kernelOp{
		name: name, arity: 4, typ: hm.NewFnType(matType, matType, vecType, vecType, matType),
		diffs: []bool{false, true, true, true},
	}
	e.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || len(in[1]) != 2 || in[0][1] != in[1][0] {
			return nil, fmt.Errorf("%s: shapes %v, %v do not chain", name, in[0], in[1])
		}
		return tensor.Shape{in[0][0], in[1][1]}, nil
	}
	fwd := byDtype(encoderRun[float32](e), encoderRun[float64](e))
	e.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		if e.xc == nil || e.xc.Dtype() != out.Dtype() || !e.xc.Shape().Eq(in[0].Shape()) {
			e.xc = tensor.New(tensor.Of(out.Dtype()), tensor.WithShape(in[0].Shape()...))
		}
		return fwd(out, in)
	}
	e.diff = e.denseGrads
	return e
}

// encoderRun is the Encoder's forward: x − center into e.xc, the product
// with W, then the bias, each split over blocks of rows.
func encoderRun[T float](e *encoderOp) runFunc {
	var (
		rc                  = rowCrew{minSize: elemParallelMin}
		out, x, xc, c, bias []T
		scratch             = &kernels.Arena{}
		subtract            bool
	)
	body := func(_, lo, hi int) {
		if subtract {
			d := len(c)
			kernels.SubRow(xc[lo*d:hi*d], x[lo*d:hi*d], c)
			return
		}
		n := len(bias)
		kernels.BiasAct(out[lo*n:hi*n], out[lo*n:hi*n], bias, false)
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, x, xc, bias, c = data[T](dst), data[T](in[0]), data[T](e.xc), data[T](in[2]), data[T](in[3])
		rows := in[0].Shape()[0]
		subtract = true
		rc.run(rows, len(x), body)
		kernels.MatMul(out, xc, data[T](in[1]), in[0].Shape(), in[1].Shape(), false, false, scratch)
		subtract = false
		rc.run(rows, len(out), body)
		out, x, xc, bias, c = nil, nil, nil, nil, nil
		return nil
	}
}

// denseGrads is the Encoder's diff for a dense upstream gradient g [r, n]:
// (x − c)ᵀ·g in W, its column sums in bias, −W·(column sums) in center.
func (e *encoderOp) denseGrads(in G.Nodes, _, g *G.Node) (G.Nodes, error) {
	if e.xVaries {
		return nil, errNoGradInX
	}
	grads := make(G.Nodes, 4)
	if e.diffs[1] {
		name := uniqueName("EncoderGradW")
		d := &kernelOp{name: name, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{false}, diff: noSecondOrder(name)}
		d.shape = func(gs []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0].Shape()[1], gs[0][1]}, nil }
		d.run = byDtype(encoderGradWRun[float32](e), encoderGradWRun[float64](e))
		n, err := apply(d, g)
		if err != nil {
			return nil, err
		}
		grads[1] = n
	}
	if e.diffs[2] || e.diffs[3] {
		db, err := apply(colSumOp(false), g)
		if err != nil {
			return nil, err
		}
		if e.diffs[2] {
			grads[2] = db
		}
		if e.diffs[3] {
			if grads[3], err = apply(centerGradOp(), in[1], db); err != nil {
				return nil, err
			}
		}
	}
	return grads, nil
}

// encoderGradWRun writes (x − c)ᵀ·g, the forward's x − c by g (input 0).
func encoderGradWRun[T float](e *encoderOp) runFunc {
	scratch := &kernels.Arena{}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		kernels.MatMul(data[T](dst), data[T](e.xc), data[T](in[0]), e.xc.Shape(), in[0].Shape(), true, false, scratch)
		return nil
	}
}

// centerGradOp returns −W·db [d] for W [d, n] and db [n]: the gradient in
// center of (x − center)·W + bias, from the bias's gradient db.
func centerGradOp() *kernelOp {
	o := &kernelOp{
		name: "CenterGrad", arity: 2, typ: hm.NewFnType(matType, vecType, vecType),
		diffs: []bool{false, false}, diff: noSecondOrder("CenterGrad"),
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || len(in[1]) != 1 || in[0][1] != in[1][0] {
			return nil, fmt.Errorf("CenterGrad: shapes %v, %v: want [d, n] and [n]", in[0], in[1])
		}
		return tensor.Shape{in[0][0]}, nil
	}
	o.run = byDtype(centerGradRun[float32], centerGradRun[float64])
	return o
}

func centerGradRun[T float](dst *tensor.Dense, in []*tensor.Dense) error {
	centerGrad(data[T](dst), data[T](in[0]), data[T](in[1]))
	return nil
}

// centerGrad writes −W·db into out.
func centerGrad[T float](out, w, db []T) {
	n := len(db)
	for i := range out {
		out[i] = -kernels.Dot(w[i*n:(i+1)*n], db)
	}
}

// codeGrads returns the gradients in W, bias and center (those wanted) of
// a code sel selected from e's output, for the upstream gradient g [r, k]
// of its values: one op computes all three from the kept entries, W's as
// its output and the others through views.
func (e *encoderOp) codeGrads(sel *selection, g *G.Node, want []bool) (G.Nodes, error) {
	if e.xVaries {
		return nil, errNoGradInX
	}
	w := e.in[1]
	d, n := w.Shape()[0], w.Shape()[1]
	dt := w.Dtype()
	db := tensor.New(tensor.Of(dt), tensor.WithShape(n))
	dc := tensor.New(tensor.Of(dt), tensor.WithShape(d))
	name := uniqueName("TopKCodeEncoderGrad{%d}", sel.k)
	op := &kernelOp{
		name: name, arity: 2, typ: hm.NewFnType(matType, matType, matType),
		diffs: []bool{false, false}, diff: noSecondOrder(name),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return tensor.Shape{d, n}, nil },
	}
	op.run = byDtype(codeEncoderGradRun[float32](sel, e, db, dc), codeEncoderGradRun[float64](sel, e, db, dc))
	dW, err := apply(op, g, w)
	if err != nil {
		return nil, err
	}
	grads := G.Nodes{nil, nil, nil, nil, nil}
	if want[0] {
		grads[2] = dW
	}
	for i, t := range []*tensor.Dense{1: db, 2: dc} {
		if i == 0 || !want[i] {
			continue
		}
		part := fmt.Sprintf("%s.%s", name, []string{"", "bias", "center"}[i])
		view := &viewOp{
			kernelOp: &kernelOp{
				name: part, arity: 1, typ: hm.NewFnType(matType, vecType), diffs: []bool{false},
				shape: func([]tensor.Shape) (tensor.Shape, error) { return t.Shape().Clone(), nil },
				diff:  noSecondOrder(part),
			},
			value: func() *tensor.Dense { return t },
		}
		if grads[2+i], err = G.ApplyOp(view, dW); err != nil {
			return nil, err
		}
	}
	return grads, nil
}

// codeEncoderGradRun writes, from the upstream gradient g [r, k] (input 0)
// of the code's values and W (input 1): (x − c)ᵀ·g at the kept entries
// into out [d, n], g's column sums into db [n] and −W·db into dc [d].
func codeEncoderGradRun[T float](sel *selection, e *encoderOp, db, dc *tensor.Dense) runFunc {
	var (
		rc              rowCrew
		out, g, xc, dbv []T
		start, ent      []int32
		d, n            int
		tmp             [rowBlocks][]T
	)
	body := func(blk, lo, hi int) {
		if len(tmp[blk]) < kernels.CodeBlock*d {
			tmp[blk] = make([]T, kernels.CodeBlock*d)
		}
		kernels.CodeTMulT(out, dbv, lo, hi, g, start, ent, sel.k, xc, d, n, tmp[blk])
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		d, n = in[1].Shape()[0], in[1].Shape()[1]
		out, g, xc, dbv = data[T](dst), data[T](in[0]), data[T](e.xc), data[T](db)
		start, ent = sel.columns()
		rc.run(n, len(g)*d, body)
		centerGrad(data[T](dc), data[T](in[1]), dbv)
		out, g, xc, dbv = nil, nil, nil, nil
		return nil
	}
}
