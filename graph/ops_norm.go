package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds LayerNorm, forward and backward side by side, after
// llm.c's layernorm_forward and layernorm_backward.

// LayerNorm returns (x − μ)/√(σ² + eps) ⊙ g + bias for every row of x
// [N, d], with μ and σ² the row's mean and biased variance (as
// torch.nn.LayerNorm; its default eps is 1e-5) and the gain g and bias
// vectors [d], as [Builder.AddRow] takes them. Its gradients in x, g and
// bias are the closed forms over the per-row mean and 1/σ that the forward
// pass keeps.
func (b *Builder) LayerNorm(x, g, bias *Node, eps float64) *Node {
	if !(eps > 0) || math.IsInf(eps, 0) {
		return b.fail("layer norm", fmt.Errorf("LayerNorm: eps %v: must be a positive finite number", eps))
	}
	return b.apply("layer norm", layerNormOp(eps), x, g, bias)
}

// layerNormStats are the per-row mean and 1/σ of the last forward run,
// which the gradient ops read. One op instance belongs to one node, so its
// gradient ops (which take the node's output as an input, to run after it)
// always see the statistics of the current run.
type layerNormStats struct {
	mean, rstd []float64
}

func layerNormOp(eps float64) *kernelOp {
	st := &layerNormStats{}
	o := &kernelOp{
		name:  fmt.Sprintf("LayerNorm{%g}", eps),
		arity: 3,
		typ:   hm.NewFnType(matType, vecType, vecType, matType),
		diffs: []bool{true, true, true},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		x, g, b := in[0], in[1], in[2]
		if len(x) != 2 || x[1] == 0 || len(g) != 1 || len(b) != 1 || g[0] != x[1] || b[0] != x[1] {
			return nil, fmt.Errorf("LayerNorm: shapes %v, %v, %v: want x [N, d] (d ≥ 1), gain [d] and bias [d]", x, g, b)
		}
		return x.Clone(), nil
	}
	o.run = byDtype(layerNormRun[float32](st, eps), layerNormRun[float64](st, eps))
	o.diff = func(in G.Nodes, out, g *G.Node) (G.Nodes, error) {
		grads := G.Nodes{nil, nil, nil}
		var err error
		if o.diffs[0] {
			dx := &kernelOp{
				name: "LayerNormGradX", arity: 4, typ: hm.NewFnType(matType, vecType, matType, matType, matType),
				diffs: []bool{false, false, false, false}, shape: sameShape1, diff: noSecondOrder("LayerNormGradX"),
				run: byDtype(layerNormGradXRun[float32](st), layerNormGradXRun[float64](st)),
			}
			if grads[0], err = apply(dx, in[0], in[1], g, out); err != nil {
				return nil, err
			}
		}
		if o.diffs[1] {
			dg := &kernelOp{
				name: "LayerNormGradGain", arity: 3, typ: hm.NewFnType(matType, matType, matType, vecType),
				diffs: []bool{false, false, false}, diff: noSecondOrder("LayerNormGradGain"),
				shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][1]}, nil },
				run:   byDtype(layerNormGradGainRun[float32](st), layerNormGradGainRun[float64](st)),
			}
			if grads[1], err = apply(dg, in[0], g, out); err != nil {
				return nil, err
			}
		}
		if o.diffs[2] {
			if grads[2], err = apply(colSumOp(false), g); err != nil {
				return nil, err
			}
		}
		return grads, nil
	}
	return o
}

// layerNormRun normalises each row of x (input 0) with gain and bias
// (inputs 1, 2), keeping the rows' mean and 1/σ in st. Statistics are
// accumulated in float64 for either dtype. Blocks of rows run in parallel
// (rowCrew); each row is computed by the same code on any core.
func layerNormRun[T float](st *layerNormStats, eps float64) runFunc {
	var (
		rc               rowCrew
		x, gain, bias, y []T
	)
	body := func(_, lo, hi int) {
		d := len(gain)
		for r := lo; r < hi; r++ {
			xr, yr := x[r*d:(r+1)*d], y[r*d:(r+1)*d]
			mean, rstd := rowStats(xr, eps)
			st.mean[r], st.rstd[r] = mean, rstd
			for j, v := range xr {
				yr[j] = T((float64(v)-mean)*rstd*float64(gain[j]) + float64(bias[j]))
			}
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		x, gain, bias, y = data[T](in[0]), data[T](in[1]), data[T](in[2]), data[T](out)
		rows := len(x) / len(gain)
		st.mean = slices.Grow(st.mean[:0], rows)[:rows]
		st.rstd = slices.Grow(st.rstd[:0], rows)[:rows]
		rc.run(rows, len(x), body)
		x, gain, bias, y = nil, nil, nil, nil
		return nil
	}
}

// layerNormGradXRun writes the gradient in x for x, gain and the upstream
// gradient gy (inputs 0–2): with x̂ = (x − μ)/σ and ĝ = gy ⊙ gain,
// dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)) row by row, blocks of rows in
// parallel.
func layerNormGradXRun[T float](st *layerNormStats) runFunc {
	var (
		rc              rowCrew
		x, gain, gy, dx []T
	)
	body := func(_, lo, hi int) {
		d := len(gain)
		for r := lo; r < hi; r++ {
			mean, rstd := st.mean[r], st.rstd[r]
			xr, gr, dr := x[r*d:(r+1)*d], gy[r*d:(r+1)*d], dx[r*d:(r+1)*d]
			// Four partial sums each, to overlap the additions' latency.
			var sg, sgx [4]float64
			j := 0
			for ; j+4 <= d; j += 4 {
				for l := range 4 {
					gh := float64(gr[j+l]) * float64(gain[j+l])
					sg[l] += gh
					sgx[l] += gh * (float64(xr[j+l]) - mean) * rstd
				}
			}
			for ; j < d; j++ {
				gh := float64(gr[j]) * float64(gain[j])
				sg[0] += gh
				sgx[0] += gh * (float64(xr[j]) - mean) * rstd
			}
			mg := ((sg[0] + sg[1]) + (sg[2] + sg[3])) / float64(d)
			mgx := ((sgx[0] + sgx[1]) + (sgx[2] + sgx[3])) / float64(d)
			for j, v := range xr {
				gh := float64(gr[j]) * float64(gain[j])
				xh := (float64(v) - mean) * rstd
				dr[j] = T(rstd * (gh - mg - xh*mgx))
			}
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		x, gain, gy, dx = data[T](in[0]), data[T](in[1]), data[T](in[2]), data[T](out)
		rc.run(len(st.mean), len(x), body)
		x, gain, gy, dx = nil, nil, nil, nil
		return nil
	}
}

// layerNormGradGainRun writes the gradient in the gain, Σ_rows gy ⊙ x̂, for
// x and the upstream gradient gy (inputs 0, 1): each block of rows sums its
// rows in float64 in parallel, and the blocks' sums are added in block
// order.
func layerNormGradGainRun[T float](st *layerNormStats) runFunc {
	var (
		rc      rowCrew
		x, gy   []T
		partial []float64 // [rowBlocks, d]
	)
	body := func(blk, lo, hi int) {
		d := len(partial) / rowBlocks
		p := partial[blk*d : (blk+1)*d]
		clear(p)
		for r := lo; r < hi; r++ {
			mean, rstd := st.mean[r], st.rstd[r]
			for j, v := range x[r*d : (r+1)*d] {
				p[j] += float64(gy[r*d+j]) * ((float64(v) - mean) * rstd)
			}
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		x, gy = data[T](in[0]), data[T](in[1])
		dg := data[T](out)
		d := len(dg)
		partial = slices.Grow(partial[:0], rowBlocks*d)[:rowBlocks*d]
		clear(partial) // for no rows
		rc.run(len(st.mean), len(x), body)
		for j := range dg {
			var s float64
			for blk := range rowBlocks {
				s += partial[blk*d+j]
			}
			dg[j] = T(s)
		}
		x, gy = nil, nil
		return nil
	}
}

// rowStats returns the mean of x and 1/√(σ² + eps), σ² its biased
// variance about the mean, in float64. Each sum is added into four partial
// sums (element j into sum j mod 4 up to the last multiple of four, the
// rest into the first), those then pairwise: the additions' latency
// overlaps, and the order is fixed.
func rowStats[T float](x []T, eps float64) (mean, rstd float64) {
	n := len(x) &^ 3
	var s0, s1, s2, s3 float64
	for j := 0; j < n; j += 4 {
		s0 += float64(x[j])
		s1 += float64(x[j+1])
		s2 += float64(x[j+2])
		s3 += float64(x[j+3])
	}
	for _, v := range x[n:] {
		s0 += float64(v)
	}
	mean = ((s0 + s1) + (s2 + s3)) / float64(len(x))
	s0, s1, s2, s3 = 0, 0, 0, 0
	for j := 0; j < n; j += 4 {
		c0, c1, c2, c3 := float64(x[j])-mean, float64(x[j+1])-mean, float64(x[j+2])-mean, float64(x[j+3])-mean
		s0 += c0 * c0
		s1 += c1 * c1
		s2 += c2 * c2
		s3 += c3 * c3
	}
	for _, v := range x[n:] {
		c := float64(v) - mean
		s0 += c * c
	}
	return mean, 1 / math.Sqrt(((s0+s1)+(s2+s3))/float64(len(x))+eps)
}
