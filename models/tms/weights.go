package tms

import (
	"fmt"
	"math"

	"github.com/toymodels/superposition/graph"
)

// Weights are a trained toy model's weights as plain slices, for forward
// passes outside a graph: reading the hidden layer as an activation source,
// or the loss with the hidden layer replaced (an SAE's reconstruction, say).
// The graph of Model stays the model that is trained; Weights compute the
// same equations in plain Go.
type Weights struct {
	// Kind is the architecture. Only models with one weight matrix tied
	// between input and output (linear, relu, privileged) have Weights.
	Kind Kind
	// W is [hidden, features] (columns are feature directions).
	W [][]float64
	// B is [features].
	B []float64
	// Importance is Iᵢ [features].
	Importance []float64
	// Activation, C (the hidden bias [hidden], nil for none) and the
	// LayerNorm's LNGain and LNBias [hidden] (SoLULN only) are the
	// privileged model's extensions ([Config]); zero for the paper's models.
	Activation     Activation
	C              []float64
	LNGain, LNBias []float64
	// w32 is W in float32, row-major [hidden, features].
	w32 []float32
}

// NewWeights returns the weights of a model of the given kind with
// W [m][n], bias b [n] and importances imp [n]; b and imp may be nil when
// only the hidden layer is read.
func NewWeights(kind Kind, W [][]float64, b, imp []float64) (*Weights, error) {
	switch kind {
	case Privileged, ReLUOutput, Linear:
	default:
		return nil, fmt.Errorf("tms: weights: model %q has no single hidden layer (want privileged, relu or linear)", kind)
	}
	if len(W) == 0 || len(W[0]) == 0 {
		return nil, fmt.Errorf("tms: weights: empty W")
	}
	m, n := len(W), len(W[0])
	w := make([]float32, 0, m*n)
	for _, row := range W {
		if len(row) != n {
			return nil, fmt.Errorf("tms: weights: ragged W")
		}
		for _, v := range row {
			w = append(w, float32(v))
		}
	}
	if b != nil && len(b) != n || imp != nil && len(imp) != n {
		return nil, fmt.Errorf("tms: weights: %d biases and %d importances for %d features", len(b), len(imp), n)
	}
	return &Weights{Kind: kind, W: W, B: b, Importance: imp, w32: w}, nil
}

// WeightsOf returns the weights of the model cfg with trained parameters p:
// the paper's models as [NewWeights] makes them, and a privileged model's
// extensions (activation, hidden bias, LayerNorm) with them.
func WeightsOf(cfg Config, p *graph.Params) (*Weights, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tms: weights: %w", err)
	}
	w, err := NewWeights(cfg.Kind, p.Matrix(ParamW), p.Float64s(ParamB), cfg.Importance)
	if err != nil {
		return nil, err
	}
	if cfg.Activation != ReLU {
		w.Activation = cfg.Activation
	}
	switch cfg.HiddenBias {
	case BiasFree, BiasNegative:
		w.C = p.Float64s(ParamC)
	case BiasFixed:
		w.C = (&Model{Config: cfg}).fixedBias()
	}
	if cfg.Activation == SoLULN {
		w.LNGain, w.LNBias = p.Float64s(ParamLNGain), p.Float64s(ParamLNBias)
	}
	m := w.Hidden()
	for _, v := range [][]float64{w.C, w.LNGain, w.LNBias} {
		if v != nil && len(v) != m {
			return nil, fmt.Errorf("tms: weights: a hidden-layer vector of %d entries for %d neurons", len(v), m)
		}
	}
	if cfg.HiddenBias != "" && w.C == nil || cfg.Activation == SoLULN && (w.LNGain == nil || w.LNBias == nil) {
		return nil, fmt.Errorf("tms: weights: parameters missing for %+v", cfg)
	}
	return w, nil
}

// Plain reports whether w is one of the paper's hidden layers, W x or
// ReLU(W x), with none of the privileged model's extensions.
func (w *Weights) Plain() bool { return w.Activation == "" && w.C == nil }

// Features is n.
func (w *Weights) Features() int { return len(w.W[0]) }

// Hidden is m.
func (w *Weights) Hidden() int { return len(w.W) }

// W32 returns W in float32, row-major [hidden, features]. It must not be
// modified.
func (w *Weights) W32() []float32 { return w.w32 }

// HiddenLayer writes the hidden layer h [rows, m] of inputs x [rows, n]:
// h = W x, through a ReLU for the privileged-basis model (with its hidden
// bias, SoLU and LayerNorm when it has them). It accumulates in float32,
// feature by feature, skipping inactive features; SoLU and the LayerNorm
// are computed in float64 per row.
func (w *Weights) HiddenLayer(h, x []float32) {
	n, m := w.Features(), w.Hidden()
	clear(h)
	var row []float64
	if !w.Plain() {
		row = make([]float64, m)
	}
	for r := 0; r*n < len(x); r++ {
		xr, hr := x[r*n:(r+1)*n], h[r*m:(r+1)*m]
		for i, v := range xr {
			if v == 0 {
				continue
			}
			for j := range hr {
				hr[j] += w.w32[j*n+i] * v
			}
		}
		if w.Kind != Privileged {
			continue
		}
		if w.Plain() {
			for j, v := range hr {
				hr[j] = max(v, 0)
			}
			continue
		}
		for j, v := range hr {
			row[j] = float64(v)
			if w.C != nil {
				row[j] = float64(v + float32(w.C[j]))
			}
		}
		w.activate(row)
		for j, v := range row {
			hr[j] = float32(v)
		}
	}
}

// activate applies the hidden nonlinearity to one row of pre-activations
// W x + c, in place.
func (w *Weights) activate(row []float64) {
	switch w.Activation {
	case SoLU, SoLULN:
		top := math.Inf(-1)
		for _, v := range row {
			top = math.Max(top, v)
		}
		var z float64
		for _, v := range row {
			z += math.Exp(v - top)
		}
		for j, v := range row {
			row[j] = v * math.Exp(v-top) / z
		}
		if w.Activation == SoLULN {
			var mean, sq float64
			for _, v := range row {
				mean += v / float64(len(row))
			}
			for _, v := range row {
				sq += (v - mean) * (v - mean) / float64(len(row))
			}
			rstd := 1 / math.Sqrt(sq+LayerNormEps)
			for j, v := range row {
				row[j] = (v-mean)*rstd*w.LNGain[j] + w.LNBias[j]
			}
		}
	default:
		for j, v := range row {
			row[j] = math.Max(v, 0)
		}
	}
}

// Responses returns R [hidden][features], R[j][i] the activation of neuron
// j on feature i alone at 1 less its activation at x = 0: the neuron's
// response to the feature, computed in float64. For the paper's privileged
// model it is max(W, 0) exactly (a neuron with no hidden bias is silent at
// x = 0), so the neuron rule reads the same neurons from R as from W; with a
// hidden bias, SoLU or a LayerNorm it is what the neuron actually does.
func (w *Weights) Responses() [][]float64 {
	n, m := w.Features(), w.Hidden()
	R := make([][]float64, m)
	for j := range R {
		R[j] = make([]float64, n)
	}
	zero := w.alone(-1)
	for i := 0; i < n; i++ {
		hi := w.alone(i)
		for j := range R {
			R[j][i] = hi[j] - zero[j]
		}
	}
	return R
}

// alone returns the hidden layer, in float64, of feature i alone at 1 (of
// x = 0 for i < 0).
func (w *Weights) alone(i int) []float64 {
	row := make([]float64, w.Hidden())
	for j := range row {
		if i >= 0 {
			row[j] = w.W[j][i]
		}
		if w.C != nil {
			row[j] += w.C[j]
		}
	}
	if w.Kind == Privileged || w.Kind == AbsVal {
		w.activate(row)
	}
	return row
}

// PassThrough returns, per feature i, how much of it alone at 1 the model
// gives back: x′ᵢ(eᵢ) − x′ᵢ(0), in float64 (a bias of nil counts as 0). A
// feature the model drops passes nothing (its output is its bias either
// way); one it represents passes about 1, whatever the hidden layer does
// with it (SoLU's small activations, a LayerNorm's fixed norm).
func (w *Weights) PassThrough() []float64 {
	n := w.Features()
	out := func(h []float64, i int) float64 {
		var s float64
		if w.B != nil {
			s = w.B[i]
		}
		for j, v := range h {
			s += w.W[j][i] * v
		}
		if w.Kind != Linear {
			s = math.Max(s, 0)
		}
		return s
	}
	zero := w.alone(-1)
	pass := make([]float64, n)
	for i := range pass {
		pass[i] = out(w.alone(i), i) - out(zero, i)
	}
	return pass
}

// OutputLoss is the model's loss Σᵢ Iᵢ (xᵢ − x′ᵢ)², averaged over rows, with
// the hidden layer h [rows, m] given for inputs x [rows, n]: x′ = ReLU(Wᵀh +
// b) for the ReLU-output and privileged models, Wᵀh + b for the linear one.
// It accumulates in float64.
func (w *Weights) OutputLoss(x, h []float32) float64 {
	W, b, imp := w.W, w.B, w.Importance
	m, n := len(W), len(b)
	rows := len(x) / n
	var total float64
	for r := 0; r < rows; r++ {
		hr, xr := h[r*m:(r+1)*m], x[r*n:(r+1)*n]
		for i := 0; i < n; i++ {
			s := b[i]
			for j := 0; j < m; j++ {
				s += W[j][i] * float64(hr[j])
			}
			if w.Kind != Linear {
				s = math.Max(s, 0)
			}
			d := float64(xr[i]) - s
			total += imp[i] * d * d
		}
	}
	return total / float64(rows)
}
