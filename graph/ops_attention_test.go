package graph

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// attnModel is the loss Σ (CausalAttention(q, k, v) ⊙ R) with a fixed
// random R, q, k and v [B·T, heads·dh] parameters, or constants for those
// named in fixed (no gradient wanted), or with shared one parameter X used
// as all three, whose gradient sums three terms.
type attnModel struct {
	batch, seqLen, heads, dh int
	shared                   bool
	fixed                    string
}

func (m attnModel) Loss(b *Builder, _ Inputs) []Term {
	rows, d := m.batch*m.seqLen, m.heads*m.dh
	rng := NewRand(99, 0)
	random := func() []float64 {
		x := make([]float64, rows*d)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		return x
	}
	var in [3]*Node
	for i, name := range []string{"Q", "K", "V"} {
		switch {
		case m.shared:
			in[i] = b.Param("X", Normal(1), rows, d)
		case strings.Contains(m.fixed, name):
			in[i] = b.Const(random(), rows, d)
		default:
			in[i] = b.Param(name, Normal(1), rows, d)
		}
	}
	out := b.CausalAttention(in[0], in[1], in[2], m.heads, m.seqLen)
	return []Term{{Name: "loss", Node: b.Sum(b.Mul(out, b.Const(random(), rows, d)))}}
}

func TestCausalAttentionGradCheck(t *testing.T) {
	for _, m := range []attnModel{
		{batch: 2, seqLen: 5, heads: 2, dh: 3},
		{batch: 2, seqLen: 5, heads: 2, dh: 3, shared: true},
		{batch: 2, seqLen: 5, heads: 2, dh: 3, fixed: "Q"},
		{batch: 2, seqLen: 5, heads: 2, dh: 3, fixed: "KV"},
		{batch: 2, seqLen: 5, heads: 2, dh: 3, fixed: "QK"},
		{batch: 1, seqLen: 1, heads: 1, dh: 2},
		{batch: 1, seqLen: 9, heads: 1, dh: 5}, // rows past one RowBlock, with a tail
	} {
		t.Run(fmt.Sprintf("%+v", m), func(t *testing.T) {
			res, err := GradCheck(m, make([]float64, 2), 1, NewParamsOf(tensor.Float64, 7), 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("worst relative error %.2g (%s[%d])", res.RelErr, res.Param, res.Index)
			if res.RelErr > 1e-6 {
				t.Errorf("gradient of %s[%d]: analytic %v, finite difference %v", res.Param, res.Index, res.Analytic, res.Numeric)
			}
		})
	}
}

// attnReference is causal attention written out plainly in float64: scores,
// −Inf above the diagonal, softmax, weighted sum. It returns z and the
// pattern.
func attnReference(q, k, v []float64, batch, seqLen, heads, d int) (z, pattern []float64) {
	dh := d / heads
	z, pattern = make([]float64, len(q)), make([]float64, batch*heads*seqLen*seqLen)
	for s := range batch {
		for h := range heads {
			for i := range seqLen {
				scores := make([]float64, seqLen)
				for j := range seqLen {
					if j > i {
						scores[j] = math.Inf(-1)
						continue
					}
					for c := range dh {
						scores[j] += q[(s*seqLen+i)*d+h*dh+c] * k[(s*seqLen+j)*d+h*dh+c]
					}
					scores[j] /= math.Sqrt(float64(dh))
				}
				m := math.Inf(-1)
				for _, x := range scores {
					m = math.Max(m, x)
				}
				var sum float64
				for j, x := range scores {
					scores[j] = math.Exp(x - m)
					sum += scores[j]
				}
				for j := range scores {
					p := scores[j] / sum
					pattern[((s*heads+h)*seqLen+i)*seqLen+j] = p
					for c := range dh {
						z[(s*seqLen+i)*d+h*dh+c] += p * v[(s*seqLen+j)*d+h*dh+c]
					}
				}
			}
		}
	}
	return z, pattern
}

// attnOperands returns seeded q, k, v [batch·seqLen, d], q scaled by qScale.
func attnOperands(seed uint64, rows, d int, qScale float64) (q, k, v []float64) {
	rng := NewRand(seed, 0)
	draw := func(scale float64) []float64 {
		x := make([]float64, rows*d)
		for i := range x {
			x[i] = scale * rng.NormFloat64()
		}
		return x
	}
	return draw(qScale), draw(1), draw(1)
}

func attnF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func attnF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

var attnShapes = []struct{ batch, seqLen, heads, dh int }{
	{1, 1, 1, 1},
	{3, 1, 2, 4},
	{2, 5, 2, 3},
	{2, 7, 1, 8},
	{2, 33, 4, 8},
	{1, 128, 4, 32},
}

func TestAttentionForwardMatchesReference(t *testing.T) {
	for _, qScale := range []float64{1, 1e4} {
		for _, s := range attnShapes {
			t.Run(fmt.Sprintf("B=%d,T=%d,heads=%d,dh=%d,qscale=%g", s.batch, s.seqLen, s.heads, s.dh, qScale), func(t *testing.T) {
				d, rows := s.heads*s.dh, s.batch*s.seqLen
				// Operands rounded to float32, so that the float32 run differs
				// from the reference by its arithmetic only.
				q, k, v := attnOperands(3, rows, d, qScale)
				q, k, v = attnF64(attnF32(q)), attnF64(attnF32(k)), attnF64(attnF32(v))
				zRef, pRef := attnReference(q, k, v, s.batch, s.seqLen, s.heads, d)

				sh := attnShape{batch: s.batch, seqLen: s.seqLen, heads: s.heads, d: d, dh: s.dh}
				z64, p64 := make([]float64, rows*d), make([]float64, sh.patternLen())
				newAttention[float64](sh).forward(z64, p64, q, k, v)
				z32, p32 := make([]float32, rows*d), make([]float32, sh.patternLen())
				AttentionForward(z32, p32, attnF32(q), attnF32(k), attnF32(v), s.batch, s.seqLen, s.heads, d)
				// Logits of 1e4 magnify float32's rounding of the scores (by
				// about 1e4·√d_head·2⁻²⁴) in the exponentials.
				tol32 := 1e-5
				if qScale > 1 {
					tol32 = 1e-3
				}
				for i, want := range zRef {
					if math.Abs(z64[i]-want) > 1e-12 {
						t.Fatalf("float64 z[%d] = %v; want %v", i, z64[i], want)
					}
					if g := float64(z32[i]); math.IsNaN(g) || math.IsInf(g, 0) || math.Abs(g-want) > tol32*math.Max(1, math.Abs(want)) {
						t.Fatalf("float32 z[%d] = %v; want %v", i, g, want)
					}
				}
				for i, want := range pRef {
					if math.Abs(p64[i]-want) > 1e-12 {
						t.Fatalf("float64 pattern[%d] = %v; want %v", i, p64[i], want)
					}
					if g := float64(p32[i]); math.IsNaN(g) || math.Abs(g-want) > tol32 {
						t.Fatalf("float32 pattern[%d] = %v; want %v", i, g, want)
					}
				}
				checkPattern(t, p32, sh)
				checkPattern(t, p64, sh)
			})
		}
	}
}

// checkPattern checks that every row of the pattern sums to one and is
// zero above the diagonal.
func checkPattern[T float](t *testing.T, p []T, sh attnShape) {
	t.Helper()
	n := sh.seqLen
	for r := range sh.batch * sh.heads * n {
		row, i := p[r*n:(r+1)*n], r%n
		var sum float64
		for j, x := range row {
			if j > i && x != 0 {
				t.Fatalf("pattern row %d (query %d) [%d] = %v above the diagonal; want 0", r, i, j, x)
			}
			if math.IsNaN(float64(x)) || x < 0 {
				t.Fatalf("pattern row %d [%d] = %v", r, j, x)
			}
			sum += float64(x)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("pattern row %d sums to %v; want 1", r, sum)
		}
	}
}

// attnRun is one forward and backward pass of the attention kernels in
// float32, with every output.
type attnRun struct{ z, pattern, dq, dk, dv []float32 }

func runAttention(a *attention[float32], q, k, v, g []float32) attnRun {
	sh := a.sh
	n := sh.batch * sh.seqLen * sh.d
	r := attnRun{make([]float32, n), make([]float32, sh.patternLen()), make([]float32, n), make([]float32, n), make([]float32, n)}
	a.forward(r.z, r.pattern, q, k, v)
	a.backward(r.dq, r.dk, r.dv, [3]bool{true, true, true}, g, r.pattern, q, k, v)
	return r
}

func TestCausalAttentionBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range []struct{ batch, seqLen, heads, dh int }{{3, 7, 3, 5}, {4, 64, 4, 32}} {
		t.Run(fmt.Sprintf("B=%d,T=%d,heads=%d,dh=%d", s.batch, s.seqLen, s.heads, s.dh), func(t *testing.T) {
			sh := attnShape{batch: s.batch, seqLen: s.seqLen, heads: s.heads, d: s.heads * s.dh, dh: s.dh}
			q, k, v := attnOperands(5, s.batch*s.seqLen, sh.d, 1)
			g, _, _ := attnOperands(6, s.batch*s.seqLen, sh.d, 1)
			var runs []attnRun
			for _, procs := range []int{1, 4, 3} {
				runtime.GOMAXPROCS(procs)
				runs = append(runs, runAttention(newAttention[float32](sh), attnF32(q), attnF32(k), attnF32(v), attnF32(g)))
			}
			for i, r := range runs[1:] {
				for _, c := range []struct {
					name      string
					got, want []float32
				}{{"z", r.z, runs[0].z}, {"pattern", r.pattern, runs[0].pattern}, {"dq", r.dq, runs[0].dq}, {"dk", r.dk, runs[0].dk}, {"dv", r.dv, runs[0].dv}} {
					for j, w := range c.want {
						if math.Float32bits(c.got[j]) != math.Float32bits(w) {
							t.Fatalf("%s[%d] = %v with GOMAXPROCS %d; %v with 1", c.name, j, c.got[j], []int{4, 3}[i], w)
						}
					}
				}
			}
		})
	}
}

func TestCausalAttentionAllocatesNothing(t *testing.T) {
	sh := attnShape{batch: 4, seqLen: 16, heads: 2, d: 16, dh: 8}
	q, k, v := attnOperands(5, sh.batch*sh.seqLen, sh.d, 1)
	q32, k32, v32 := attnF32(q), attnF32(k), attnF32(v)
	a := newAttention[float32](sh)
	r := runAttention(a, q32, k32, v32, q32)
	allocs := testing.AllocsPerRun(20, func() {
		a.forward(r.z, r.pattern, q32, k32, v32)
		a.backward(r.dq, r.dk, r.dv, [3]bool{true, true, true}, q32, r.pattern, q32, k32, v32)
	})
	if allocs != 0 {
		t.Errorf("forward + backward: %v allocations per run; want 0", allocs)
	}
}

// TestCausalAttentionPatternNode runs the op on a tape and reads its pattern
// node: both it and the output must be AttentionForward's, bit for bit.
func TestCausalAttentionPatternNode(t *testing.T) {
	const batch, seqLen, heads, d = 2, 6, 2, 8
	rows := batch * seqLen
	b := NewBuilder(NewParams(1))
	q, qt := b.Input("q", rows, d)
	k, kt := b.Input("k", rows, d)
	v, vt := b.Input("v", rows, d)
	z := b.CausalAttention(q, k, v, heads, seqLen)
	pat := b.AttentionPattern(z)
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	var zVal, pVal G.Value
	G.Read(z, &zVal)
	G.Read(pat, &pVal)
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	qs, ks, vs := attnOperands(8, rows, d, 1)
	copy(qt.Float32s(), attnF32(qs))
	copy(kt.Float32s(), attnF32(ks))
	copy(vt.Float32s(), attnF32(vs))
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	wantZ, wantP := make([]float32, rows*d), make([]float32, batch*heads*seqLen*seqLen)
	AttentionForward(wantZ, wantP, attnF32(qs), attnF32(ks), attnF32(vs), batch, seqLen, heads, d)
	pt := pVal.(*tensor.Dense)
	if want := (tensor.Shape{batch, heads, seqLen, seqLen}); !pt.Shape().Eq(want) {
		t.Fatalf("pattern shape %v; want %v", pt.Shape(), want)
	}
	for _, c := range []struct {
		name      string
		got, want []float32
	}{{"z", zVal.(*tensor.Dense).Float32s(), wantZ}, {"pattern", pt.Float32s(), wantP}} {
		for i, w := range c.want {
			if math.Float32bits(c.got[i]) != math.Float32bits(w) {
				t.Fatalf("%s[%d] = %v on the tape; %v from AttentionForward", c.name, i, c.got[i], w)
			}
		}
	}
}

func TestCausalAttentionErrors(t *testing.T) {
	for _, c := range []struct {
		name          string
		q, k, v       [2]int
		heads, seqLen int
		want          string
	}{
		{"width not split by heads", [2]int{10, 6}, [2]int{10, 6}, [2]int{10, 6}, 4, 5, "(10, 6): width 6 does not split into 4 heads"},
		{"rows not whole sequences", [2]int{10, 6}, [2]int{10, 6}, [2]int{10, 6}, 2, 4, "(10, 6): 10 rows are not whole sequences of 4 positions"},
		{"k differs", [2]int{10, 6}, [2]int{8, 6}, [2]int{10, 6}, 2, 5, "q (10, 6), k (8, 6), v (10, 6): want three equal"},
		{"v differs", [2]int{10, 6}, [2]int{10, 6}, [2]int{10, 4}, 2, 5, "v (10, 4)"},
		{"no heads", [2]int{10, 6}, [2]int{10, 6}, [2]int{10, 6}, 0, 5, "heads 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBuilder(NewParams(1))
			q, _ := b.Input("q", c.q[0], c.q[1])
			k, _ := b.Input("k", c.k[0], c.k[1])
			v, _ := b.Input("v", c.v[0], c.v[1])
			if z := b.CausalAttention(q, k, v, c.heads, c.seqLen); z != nil {
				t.Errorf("CausalAttention returned a node")
			}
			if err := b.Err(); err == nil || !strings.Contains(err.Error(), "CausalAttention") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Err() = %v; want CausalAttention and %q", err, c.want)
			}
		})
	}
	b := NewBuilder(NewParams(1))
	x, _ := b.Input("x", 4, 4)
	b.AttentionPattern(b.Tanh(x))
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), "not an output of CausalAttention") {
		t.Errorf("AttentionPattern(tanh): Err() = %v; want not an output of CausalAttention", err)
	}
}

// BenchmarkCausalAttention times one forward and backward pass of the
// attention kernels at the transformer's shape. GFLOP/s counts the six
// products over the causal triangle only: 6·T(T+1)·d_head per (sequence,
// head).
func BenchmarkCausalAttention(b *testing.B) {
	for _, s := range []struct{ batch, seqLen, heads, dh int }{{32, 128, 4, 32}, {2, 128, 4, 32}} {
		b.Run(fmt.Sprintf("B=%d,T=%d,heads=%d,dh=%d", s.batch, s.seqLen, s.heads, s.dh), func(b *testing.B) {
			sh := attnShape{batch: s.batch, seqLen: s.seqLen, heads: s.heads, d: s.heads * s.dh, dh: s.dh}
			q, k, v := attnOperands(5, s.batch*s.seqLen, sh.d, 1)
			q32, k32, v32 := attnF32(q), attnF32(k), attnF32(v)
			a := newAttention[float32](sh)
			r := runAttention(a, q32, k32, v32, q32)
			b.ReportAllocs()
			for b.Loop() {
				a.forward(r.z, r.pattern, q32, k32, v32)
				a.backward(r.dq, r.dk, r.dv, [3]bool{true, true, true}, q32, r.pattern, q32, k32, v32)
			}
			flops := 6 * float64(s.batch*s.heads) * float64(s.seqLen*(s.seqLen+1)*s.dh)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
