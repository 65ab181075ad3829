package graph

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/toymodels/superposition/graph/internal/kernels"
	"gorgonia.org/tensor"
)

// codeSize is the shape of a codeModel: x [rows, d], latents n, k kept, a
// decoder to out columns.
type codeSize struct{ rows, d, n, k, out int }

// smallCode fits sparseBatch (30 values, 5 columns).
var smallCode = codeSize{rows: 6, d: 5, n: 8, k: 3, out: 4}

var codeMask = []bool{true, false, true, true, false, true, false, true}

// codeModel is Σ f(params) ⊙ R for the code ops, R fixed and random; with
// dense set, the same function built from TopK, MaskedTopK, MatMul, SubRow
// and AddRow.
type codeModel struct {
	name  string
	dense bool
	size  codeSize
}

var codeOpNames = []string{"dense code", "code matmul", "masked code matmul", "code matmul, fixed decoder", "code matmul of data",
	"encoder", "encoder code", "encoder two codes", "encoder code and dense"}

func (m codeModel) Loss(b *Builder, in Inputs) []Term {
	s := m.size
	x := in.X()
	A := func() *Node { return b.Param("A", Normal(1), s.rows, s.n) }
	W := func() *Node { return b.Param("W", Normal(1), s.d, s.n) }
	bias := func() *Node { return b.Param("bias", Normal(0.3), s.n) }
	c := func() *Node { return b.Param("c", Normal(0.3), s.d) }
	Wd := func() *Node { return b.Param("Wd", Normal(1), s.n, s.out) }
	mask := codeMask
	if len(mask) != s.n {
		mask = make([]bool, s.n)
		for j := range mask {
			mask[j] = j%3 != 1
		}
	}
	pre := func() *Node {
		W, bias, c := W(), bias(), c() // created in this order in both versions
		if m.dense {
			return b.AddRow(b.MatMul(b.SubRow(x, c), W), bias)
		}
		return b.Encoder(x, W, bias, c)
	}
	// decode is TopK(a)·Wd, or MaskedTopK's when masked.
	decode := func(a *Node, k int, masked bool) *Node {
		switch {
		case m.dense && masked:
			return b.MatMul(b.MaskedTopK(a, k, mask), Wd())
		case m.dense:
			return b.MatMul(b.TopK(a, k), Wd())
		case masked:
			return b.CodeMatMul(b.MaskedTopKCode(a, k, mask), Wd())
		}
		return b.CodeMatMul(b.TopKCode(a, k), Wd())
	}
	var terms []*Node
	switch m.name {
	case "dense code":
		if m.dense {
			terms = append(terms, b.TopK(A(), s.k))
		} else {
			terms = append(terms, b.Dense(b.TopKCode(A(), s.k)))
		}
	case "code matmul":
		terms = append(terms, decode(A(), s.k, false))
	case "masked code matmul":
		terms = append(terms, decode(A(), s.k-1, true))
	case "code matmul, fixed decoder": // a gradient in the values only
		rng := NewRand(98, 0)
		w := make([]float64, s.n*s.out)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		fixed := b.Const(w, s.n, s.out)
		if m.dense {
			terms = append(terms, b.MatMul(b.TopK(A(), s.k), fixed))
		} else {
			terms = append(terms, b.CodeMatMul(b.TopKCode(A(), s.k), fixed))
		}
	case "code matmul of data": // a gradient in the decoder only
		Wx := b.Param("Wx", Normal(1), s.d, s.out)
		if m.dense {
			terms = append(terms, b.MatMul(b.TopK(x, 2), Wx))
		} else {
			terms = append(terms, b.CodeMatMul(b.TopKCode(x, 2), Wx))
		}
	case "encoder":
		terms = append(terms, pre())
	case "encoder code":
		terms = append(terms, decode(pre(), s.k, false))
	case "encoder two codes": // AuxK's shape: two codes of one encoder, one decoder
		p := pre()
		terms = append(terms, b.Add(decode(p, s.k, false), decode(p, s.k-1, true)))
	case "encoder code and dense": // the pre-activations also used densely
		p := pre()
		terms = append(terms, decode(p, s.k, false), p)
	}
	rng := NewRand(99, 0)
	var out []Term
	for _, t := range terms {
		sh := t.Shape()
		R := make([]float64, sh[0]*sh[1])
		for i := range R {
			R[i] = rng.NormFloat64()
		}
		out = append(out, Term{Name: "loss", Node: b.Sum(b.Mul(t, b.Const(R, sh[0], sh[1])))})
	}
	return out
}

// numericGrads returns the central differences of m's total loss at x in
// every parameter entry of p (float64).
func numericGrads(t *testing.T, m Model, x []float64, width int, p *Params, eps float64) map[string][]float64 {
	t.Helper()
	_, g, err := LossAndGrads(m, x, width, p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for name := range g {
		w := p.Tensor(name).Float64s()
		out[name] = make([]float64, len(w))
		for i := range w {
			orig := w[i]
			w[i] = orig + eps
			up, _, err := LossAndGrads(m, x, width, p)
			if err != nil {
				t.Fatal(err)
			}
			w[i] = orig - eps
			down, _, err := LossAndGrads(m, x, width, p)
			if err != nil {
				t.Fatal(err)
			}
			w[i] = orig
			out[name][i] = (up - down) / (2 * eps)
		}
	}
	return out
}

// TestCodeOpsGradCheck compares the code ops' gradients, in float64 and in
// float32, with central differences of the float64 loss.
func TestCodeOpsGradCheck(t *testing.T) {
	x := sparseBatch()
	for _, name := range codeOpNames {
		m := codeModel{name: name, size: smallCode}
		num := numericGrads(t, m, x, smallCode.d, NewParamsOf(tensor.Float64, 5), 1e-6)
		for _, tc := range []struct {
			dt  tensor.Dtype
			tol float64
		}{{tensor.Float64, 1e-6}, {tensor.Float32, 1e-4}} {
			t.Run(name+"/"+tc.dt.String(), func(t *testing.T) {
				_, got, err := LossAndGrads(m, x, smallCode.d, NewParamsOf(tc.dt, 5))
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(num) {
					t.Fatalf("gradients in %d parameters; want %d", len(got), len(num))
				}
				for p, want := range num {
					for i, w := range want {
						if g := got[p][i]; !(math.Abs(g-w) <= tc.tol*math.Max(1, math.Abs(w))) {
							t.Errorf("∂loss/∂%s[%d] = %v; finite difference %v", p, i, g, w)
						}
					}
				}
			})
		}
	}
}

// TestCodeOpsMatchDense compares losses and gradients with the same
// functions built from the dense ops (TopK, MaskedTopK, MatMul, SubRow,
// AddRow).
func TestCodeOpsMatchDense(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		for _, name := range codeOpNames {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				ls, gs, err := LossAndGrads(codeModel{name: name, size: smallCode}, sparseBatch(), smallCode.d, NewParamsOf(dt, 5))
				if err != nil {
					t.Fatal(err)
				}
				ld, gd, err := LossAndGrads(codeModel{name: name, dense: true, size: smallCode}, sparseBatch(), smallCode.d, NewParamsOf(dt, 5))
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(ls-ld) > tol*math.Max(1, math.Abs(ld)) {
					t.Errorf("loss = %v; dense %v", ls, ld)
				}
				for p, g := range gd {
					for i := range g {
						if math.Abs(gs[p][i]-g[i]) > tol*math.Max(1, math.Abs(g[i])) {
							t.Errorf("∂loss/∂%s[%d] = %v; dense %v", p, i, gs[p][i], g[i])
						}
					}
				}
			})
		}
	}
}

// largeCode is big enough for every code op to split its work over the
// cores.
var largeCode = codeSize{rows: 96, d: 24, n: 512, k: 16, out: 40}

func largeBatch() []float64 {
	rng := NewRand(4, 0)
	x := make([]float64, largeCode.rows*largeCode.d)
	for i := range x {
		x[i] = math.Max(rng.NormFloat64(), 0)
	}
	return x
}

// TestCodeOpsBitIdenticalAcrossGOMAXPROCS: the work is split into fixed
// blocks, every sum over rows kept in one of them, so losses and gradients
// must not change by a bit with the number of cores.
func TestCodeOpsBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	x := largeBatch()
	for _, name := range []string{"encoder two codes", "encoder code and dense"} {
		var want map[string][]float64
		var wantLoss float64
		for _, procs := range []int{1, 4, 3} {
			runtime.GOMAXPROCS(procs)
			loss, g, err := LossAndGrads(codeModel{name: name, size: largeCode}, x, largeCode.d, NewParamsOf(tensor.Float32, 2))
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want, wantLoss = g, loss
				continue
			}
			if loss != wantLoss {
				t.Errorf("%s: loss %v with GOMAXPROCS %d; %v with 1", name, loss, procs, wantLoss)
			}
			for p, w := range want {
				for i := range w {
					if math.Float64bits(g[p][i]) != math.Float64bits(w[i]) {
						t.Fatalf("%s: ∂loss/∂%s[%d] = %v with GOMAXPROCS %d; %v with 1", name, p, i, g[p][i], procs, w[i])
					}
				}
			}
		}
	}
}

// TestCodeOpsDecodeIsBitIdentical: CodeMatMul sums in the order and with
// the rounding of MatMul's zero-skipping loops over the dense matrix, so
// the float32 reconstruction and the decoder's gradient are the dense
// ones to the bit.
func TestCodeOpsDecodeIsBitIdentical(t *testing.T) {
	src := FromFeatures(fixedSource{width: largeCode.d, x: largeBatch()})
	run := func(dense bool) (dec, grad []float64) {
		prog, err := compile(decodeModel{dense}, src, NewParamsOf(tensor.Float32, 2), largeCode.rows, true)
		if err != nil {
			t.Fatal(err)
		}
		defer prog.vm.Close()
		if _, err := prog.run(src); err != nil {
			t.Fatal(err)
		}
		for i, name := range prog.paramNames {
			if name == "Wd" {
				grad = Values(prog.gradTensors()[i])
			}
		}
		return Values(prog.watched("dec")), grad
	}
	sd, sg := run(false)
	dd, dg := run(true)
	for _, c := range []struct {
		name        string
		sparse, dns []float64
	}{{"decoder output", sd, dd}, {"∂/∂Wd", sg, dg}} {
		for i := range c.dns {
			if math.Float64bits(c.sparse[i]) != math.Float64bits(c.dns[i]) {
				t.Fatalf("%s[%d] = %v; dense %v", c.name, i, c.sparse[i], c.dns[i])
			}
		}
	}
}

// decodeModel is Σ (TopK(pre)·Wd) ⊙ R of largeCode, watching the product.
type decodeModel struct{ dense bool }

func (m decodeModel) Loss(b *Builder, in Inputs) []Term {
	s := largeCode
	pre := b.AddRow(b.MatMul(b.SubRow(in.X(), b.Param("c", Normal(0.3), s.d)), b.Param("W", Normal(1), s.d, s.n)), b.Param("bias", Normal(0.3), s.n))
	Wd := b.Param("Wd", Normal(1), s.n, s.out)
	var dec *Node
	if m.dense {
		dec = b.MatMul(b.TopK(pre, s.k), Wd)
	} else {
		dec = b.CodeMatMul(b.TopKCode(pre, s.k), Wd)
	}
	b.Watch("dec", dec)
	rng := NewRand(99, 0)
	R := make([]float64, s.rows*s.out)
	for i := range R {
		R[i] = rng.NormFloat64()
	}
	return []Term{{Name: "loss", Node: b.Sum(b.Mul(dec, b.Const(R, s.rows, s.out)))}}
}

func TestCodeOpsAllocateNothing(t *testing.T) {
	seen := opsAllocateNothing(t, codeModel{name: "encoder two codes", size: largeCode}, FromFeatures(fixedSource{width: largeCode.d, x: largeBatch()}), largeCode.rows)
	for _, want := range []string{"Encoder", "TopKCode", "CodeMatMul", "CodeMatMulGrad", "TopKCodeEncoderGrad"} {
		if !seen[want] {
			t.Errorf("op %s is not in the graph of two codes of an encoder: %v", want, seen)
		}
	}
	src := FromFeatures(fixedSource{width: largeCode.d, x: largeBatch()})
	for _, tc := range []struct{ model, op string }{{"code matmul, fixed decoder", "CodeMatMulGradVals"}, {"code matmul of data", "CodeMatMulGradW"}} {
		if seen := opsAllocateNothing(t, codeModel{name: tc.model, size: largeCode}, src, largeCode.rows); !seen[tc.op] {
			t.Errorf("op %s is not in the graph of %s: %v", tc.op, tc.model, seen)
		}
	}
}

func TestTopKCodeKeepsTopK(t *testing.T) {
	tests := []struct {
		name string
		a    []float64
		n, k int
		mask []bool
	}{
		{"two of four", []float64{0.1, 0.5, 0.3, 0.2}, 4, 2, nil},
		{"negatives never kept", []float64{-1, 0.5, -2, -3}, 4, 2, nil},
		{"ties go to the lower column", []float64{0.3, 0.3, 0.3, 0.1}, 4, 2, nil},
		{"per row", []float64{1, 2, 3, 6, 5, 4}, 3, 1, nil},
		{"k beyond the columns", []float64{1, 2, 3, 6, 5, 4}, 3, 5, nil},
		{"mask", []float64{4, 3, 2, 1}, 4, 2, []bool{false, true, false, true}},
		{"empty mask", []float64{4, 3, 2, 1}, 4, 2, []bool{false, false, false, false}},
		{"NaN never kept", []float64{math.NaN(), 1, math.NaN(), 2}, 4, 3, nil},
		{"zero never kept", []float64{0, math.Copysign(0, -1), 0, 1e-30}, 4, 2, nil},
	}
	rng := NewRand(7, 0)
	for trial := range 100 { // many ties: values from a small set
		n := 1 + rng.IntN(40)
		a := make([]float64, 3*n)
		for i := range a {
			a[i] = float64(rng.IntN(7) - 2)
		}
		var mask []bool
		if trial%2 == 1 {
			mask = make([]bool, n)
			for j := range mask {
				mask[j] = rng.IntN(3) > 0
			}
		}
		tests = append(tests, struct {
			name string
			a    []float64
			n, k int
			mask []bool
		}{"random", a, n, 1 + rng.IntN(n+2), mask})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := make([]float64, len(tc.a))
			topK(want, slices.Clone(tc.a), tc.n, tc.k, false, tc.mask, nil)
			cols := make([]int32, tc.k)
			var among []int32
			if tc.mask != nil {
				among = []int32{}
				for j, ok := range tc.mask {
					if ok {
						among = append(among, int32(j))
					}
				}
			}
			a32 := make([]float32, len(tc.a))
			for i, v := range tc.a {
				a32[i] = float32(v)
			}
			for _, dt := range []string{"float64", "float32"} {
				got := make([]float64, len(tc.a))
				s64, s32 := kernels.NewTopKScratch[float64](tc.n, tc.k), kernels.NewTopKScratch[float32](tc.n, tc.k)
				for i := 0; i < len(tc.a); i += tc.n {
					var m int
					if dt == "float64" {
						m = kernels.TopK(cols, tc.a[i:i+tc.n], tc.k, among, s64)
					} else {
						m = kernels.TopK(cols, a32[i:i+tc.n], tc.k, among, s32)
					}
					if !slices.IsSorted(cols[:m]) {
						t.Fatalf("%s row %d: columns %v not ascending", dt, i/tc.n, cols[:m])
					}
					for _, j := range cols[:m] {
						got[i+int(j)] = tc.a[i+int(j)]
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: TopK(%v, n=%d, k=%d, mask %v) keeps %v; want %v", dt, tc.a, tc.n, tc.k, tc.mask, got, want)
				}
			}
		})
	}
}

func TestCodeColumns(t *testing.T) {
	// Rows of k = 3 slots over n = 4 columns: row 0 keeps 1, 3; row 1 keeps
	// 0, 1, 3; row 2 nothing; row 3 keeps 3.
	cols := []int32{1, 3, 0, 0, 1, 3, 0, 0, 0, 3, 0, 0}
	cnt := []int32{2, 3, 0, 1}
	start, ent := make([]int32, 5), make([]int32, 12)
	kernels.CodeColumns(start, ent, cols, cnt, 3, 4)
	wantStart := []int32{0, 1, 3, 3, 6}
	wantEnt := []int32{3, 0, 4, 1, 5, 9} // column 0: slot 3 (row 1); column 1: slots 0, 4; column 3: 1, 5, 9
	if !slices.Equal(start, wantStart) || !slices.Equal(ent[:6], wantEnt) {
		t.Errorf("CodeColumns = start %v, entries %v; want %v, %v", start, ent[:6], wantStart, wantEnt)
	}
}

// encoderOfParam is an encoder whose x is a parameter (in a second term
// too, so that Gorgonia sees x as differentiable).
type encoderOfParam struct{ code bool }

func (m encoderOfParam) Loss(b *Builder, in Inputs) []Term {
	x := b.Param("P", Normal(1), 6, 5) // not "x", the input's name, which Gorgonia would merge it with
	pre := b.Encoder(x, b.Param("W", Normal(1), 5, 8), b.Param("bias", Zeros, 8), b.Param("c", Zeros, 5))
	if m.code {
		pre = b.Dense(b.TopKCode(pre, 2))
	}
	return []Term{{Name: "loss", Node: b.Sum(pre)}, {Name: "x", Node: b.Sum(x)}}
}

// TestEncoderRefusesGradientInX: x gets no gradient, so training through
// an x that depends on parameters must fail rather than leave them out.
func TestEncoderRefusesGradientInX(t *testing.T) {
	for _, code := range []bool{false, true} {
		_, _, err := LossAndGrads(encoderOfParam{code}, sparseBatch(), 5, NewParamsOf(tensor.Float64, 1))
		if err == nil || !strings.Contains(err.Error(), "no gradient flows into x") {
			t.Errorf("code %v: gradients through an encoder of a parameter: %v; want the error that x gets none", code, err)
		}
	}
}

func TestCodeOpsBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *Builder) *Node
		want  string
	}{
		{"k of 0", func(b *Builder) *Node { return b.Dense(b.TopKCode(b.Const(make([]float64, 6), 2, 3), 0)) }, "topk code: k 0"},
		{"vector", func(b *Builder) *Node { return b.Dense(b.TopKCode(b.Const(make([]float64, 6)), 2)) }, "topk code: shape (6)"},
		{"mask length", func(b *Builder) *Node {
			return b.Dense(b.MaskedTopKCode(b.Const(make([]float64, 6), 2, 3), 2, []bool{true}))
		}, "masked topk code: mask of 1 columns for 3"},
		{"decoder rows", func(b *Builder) *Node {
			return b.CodeMatMul(b.TopKCode(b.Const(make([]float64, 6), 2, 3), 2), b.Const(make([]float64, 8), 4, 2))
		}, "code matmul: w of shape (4, 2) for a code of 3 columns"},
		{"encoder shapes", func(b *Builder) *Node {
			return b.Encoder(b.Const(make([]float64, 6), 2, 3), b.Const(make([]float64, 8), 4, 2), b.Const(make([]float64, 2)), b.Const(make([]float64, 3)))
		}, "encoder: shapes x (2, 3), W (4, 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(NewParamsOf(tensor.Float64, 1))
			if n := tc.build(b); n != nil || b.Err() == nil || !strings.Contains(b.Err().Error(), tc.want) {
				t.Errorf("error %v (node %v); want one containing %q", b.Err(), n, tc.want)
			}
		})
	}
}

// codeWatchModel watches a code and its dense matrix.
type codeWatchModel struct{}

func (codeWatchModel) Loss(b *Builder, in Inputs) []Term {
	c := b.TopKCode(b.Param("A", Normal(1), 6, 8), 3)
	b.WatchCode("code", c)
	d := b.Dense(c)
	b.Watch("dense", d)
	return []Term{{Name: "loss", Node: b.Sum(b.Mul(d, d))}}
}

func TestWatchCode(t *testing.T) {
	tr, err := NewTrainer(codeWatchModel{}, FromFeatures(fixedSource{width: 5, x: sparseBatch()}), NewParamsOf(tensor.Float64, 3), Config{Steps: 2, Batch: 6})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	c, dense := tr.WatchedCode("code"), tr.Watched("dense").Float64s()
	if c == nil || tr.WatchedCode("dense") != nil {
		t.Fatalf("WatchedCode(code) = %v, WatchedCode(dense) = %v; want a code and nil", c, tr.WatchedCode("dense"))
	}
	vals := c.Vals.Float64s()
	for i := range 6 {
		got := make([]float64, 8)
		for e := i * c.K; e < i*c.K+int(c.Count[i]); e++ {
			got[c.Cols[e]] = vals[e]
		}
		if want := dense[i*8 : (i+1)*8]; !slices.Equal(got, want) {
			t.Errorf("row %d of the watched code: %v; dense %v", i, got, want)
		}
	}
}

// TestEncoderIsBitIdentical: the Encoder gives AddRow(MatMul(SubRow(x, c),
// W), bias) to the bit, on the FMA kernels and on the zero-skipping loops
// (a sparse x and c = 0).
func TestEncoderIsBitIdentical(t *testing.T) {
	s := largeCode
	dense := largeBatch()
	sparse := make([]float64, len(dense))
	for i := 0; i < len(sparse); i += 37 {
		sparse[i] = 1
	}
	for _, tc := range []struct {
		name string
		x    []float64
		cStd float64
	}{{"dense", dense, 0.3}, {"sparse", sparse, 0}} {
		eval := func(fused bool) []float64 {
			return seqEval(t, tensor.Float32, func(b *Builder) *Node {
				W, bias, c := b.Param("W", Normal(1), s.d, s.n), b.Param("bias", Normal(0.3), s.n), b.Param("c", Normal(tc.cStd), s.d)
				x := b.Const(tc.x, s.rows, s.d)
				if fused {
					return b.Encoder(x, W, bias, c)
				}
				return b.AddRow(b.MatMul(b.SubRow(x, c), W), bias)
			})
		}
		got, want := eval(true), eval(false)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s: Encoder[%d] = %v; AddRow(MatMul(SubRow)) %v", tc.name, i, got[i], want[i])
			}
		}
	}
}
