package graph

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// GradCheckResult reports the worst disagreement between symbolic and
// central finite-difference gradients.
type GradCheckResult struct {
	Param    string  // parameter with the worst entry
	Index    int     // flat index of that entry
	Analytic float64 // symbolic gradient there
	Numeric  float64 // finite-difference gradient there
	RelErr   float64 // |a−n| / max(1, |a|, |n|)
}

// GradCheck compares the symbolic gradient of the total loss of m at the
// fixed batch x (row-major, width columns) with central differences of step
// eps, for every entry of every parameter. Use float64 parameters
// (NewParamsOf(tensor.Float64, seed)); float32 differences are too noisy.
// Points where the loss has a kink (ReLU at exactly 0) are the caller's to
// avoid. It is [GradCheckSource] over the one-input source of x.
func GradCheck(m Model, x []float64, width int, p *Params, eps float64) (GradCheckResult, error) {
	return GradCheckSource(m, FromFeatures(fixedSource{width: width, x: x}), len(x)/width, p, eps)
}

// GradCheckSource is [GradCheck] for a model fed by any source (token ids,
// targets, several float inputs): src fills one batch of rows rows once, and
// every evaluation of the loss replays that batch.
func GradCheckSource(m Model, src Source, rows int, p *Params, eps float64) (GradCheckResult, error) {
	if p.Dtype() != tensor.Float64 {
		return GradCheckResult{}, fmt.Errorf("graph: gradcheck: parameters are %v; want float64", p.Dtype())
	}
	src = replay(src, rows)
	prog, err := compile(m, src, p, rows, true)
	if err != nil {
		return GradCheckResult{}, fmt.Errorf("graph: gradcheck: %w", err)
	}
	defer prog.vm.Close()
	total := func() (float64, error) {
		vals, err := prog.run(src)
		var s float64
		for _, v := range vals {
			s += v
		}
		return s, err
	}
	if _, err := total(); err != nil {
		return GradCheckResult{}, err
	}
	analytic := make([][]float64, len(prog.grads))
	for i, g := range prog.gradTensors() {
		analytic[i] = append([]float64(nil), g.Float64s()...)
	}
	var worst GradCheckResult
	for i, t := range prog.paramTensors {
		w := t.Float64s()
		for j := range w {
			orig := w[j]
			w[j] = orig + eps
			up, err := total()
			if err != nil {
				return worst, err
			}
			w[j] = orig - eps
			down, err := total()
			if err != nil {
				return worst, err
			}
			w[j] = orig
			num := (up - down) / (2 * eps)
			a := analytic[i][j]
			rel := math.Abs(a-num) / math.Max(1, math.Max(math.Abs(a), math.Abs(num)))
			if rel >= worst.RelErr {
				worst = GradCheckResult{Param: prog.paramNames[i], Index: j, Analytic: a, Numeric: num, RelErr: rel}
			}
		}
	}
	return worst, nil
}

// LossAndGrads returns the total loss of m at the fixed batch x (row-major,
// width columns) and its gradient in every parameter, by name.
func LossAndGrads(m Model, x []float64, width int, p *Params) (float64, map[string][]float64, error) {
	return LossAndGradsSource(m, FromFeatures(fixedSource{width: width, x: x}), len(x)/width, p)
}

// LossAndGradsSource is [LossAndGrads] for a model fed by any source, on
// one batch of rows rows drawn from src.
func LossAndGradsSource(m Model, src Source, rows int, p *Params) (float64, map[string][]float64, error) {
	prog, err := compile(m, src, p, rows, true)
	if err != nil {
		return 0, nil, fmt.Errorf("graph: loss and grads: %w", err)
	}
	defer prog.vm.Close()
	vals, err := prog.run(src)
	if err != nil {
		return 0, nil, err
	}
	var total float64
	for _, v := range vals {
		total += v
	}
	grads := map[string][]float64{}
	for i, g := range prog.gradTensors() {
		grads[prog.paramNames[i]] = Values(g)
	}
	return total, grads, nil
}

// Values returns a copy of t's entries (float32 or float64, a scalar as one
// entry) as float64.
func Values(t *tensor.Dense) []float64 {
	switch d := backing(t).(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

// fixedSource replays one batch.
type fixedSource struct {
	width int
	x     []float64
}

func (s fixedSource) Width() int { return s.width }

func (s fixedSource) Fill(x []float32) {
	for i := range x {
		x[i] = float32(s.x[i%len(s.x)])
	}
}

// replayed is a source that repeats one batch.
type replayed struct{ b *Batch }

// replay returns a source that gives, every call, the one batch of rows
// rows src fills now.
func replay(src Source, rows int) Source {
	b := NewBatch(rows, src.Inputs())
	src.Fill(b)
	return replayed{b}
}

func (r replayed) Inputs() []Input { return r.b.Inputs() }
func (r replayed) Fill(b *Batch)   { b.copyFrom(r.b) }
