package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/chewxy/hm"
	"github.com/toymodels/superposition/graph/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the next-token loss, SoftmaxCrossEntropy, fused with its
// softmax, and the row softmax it shares with SoLU.

// SoftmaxCrossEntropy returns the scalar mean over the rows r of logits
// [N, V] of −log softmax(logits[r])[targets[r]], for integer targets [B, T]
// (B·T = N, read in row-major order), [N, 1] or [N]. The log-sum-exp
// subtracts each row's maximum, so logits of any finite size are safe. The
// forward pass keeps the softmax probabilities p; the gradient in the logits
// is (p − onehot(targets))·g/N. A target outside [0, V) makes the run fail
// with an error naming it.
func (b *Builder) SoftmaxCrossEntropy(logits, targets *Node) *Node {
	if !b.ok("softmax cross entropy", logits, targets) {
		return nil
	}
	tt, err := intIndexType("SoftmaxCrossEntropy", targets)
	if err != nil {
		return b.fail("softmax cross entropy", err)
	}
	return b.apply("softmax cross entropy", softmaxXentOp(tt), logits, targets)
}

// keptBuf is state a forward op keeps for its gradient op (softmax
// probabilities, say) in the dtype of the run. It grows only when the shape
// does, so steady-state runs allocate nothing.
type keptBuf struct {
	f32 []float32
	f64 []float64
}

// keepSlice returns k's slice of n values of type T, reallocated only when it
// is too small.
func keepSlice[T float](k *keptBuf, n int) []T {
	var s []T
	switch p := any(&s).(type) {
	case *[]float32:
		k.f32 = slices.Grow(k.f32[:0], n)[:n]
		*p = k.f32
	case *[]float64:
		k.f64 = slices.Grow(k.f64[:0], n)[:n]
		*p = k.f64
	}
	return s
}

// keptSlice returns the slice the last keepSlice[T] returned.
func keptSlice[T float](k *keptBuf) []T {
	var s []T
	switch p := any(&s).(type) {
	case *[]float32:
		*p = k.f32
	case *[]float64:
		*p = k.f64
	}
	return s
}

// rowSoftmaxInto writes softmax(x) into p (len(p) = len(x)) and returns
// log Σ exp(x), both computed after subtracting max(x), in float64.
func rowSoftmaxInto[T float](p, x []T) float64 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var s float64
	for j, v := range x {
		e := math.Exp(float64(v - m))
		p[j] = T(e)
		s += e
	}
	inv := 1 / s
	for j, v := range p {
		p[j] = T(float64(v) * inv)
	}
	return float64(m) + math.Log(s)
}

func softmaxXentOp(targetType hm.Type) *kernelOp {
	probs := &keptBuf{}
	o := &kernelOp{
		name:   "SoftmaxCrossEntropy",
		arity:  2,
		typ:    hm.NewFnType(matType, targetType, tvar),
		scalar: true,
		diffs:  []bool{true, false},
	}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) {
		if len(in[0]) != 2 || in[0][1] == 0 || in[1].TotalSize() != in[0][0] {
			return nil, fmt.Errorf("SoftmaxCrossEntropy: shapes %v, %v: want logits [N, V] and N targets", in[0], in[1])
		}
		return tensor.ScalarShape(), nil
	}
	o.run = byDtype(softmaxXentRun[float32](probs), softmaxXentRun[float64](probs))
	o.diff = func(in G.Nodes, out, g *G.Node) (G.Nodes, error) {
		if !o.diffs[0] {
			return G.Nodes{nil, nil}, nil
		}
		grad := &kernelOp{
			name: "SoftmaxCrossEntropyGrad", arity: 4, typ: hm.NewFnType(matType, targetType, tvar, tvar, matType),
			diffs: []bool{false, false, false, false}, shape: sameShape1, diff: noSecondOrder("SoftmaxCrossEntropyGrad"),
			run: byDtype(softmaxXentGradRun[float32](probs), softmaxXentGradRun[float64](probs)),
		}
		d, err := apply(grad, in[0], in[1], g, out)
		return G.Nodes{d, nil}, err
	}
	return o
}

// softmaxXentRun writes the mean cross entropy of logits (input 0) against
// the targets (input 1), keeping the softmax probabilities. Blocks of rows
// run in parallel (rowCrew); each block adds its rows' losses in float64 and
// the blocks' sums are added in block order. float32 logits take the
// float32 softmax of package kernels (AVX2 where it can), float64 stays
// with math.Exp.
func softmaxXentRun[T float](probs *keptBuf) runFunc {
	var (
		rc      rowCrew
		x, p    []T
		targets []int
		partial [rowBlocks]float64
	)
	body := func(blk, lo, hi int) {
		v := len(x) / len(targets)
		var total float64
		for r := lo; r < hi; r++ {
			pr, xr := p[r*v:(r+1)*v], x[r*v:(r+1)*v]
			var lse float64
			if x32, ok := any(xr).([]float32); ok {
				lse = kernels.SoftmaxLSE32(any(pr).([]float32), x32)
			} else {
				lse = rowSoftmaxInto(pr, xr)
			}
			total += lse - float64(xr[targets[r]])
		}
		partial[blk] = total
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		x, targets = data[T](in[0]), in[1].Ints()
		v := in[0].Shape()[1]
		for r, t := range targets {
			if t < 0 || t >= v {
				return fmt.Errorf("target %d at row %d: outside the classes [0, %d)", t, r, v)
			}
		}
		p = keepSlice[T](probs, len(x))
		partial = [rowBlocks]float64{}
		rc.run(len(targets), len(x), body)
		var total float64
		for _, s := range partial {
			total += s
		}
		data[T](out)[0] = T(total / float64(len(targets)))
		x, p, targets = nil, nil, nil
		return nil
	}
}

// softmaxXentGradRun writes (p − onehot(targets))·g/N for the targets and
// upstream scalar g (inputs 1, 2) and the kept probabilities p, blocks of
// rows in parallel.
func softmaxXentGradRun[T float](probs *keptBuf) runFunc {
	var (
		rc      rowCrew
		targets []int
		dst, p  []T
		s       T
	)
	body := func(_, lo, hi int) {
		v := len(p) / len(targets)
		for i, pi := range p[lo*v : hi*v] {
			dst[lo*v+i] = pi * s
		}
		for r := lo; r < hi; r++ {
			dst[r*v+targets[r]] -= s
		}
	}
	return func(out *tensor.Dense, in []*tensor.Dense) error {
		targets, dst, p = in[1].Ints(), data[T](out), keptSlice[T](probs)
		s = data[T](in[2])[0] / T(len(targets))
		rc.run(len(targets), len(p), body)
		targets, dst, p = nil, nil, nil
		return nil
	}
}
