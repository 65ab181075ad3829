package tms

import (
	"fmt"
	"math"
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

// Features is n.
func (w *Weights) Features() int { return len(w.W[0]) }

// Hidden is m.
func (w *Weights) Hidden() int { return len(w.W) }

// W32 returns W in float32, row-major [hidden, features]. It must not be
// modified.
func (w *Weights) W32() []float32 { return w.w32 }

// HiddenLayer writes the hidden layer h [rows, m] of inputs x [rows, n]:
// h = W x, through a ReLU for the privileged-basis model. It accumulates in
// float32, feature by feature, skipping inactive features.
func (w *Weights) HiddenLayer(h, x []float32) {
	n, m := w.Features(), w.Hidden()
	clear(h)
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
		if w.Kind == Privileged {
			for j, v := range hr {
				hr[j] = max(v, 0)
			}
		}
	}
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
