package graph

import (
	"fmt"
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The sequence ops are checked on a batch of B = 2 sequences of T = 4 byte
// ids from a vocabulary of V = 5, embedded in d = 3 dimensions: activations
// are [B·T, d], row r being position r mod T of sequence r / T.
const seqB, seqT, seqV, seqD = 2, 4, 5, 3

// seqIDs repeats ids (3 four times, 0 twice) and never uses 2, whose
// embedding row must get a zero gradient.
var seqIDs = []int{0, 3, 3, 1, 4, 0, 3, 3}

// seqSource gives the token ids [B, T], their next-token targets [B, T]
// and one id per sequence, a column [B, 1]. ids, when set, replaces seqIDs
// (out-of-range ids for the error tests).
type seqSource struct{ ids []int }

func (s seqSource) Inputs() []Input {
	return []Input{{Name: "tokens", Kind: Int, Width: seqT}, {Name: "targets", Kind: Int, Width: seqT}, {Name: "col", Kind: Int, Width: 1}}
}

func (s seqSource) Fill(b *Batch) {
	ids := s.ids
	if ids == nil {
		ids = seqIDs
	}
	tok, tgt, col := b.Ints("tokens"), b.Ints("targets"), b.Ints("col")
	copy(tok, ids)
	for i := range tgt {
		tgt[i] = ids[(i+1)%len(ids)]
	}
	for i := range col {
		col[i] = ids[i*seqT+1]
	}
}

// seqTargets are the targets seqSource gives with seqIDs.
func seqTargets() []int {
	t := make([]int, len(seqIDs))
	for i := range t {
		t[i] = seqIDs[(i+1)%len(seqIDs)]
	}
	return t
}

// seqOneHot is the constant [len(ids), V] matrix of one-hot rows of ids.
func seqOneHot(b *Builder, ids []int) *Node {
	oh := make([]float64, len(ids)*seqV)
	for r, id := range ids {
		oh[r*seqV+id] = 1
	}
	return b.Const(oh, len(ids), seqV)
}

// seqModel is Σ f(params) ⊙ R with a fixed random R for an op f of this
// file (a loss op is the loss itself, scaled by 1.7 so that its upstream
// gradient is not 1). gorgonia builds the same function from Gorgonia's own
// ops instead, where they exist.
type seqModel struct {
	name     string
	gorgonia bool
}

func (m seqModel) Loss(b *Builder, in Inputs) []Term {
	const n = seqB * seqT
	tokens, targets := in.Node("tokens"), in.Node("targets")
	var out *Node
	switch m.name {
	case "embed":
		W := b.Param("W", Normal(1), seqV, seqD)
		out = pick(b, !m.gorgonia, func() *Node { return b.Embed(W, tokens) }, func() (*Node, error) {
			return G.Mul(seqOneHot(b, seqIDs), W)
		})
	case "embed column":
		W := b.Param("W", Normal(1), seqV, seqD)
		out = pick(b, !m.gorgonia, func() *Node { return b.Embed(W, in.Node("col")) }, func() (*Node, error) {
			return G.Mul(seqOneHot(b, []int{seqIDs[1], seqIDs[seqT+1]}), W)
		})
	case "add tiled":
		X, P := b.Param("X", Normal(1), n, seqD), b.Param("P", Normal(1), seqT, seqD)
		out = pick(b, !m.gorgonia, func() *Node { return b.AddTiled(X, P) }, func() (*Node, error) {
			return G.Add(X, G.Must(G.Concat(0, P, P)))
		})
	case "layer norm":
		const w = 4
		X, g, bias := b.Param("X", Normal(1), n, w), b.Param("g", Normal(1), w), b.Param("bias", Normal(1), w)
		out = pick(b, !m.gorgonia, func() *Node { return b.LayerNorm(X, g, bias, 1e-5) }, func() (*Node, error) {
			col := tensor.Shape{n, 1}
			mu := G.Must(G.Reshape(G.Must(G.Mean(X, 1)), col))
			c := G.Must(G.BroadcastSub(X, mu, nil, []byte{1}))
			v := G.Must(G.Reshape(G.Must(G.Mean(G.Must(G.Square(c)), 1)), col))
			sd := G.Must(G.Sqrt(G.Must(G.Add(v, b.Scalar(1e-5)))))
			xh := G.Must(G.BroadcastHadamardDiv(c, sd, nil, []byte{1}))
			row := tensor.Shape{1, w}
			scaled := G.Must(G.BroadcastHadamardProd(xh, G.Must(G.Reshape(g, row)), nil, []byte{0}))
			return G.BroadcastAdd(scaled, G.Must(G.Reshape(bias, row)), nil, []byte{0})
		})
	case "softmax cross entropy":
		logits := b.Param("logits", Normal(1), n, seqV)
		loss := pick(b, !m.gorgonia, func() *Node { return b.SoftmaxCrossEntropy(logits, targets) }, func() (*Node, error) {
			lse := G.Must(G.Log(G.Must(G.Sum(G.Must(G.Exp(logits)), 1))))
			picked := G.Must(G.Sum(G.Must(G.HadamardProd(logits, seqOneHot(b, seqTargets())))))
			return G.HadamardProd(G.Must(G.Sub(G.Must(G.Sum(lse)), picked)), b.Scalar(1.0/n))
		})
		return []Term{{Name: "loss", Node: b.Scale(loss, 1.7)}}
	case "gelu", "exp", "sigmoid", "solu", "log":
		init := Normal(1)
		if m.name == "log" {
			init = Uniform(0.5, 2)
		}
		A := b.Param("A", init, n, seqD)
		fused := map[string]func(*Node) *Node{"gelu": b.GELU, "exp": b.Exp, "sigmoid": b.Sigmoid, "solu": b.SoLU, "log": b.Log}[m.name]
		out = pick(b, !m.gorgonia, func() *Node { return fused(A) }, func() (*Node, error) {
			switch m.name {
			case "exp":
				return G.Exp(A)
			case "log":
				return G.Log(A)
			case "sigmoid":
				return G.Sigmoid(A)
			case "solu":
				e := G.Must(G.Exp(A))
				s := G.Must(G.BroadcastHadamardDiv(e, G.Must(G.Reshape(G.Must(G.Sum(e, 1)), tensor.Shape{n, 1})), nil, []byte{1}))
				return G.HadamardProd(A, s)
			}
			return nil, fmt.Errorf("no Gorgonia op for %s", m.name)
		})
	case "transformer":
		return []Term{{Name: "loss", Node: seqTransformer(b, tokens, targets)}}
	}
	sh := out.Shape()
	R := make([]float64, sh[0]*sh[1])
	rng := NewRand(99, 0)
	for i := range R {
		R[i] = rng.NormFloat64()
	}
	return []Term{{Name: "loss", Node: b.Sum(b.Mul(out, b.Const(R, sh[0], sh[1])))}}
}

// seqTransformer is a small pre-LN block over every op of this file: token
// and positional embeddings, a SoLU MLP with its LayerNorm, a GELU MLP, and
// the cross entropy of a tied unembedding (W_E gets gradients from both
// ends).
func seqTransformer(b *Builder, tokens, targets *Node) *Node {
	const m = 6
	WE, Wpos := b.Param("W_E", Normal(1), seqV, seqD), b.Param("W_pos", Normal(0.5), seqT, seqD)
	h := b.AddTiled(b.Embed(WE, tokens), Wpos) // [B·T, d]
	ln := b.LayerNorm(h, b.Param("ln1.g", Normal(1), seqD), b.Param("ln1.b", Normal(0.1), seqD), 1e-5)
	act := b.SoLU(b.MatMulT(ln, b.Param("W_in", Normal(1), m, seqD)))                              // [B·T, m]
	act = b.LayerNorm(act, b.Param("ln2.g", Normal(1), m), b.Param("ln2.b", Normal(0.1), m), 1e-5) // [B·T, m]
	h = b.Add(h, b.MatMulT(act, b.Param("W_out", Normal(0.5), seqD, m)))                           // [B·T, d]
	gate := b.Sigmoid(b.MatMulT(h, b.Param("W_gate", Normal(1), seqD, seqD)))                      // [B·T, d]
	h = b.Add(h, b.Mul(gate, b.GELU(b.MatMulT(h, b.Param("W_gelu", Normal(1), seqD, seqD)))))      // [B·T, d]
	h = b.Mul(h, b.Exp(b.Scale(b.Log(b.Sigmoid(h)), 0.1)))                                         // [B·T, d]
	return b.SoftmaxCrossEntropy(b.MatMulT(h, WE), targets)                                        // []
}

var seqOpNames = []string{"embed", "embed column", "add tiled", "layer norm", "softmax cross entropy", "gelu", "exp", "log", "sigmoid", "solu", "transformer"}

func TestSeqOpsGradCheck(t *testing.T) {
	for _, name := range seqOpNames {
		t.Run(name, func(t *testing.T) {
			res, err := GradCheckSource(seqModel{name: name}, seqSource{}, seqB, NewParamsOf(tensor.Float64, 7), 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("max relative error %.2g at %s[%d]", res.RelErr, res.Param, res.Index)
			if res.RelErr > 1e-6 {
				t.Errorf("gradient of %s[%d]: analytic %v, finite difference %v", res.Param, res.Index, res.Analytic, res.Numeric)
			}
		})
	}
}

// TestEmbedGradScatters checks the scatter-add: the gradient of Σ Embed(W,
// ids) in W counts each row's lookups.
func TestEmbedGradScatters(t *testing.T) {
	_, g, err := LossAndGradsSource(embedSum{}, seqSource{}, seqB, NewParamsOf(tensor.Float64, 1))
	if err != nil {
		t.Fatal(err)
	}
	count := make([]float64, seqV)
	for _, id := range seqIDs {
		count[id]++
	}
	for i, got := range g["W"] {
		if want := count[i/seqD]; got != want {
			t.Errorf("∂Σ Embed/∂W[%d][%d] = %v; want %v (lookups of id %d)", i/seqD, i%seqD, got, want, i/seqD)
		}
	}
}

type embedSum struct{}

func (embedSum) Loss(b *Builder, in Inputs) []Term {
	return []Term{{Name: "sum", Node: b.Sum(b.Embed(b.Param("W", Normal(1), seqV, seqD), in.Node("tokens")))}}
}

// TestSeqOpsMatchGorgonia compares losses and gradients with the same
// functions built from Gorgonia's ops, in both dtypes; GELU, which Gorgonia
// lacks, and the transformer compare float32 with float64.
func TestSeqOpsMatchGorgonia(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 2e-5
		}
		for _, name := range seqOpNames {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				ref, refDt := seqModel{name: name, gorgonia: true}, dt
				if name == "gelu" || name == "transformer" {
					if dt == tensor.Float64 {
						t.Skip("no Gorgonia reference; compared in float32 against float64")
					}
					ref, refDt = seqModel{name: name}, tensor.Float64
				}
				lf, gf, err := LossAndGradsSource(seqModel{name: name}, seqSource{}, seqB, NewParamsOf(dt, 5))
				if err != nil {
					t.Fatal(err)
				}
				lr, gr, err := LossAndGradsSource(ref, seqSource{}, seqB, NewParamsOf(refDt, 5))
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(lf-lr) > tol*math.Max(1, math.Abs(lr)) {
					t.Errorf("loss = %v; reference %v", lf, lr)
				}
				for p, g := range gr {
					for i := range g {
						if math.Abs(gf[p][i]-g[i]) > tol*math.Max(1, math.Abs(g[i])) {
							t.Errorf("∂loss/∂%s[%d] = %v; reference %v", p, i, gf[p][i], g[i])
						}
					}
				}
			})
		}
	}
}

// seqEval builds one node over fresh float64 parameters and returns its value
// after one forward run.
func seqEval(t *testing.T, dt tensor.Dtype, build func(b *Builder) *Node) []float64 {
	t.Helper()
	b := NewBuilder(NewParamsOf(dt, 1))
	n := build(b)
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if d, ok := n.Value().(*tensor.Dense); ok && n.Dims() > 0 {
		return Values(d)
	}
	return []float64{scalarOf(n.Value())}
}

// seqInts returns an int input node of the given shape holding ids.
func seqInts(b *Builder, ids []int, shape ...int) *Node {
	t := tensor.New(tensor.WithBacking(append([]int(nil), ids...)), tensor.WithShape(shape...))
	var n *Node
	if len(shape) == 1 {
		n = G.NewVector(b.g, tensor.Int, G.WithShape(shape...), G.WithValue(t))
	} else {
		n = G.NewMatrix(b.g, tensor.Int, G.WithShape(shape...), G.WithValue(t))
	}
	b.fixed[n] = true
	return n
}

// seqClose reports whether got matches want entry by entry within the
// relative tolerance tol; infinities must match exactly, NaN only NaN.
func seqClose(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		switch g := got[i]; {
		case math.IsNaN(w) || math.IsInf(w, 0):
			if !(math.IsNaN(w) && math.IsNaN(g)) && g != w {
				return false
			}
		case !(math.Abs(g-w) <= tol*math.Max(1, math.Abs(w))):
			return false
		}
	}
	return true
}

func TestSeqOpsForward(t *testing.T) {
	W := []float64{0, 1, 10, 11, 20, 21, 30, 31} // [4, 2], row i is (10i, 10i+1)
	ln := func(x []float64, d int, g, bias []float64, eps float64) []float64 {
		out := make([]float64, len(x))
		for r := 0; r < len(x); r += d {
			var mu, v float64
			for _, u := range x[r : r+d] {
				mu += u / float64(d)
			}
			for _, u := range x[r : r+d] {
				v += (u - mu) * (u - mu) / float64(d)
			}
			for j := range d {
				out[r+j] = (x[r+j]-mu)/math.Sqrt(v+eps)*g[j] + bias[j]
			}
		}
		return out
	}
	xent := func(logits []float64, v int, targets []int) float64 {
		var total float64
		for r, t := range targets {
			row := logits[r*v : (r+1)*v]
			m := row[0]
			for _, u := range row {
				m = max(m, u)
			}
			var s float64
			for _, u := range row {
				s += math.Exp(u - m)
			}
			total += m + math.Log(s) - row[t]
		}
		return total / float64(len(targets))
	}
	solu := func(x []float64, d int) []float64 {
		out := make([]float64, len(x))
		for r := 0; r < len(x); r += d {
			m := x[r]
			for _, u := range x[r : r+d] {
				m = max(m, u)
			}
			var s float64
			for _, u := range x[r : r+d] {
				s += math.Exp(u - m)
			}
			for j := r; j < r+d; j++ {
				out[j] = x[j] * math.Exp(x[j]-m) / s
			}
		}
		return out
	}
	lnX := []float64{1, 2, 3, 4, -5, 0.5, 7, 2e3, 1e3, 1e3, 1e3, 1e3 + 0.5}
	lnG, lnB := []float64{1.5, -1, 0.5, 2}, []float64{0.1, 0, -0.2, 3}
	logits := []float64{0, 0, 0, 1000, 0, -1000, -1000, 1000, 999, 2, -3, 0.5}
	tests := []struct {
		name  string
		build func(b *Builder) *Node
		want  []float64
		tol   float64 // float64 tolerance; float32 runs use 1e-5 (or this, if larger)
	}{
		{"embed matrix ids", func(b *Builder) *Node { return b.Embed(b.Const(W, 4, 2), seqInts(b, []int{2, 0, 2, 3}, 2, 2)) },
			[]float64{20, 21, 0, 1, 20, 21, 30, 31}, 0},
		{"embed vector ids", func(b *Builder) *Node { return b.Embed(b.Const(W, 4, 2), seqInts(b, []int{3, 3, 1}, 3)) },
			[]float64{30, 31, 30, 31, 10, 11}, 0},
		{"embed column ids", func(b *Builder) *Node { return b.Embed(b.Const(W, 4, 2), seqInts(b, []int{1, 0}, 2, 1)) },
			[]float64{10, 11, 0, 1}, 0},
		{"add tiled", func(b *Builder) *Node {
			return b.AddTiled(b.Const([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 6, 2), b.Const([]float64{100, 200, 300, 400}, 2, 2))
		}, []float64{101, 202, 303, 404, 105, 206, 307, 408, 109, 210, 311, 412}, 0},
		{"layer norm", func(b *Builder) *Node { return b.LayerNorm(b.Const(lnX, 3, 4), b.Const(lnG), b.Const(lnB), 1e-5) },
			ln(lnX, 4, lnG, lnB, 1e-5), 1e-12},
		{"cross entropy of zero logits is log V", func(b *Builder) *Node {
			return b.SoftmaxCrossEntropy(b.Const(make([]float64, 12), 4, 3), seqInts(b, []int{0, 1, 2, 1}, 2, 2))
		}, []float64{math.Log(3)}, 1e-15},
		{"cross entropy of logits ±1000", func(b *Builder) *Node {
			return b.SoftmaxCrossEntropy(b.Const(logits, 4, 3), seqInts(b, []int{0, 1, 2, 1}, 4))
		}, []float64{xent(logits, 3, []int{0, 1, 2, 1})}, 1e-12},
		{"gelu", func(b *Builder) *Node { return b.GELU(b.Const([]float64{-1, 0, 1, 2, -3, 10}, 2, 3)) },
			// torch.nn.functional.gelu, exact form
			[]float64{-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416, -0.00404969409489031, 10}, 1e-15},
		{"exp", func(b *Builder) *Node { return b.Exp(b.Const([]float64{0, 1, -2, 3}, 2, 2)) },
			[]float64{1, math.E, math.Exp(-2), math.Exp(3)}, 1e-15},
		{"log, −Inf at 0, NaN below", func(b *Builder) *Node { return b.Log(b.Const([]float64{1, math.E, 0, -1}, 2, 2)) },
			[]float64{0, 1, math.Inf(-1), math.NaN()}, 1e-15},
		{"sigmoid at ±1000", func(b *Builder) *Node { return b.Sigmoid(b.Const([]float64{0, 1, -1000, 1000}, 2, 2)) },
			[]float64{0.5, 1 / (1 + math.Exp(-1)), 0, 1}, 1e-15},
		{"solu", func(b *Builder) *Node {
			return b.SoLU(b.Const([]float64{1, 2, 3, 1000, 999, -1000, 0, 0, 0}, 3, 3))
		}, solu([]float64{1, 2, 3, 1000, 999, -1000, 0, 0, 0}, 3), 1e-12},
	}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, tc := range tests {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				tol := tc.tol
				if dt == tensor.Float32 {
					tol = max(tol, 1e-5)
				}
				if got := seqEval(t, dt, tc.build); !seqClose(got, tc.want, tol) {
					t.Errorf("got %v; want %v", got, tc.want)
				}
			})
		}
	}
}

// TestLayerNormStandardises checks that with gain 1 and bias 0 every row
// has mean 0 and variance 1 − eps/(σ² + eps).
func TestLayerNormStandardises(t *testing.T) {
	const rows, d, eps = 5, 7, 1e-5
	rng := NewRand(3, 0)
	x := make([]float64, rows*d)
	for i := range x {
		x[i] = 3*rng.NormFloat64() + float64(i/d)
	}
	y := seqEval(t, tensor.Float64, func(b *Builder) *Node {
		return b.LayerNorm(b.Const(x, rows, d), b.Const(repeat(1, d)), b.Const(repeat(0, d)), eps)
	})
	for r := range rows {
		var mu, v, xm, xv float64
		for j := range d {
			mu += y[r*d+j] / d
			xm += x[r*d+j] / d
		}
		for j := range d {
			v += (y[r*d+j] - mu) * (y[r*d+j] - mu) / d
			xv += (x[r*d+j] - xm) * (x[r*d+j] - xm) / d
		}
		if want := 1 - eps/(xv+eps); math.Abs(mu) > 1e-14 || math.Abs(v-want) > 1e-12 {
			t.Errorf("row %d: mean %v, variance %v; want 0 and %v", r, mu, v, want)
		}
	}
}

// TestSeqOpsAllocateNothing runs the training graph of the transformer
// twice and checks that no op of this package reallocated its output, and
// that every kernel run (forward and gradient) allocates nothing.
func TestSeqOpsAllocateNothing(t *testing.T) {
	seen := opsAllocateNothing(t, &capturedBuilder{}, seqSource{}, seqB)
	for _, want := range []string{"Embed", "EmbedGrad", "AddTiled", "TileSum", "LayerNorm", "LayerNormGradX", "LayerNormGradGain",
		"SoLU", "SoLUGrad", "GELU", "GELUGrad", "Sigmoid", "SigmoidGrad", "Exp", "ExpGrad", "Log", "LogGrad",
		"SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"} {
		if !seen[want] {
			t.Errorf("op %s is not in the transformer's training graph", want)
		}
	}
}

// opsAllocateNothing compiles the float32 training graph of m on one batch
// of src, runs it twice and checks that no op of this package reallocated
// its output on the second run and that every kernel run (forward and
// gradient) allocates nothing. It returns the names of the ops it saw, up
// to their first "{" or "#".
func opsAllocateNothing(t *testing.T, m Model, src Source, rows int) map[string]bool {
	t.Helper()
	var b *Builder
	src = replay(src, rows)
	prog, err := compile(keepBuilder{m, &b}, src, NewParamsOf(tensor.Float32, 1), rows, true)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.vm.Close()
	type rec struct {
		op  *kernelOp
		run runFunc
		in  []*tensor.Dense
	}
	var recs []*rec
	for _, n := range b.Graph().AllNodes() {
		var o *kernelOp
		switch op := n.Op().(type) {
		case *kernelOp:
			o = op
		case *encoderOp:
			o = op.kernelOp
		default:
			continue
		}
		r := &rec{op: o, run: o.run}
		o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
			r.in = append(r.in[:0], in...)
			return r.run(out, in)
		}
		recs = append(recs, r)
	}
	if _, err := prog.run(src); err != nil {
		t.Fatal(err)
	}
	bufs := make([]*tensor.Dense, len(recs))
	for i, r := range recs {
		bufs[i] = r.op.buf
	}
	if _, err := prog.run(src); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, r := range recs {
		name := r.op.name
		seen[strings.FieldsFunc(name, func(r rune) bool { return r == '{' || r == '#' })[0]] = true
		if r.op.buf != bufs[i] {
			t.Errorf("%s: output buffer reallocated on the second run", name)
		}
		if r.in == nil {
			t.Errorf("%s: did not run", name)
			continue
		}
		if a := testing.AllocsPerRun(3, func() { _ = r.run(r.op.buf, r.in) }); a != 0 {
			t.Errorf("%s: kernel allocates %v times per run; want 0", name, a)
		}
	}
	return seen
}

// keepBuilder is a model that records the builder of its graph.
type keepBuilder struct {
	Model
	b **Builder
}

func (k keepBuilder) Loss(b *Builder, in Inputs) []Term {
	*k.b = b
	return k.Model.Loss(b, in)
}

// capturedBuilder is the transformer model, keeping its builder.
type capturedBuilder struct{ b *Builder }

func (c *capturedBuilder) Loss(b *Builder, in Inputs) []Term {
	c.b = b
	return []Term{{Name: "loss", Node: seqTransformer(b, in.Node("tokens"), in.Node("targets"))}}
}

func TestSeqOpsBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *Builder) *Node
		want  string
	}{
		{"embed float ids", func(b *Builder) *Node { return b.Embed(b.Const(make([]float64, 6), 3, 2), b.Const([]float64{0, 1})) }, "embed: Embed: indices of dtype float64: want int"},
		{"embed vector W", func(b *Builder) *Node { return b.Embed(b.Const(make([]float64, 6)), seqInts(b, []int{0}, 1)) }, "embed: Embed: W of shape (6)"},
		{"add tiled period", func(b *Builder) *Node {
			return b.AddTiled(b.Const(make([]float64, 10), 5, 2), b.Const(make([]float64, 4), 2, 2))
		}, "AddTiled: shapes (5, 2), (2, 2)"},
		{"add tiled width", func(b *Builder) *Node {
			return b.AddTiled(b.Const(make([]float64, 8), 4, 2), b.Const(make([]float64, 6), 2, 3))
		}, "AddTiled: shapes (4, 2), (2, 3)"},
		{"layer norm gain", func(b *Builder) *Node {
			return b.LayerNorm(b.Const(make([]float64, 8), 4, 2), b.Const(make([]float64, 3)), b.Const(make([]float64, 2)), 1e-5)
		}, "LayerNorm: shapes (4, 2), (3), (2)"},
		{"layer norm eps", func(b *Builder) *Node {
			return b.LayerNorm(b.Const(make([]float64, 8), 4, 2), b.Const(make([]float64, 2)), b.Const(make([]float64, 2)), 0)
		}, "LayerNorm: eps 0"},
		{"cross entropy targets", func(b *Builder) *Node {
			return b.SoftmaxCrossEntropy(b.Const(make([]float64, 8), 4, 2), seqInts(b, []int{0, 1, 0}, 3))
		}, "SoftmaxCrossEntropy: shapes (4, 2), (3)"},
		{"cross entropy float targets", func(b *Builder) *Node {
			return b.SoftmaxCrossEntropy(b.Const(make([]float64, 8), 4, 2), b.Const(make([]float64, 4)))
		}, "softmax cross entropy: SoftmaxCrossEntropy: indices of dtype float64"},
		{"gelu of a vector", func(b *Builder) *Node { return b.GELU(b.Const(make([]float64, 3))) }, "gelu"},
		{"solu of a vector", func(b *Builder) *Node { return b.SoLU(b.Const(make([]float64, 3))) }, "solu"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(NewParamsOf(tensor.Float64, 1))
			if n := tc.build(b); n != nil || b.Err() == nil || !strings.Contains(b.Err().Error(), tc.want) {
				t.Errorf("Err() = %v; want an error containing %q", b.Err(), tc.want)
			}
		})
	}
}

func TestSeqOpsRunErrors(t *testing.T) {
	tests := []struct {
		name string
		ids  []int
		want string
	}{
		{"id = V", []int{0, 1, 2, 3, 4, 5, 0, 1}, "Embed: id 5 at position 5: outside the vocabulary [0, 5)"},
		{"negative id", []int{0, 1, -1, 3, 4, 0, 0, 1}, "Embed: id -1 at position 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := LossAndGradsSource(seqModel{name: "embed"}, seqSource{ids: tc.ids}, seqB, NewParamsOf(tensor.Float64, 1))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v; want one containing %q", err, tc.want)
			}
		})
	}
	// Targets are the ids shifted by one; the logits have V columns.
	_, _, err := LossAndGradsSource(seqModel{name: "softmax cross entropy"}, seqSource{ids: []int{0, 7, 1, 1, 1, 1, 1, 1}}, seqB, NewParamsOf(tensor.Float32, 1))
	if want := "SoftmaxCrossEntropy: target 7 at row 0: outside the classes [0, 5)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("cross entropy with target 7: err = %v; want one containing %q", err, want)
	}
}

// TestSeqTransformerTrains trains the small block through Train (int
// inputs, Adam) on its one batch: the next-token loss must fall tenfold.
func TestSeqTransformerTrains(t *testing.T) {
	hist, err := Train(t.Context(), &capturedBuilder{}, seqSource{}, NewParams(2), Config{Steps: 300, Batch: seqB, LR: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	first, last := hist.Records[0].Terms[0], hist.Last()[0]
	t.Logf("cross entropy %.3f -> %.3f", first, last)
	if !(last < 0.1*first) {
		t.Errorf("cross entropy %.3f -> %.3f; want a tenfold drop", first, last)
	}
}

// byteSource gives B sequences of T pseudo-random bytes and their
// next-byte targets.
type byteSource struct{ t int }

func (s byteSource) Inputs() []Input {
	return []Input{{Name: "tokens", Kind: Int, Width: s.t}, {Name: "targets", Kind: Int, Width: s.t}}
}

func (s byteSource) Fill(b *Batch) {
	tok, tgt := b.Ints("tokens"), b.Ints("targets")
	for i := range tok {
		tok[i] = (i * 131) % 256
		tgt[i] = (i*131 + 7) % 256
	}
}

// byteModel is one byte-level pre-LN MLP block: embeddings, LayerNorm,
// GELU MLP, LayerNorm, tied unembedding, cross entropy.
type byteModel struct{ t, d int }

func (m byteModel) Loss(b *Builder, in Inputs) []Term {
	WE := b.Param("W_E", Normal(0.02), 256, m.d)
	h := b.AddTiled(b.Embed(WE, in.Node("tokens")), b.Param("W_pos", Normal(0.02), m.t, m.d)) // [B·T, d]
	ln := b.LayerNorm(h, b.Param("ln1.g", Full(1), m.d), b.Param("ln1.b", Zeros, m.d), 1e-5)
	h = b.Add(h, b.MatMulT(b.GELU(b.MatMulT(ln, b.Param("W_in", Normal(0.02), 4*m.d, m.d))), b.Param("W_out", Normal(0.02), m.d, 4*m.d)))
	ln = b.LayerNorm(h, b.Param("lnf.g", Full(1), m.d), b.Param("lnf.b", Zeros, m.d), 1e-5)
	return []Term{{Name: "loss", Node: b.SoftmaxCrossEntropy(b.MatMulT(ln, WE), in.Node("targets"))}}
}

// BenchmarkSeqStep is one training step of byteModel at B = 8, T = 32,
// d = 64 (float32): forward, backward and Adam.
func BenchmarkSeqStep(b *testing.B) {
	tr, err := NewTrainer(byteModel{t: 32, d: 64}, byteSource{t: 32}, NewParams(1), Config{Steps: 1 << 30, Batch: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
}
