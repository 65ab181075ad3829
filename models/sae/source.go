package sae

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// ActivationSource is a stream of activations whose ground truth is known:
// every sample is a sparse nonnegative combination of Truth's directions
// (exactly for the synthetic and ReLU-output sources, feature by feature in
// isolation for the privileged-basis one, whose ReLU mixes co-active
// features).
type ActivationSource interface {
	graph.Features
	// Truth returns the ground-truth directions, one row per feature, each
	// of Width() entries: the activation of that feature alone at 1.
	Truth() [][]float64
}

// ToySource streams the hidden layer of a trained toy model on fresh toy data
// each batch: h = ReLU(W x) for the privileged-basis model, h = W x for the
// ReLU-output and linear ones.
type ToySource struct {
	weights *tms.Weights
	n, m    int
	data    *toy.Source
	x       []float32
}

var _ ActivationSource = (*ToySource)(nil)

// NewToySource returns the activation source of the toy model of the given
// kind with weights W [m][n], fed by data drawn from rng.
func NewToySource(kind tms.Kind, W [][]float64, data toy.Config, rng *rand.Rand) (*ToySource, error) {
	switch kind {
	case tms.Privileged, tms.ReLUOutput, tms.Linear:
	default:
		return nil, fmt.Errorf("sae: toy source: model %q has no single hidden layer to read (want privileged, relu or linear)", kind)
	}
	if len(W) == 0 || len(W[0]) != data.Features {
		return nil, fmt.Errorf("sae: toy source: W is not [hidden][%d]", data.Features)
	}
	src, err := toy.NewSource(data, rng)
	if err != nil {
		return nil, fmt.Errorf("sae: toy source: %w", err)
	}
	weights, err := tms.NewWeights(kind, W, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("sae: toy source: %w", err)
	}
	return &ToySource{weights: weights, n: weights.Features(), m: weights.Hidden(), data: src}, nil
}

// NewWeightsSource returns the activation source of a trained toy model's
// hidden layer w (any privileged model, its extensions included: hidden
// bias, SoLU, LayerNorm), fed by data drawn from rng.
func NewWeightsSource(w *tms.Weights, data toy.Config, rng *rand.Rand) (*ToySource, error) {
	if w.Features() != data.Features {
		return nil, fmt.Errorf("sae: toy source: weights of %d features, data of %d", w.Features(), data.Features)
	}
	src, err := toy.NewSource(data, rng)
	if err != nil {
		return nil, fmt.Errorf("sae: toy source: %w", err)
	}
	return &ToySource{weights: w, n: w.Features(), m: w.Hidden(), data: src}, nil
}

// Width is the number of hidden neurons.
func (s *ToySource) Width() int { return s.m }

// Fill writes the hidden activations of fresh toy samples into h.
func (s *ToySource) Fill(h []float32) {
	rows := len(h) / s.m
	if cap(s.x) < rows*s.n {
		s.x = make([]float32, rows*s.n)
	}
	x := s.x[:rows*s.n]
	s.data.Fill(x)
	s.weights.HiddenLayer(h, x)
}

// Sample returns rows fresh toy inputs x [rows, n] and their activations h
// [rows, m].
func (s *ToySource) Sample(rows int) (x, h []float32) {
	x = make([]float32, rows*s.n)
	h = make([]float32, rows*s.m)
	s.data.Fill(x)
	s.weights.HiddenLayer(h, x)
	return x, h
}

// Truth returns, for every feature, its activation alone at 1: column i of
// W (rounded to float32, as the activations use it), through the ReLU for
// the privileged-basis model. For a model with a hidden bias, SoLU or a
// LayerNorm it is the hidden layer of feature i alone at 1 less the hidden
// layer of x = 0 (the offset every sample shares, which an SAE's decoder bias
// absorbs), as the activations compute them.
func (s *ToySource) Truth() [][]float64 {
	if !s.weights.Plain() {
		return s.responses()
	}
	w := s.weights.W32()
	out := make([][]float64, s.n)
	for i := range out {
		out[i] = make([]float64, s.m)
		for j := range out[i] {
			v := float64(w[j*s.n+i])
			if s.weights.Kind == tms.Privileged {
				v = math.Max(v, 0)
			}
			out[i][j] = v
		}
	}
	return out
}

// SyntheticConfig describes activations made of known sparse features.
type SyntheticConfig struct {
	// Inputs is the activation width d.
	Inputs int `json:"d"`
	// Features is the number of true features, random unit directions.
	Features int `json:"features"`
	// Active is the expected number of active features per sample.
	Active float64 `json:"active"`
	// Correlation is the probability that feature 2i+1 fires whenever
	// feature 2i does (on top of firing by itself); 0 means independent.
	Correlation float64 `json:"correlation"`
}

// Validate reports the first bad field.
func (c SyntheticConfig) Validate() error {
	switch {
	case c.Inputs < 1:
		return fmt.Errorf("d %d: must be at least 1", c.Inputs)
	case c.Features < 1:
		return fmt.Errorf("features %d: must be at least 1", c.Features)
	case !(c.Active > 0) || c.Active > float64(c.Features):
		return fmt.Errorf("active %v: must be in (0, features=%d]", c.Active, c.Features)
	case !(c.Correlation >= 0 && c.Correlation <= 1):
		return fmt.Errorf("correlation %v: must be in [0, 1]", c.Correlation)
	}
	return nil
}

// Synthetic streams x = Σᵢ cᵢ dᵢ over random unit directions dᵢ, each
// coefficient cᵢ ~ U[0, 1) with probability Active/Features and 0 otherwise.
type Synthetic struct {
	cfg  SyntheticConfig
	dirs []float32 // [features, d]
	rng  *rand.Rand
	act  []activation // scratch of Fill
}

var _ ActivationSource = (*Synthetic)(nil)

// NewSynthetic draws the directions and then the samples from rng.
func NewSynthetic(cfg SyntheticConfig, rng *rand.Rand) (*Synthetic, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sae: synthetic: %w", err)
	}
	d := cfg.Inputs
	dirs := make([]float32, cfg.Features*d)
	for i := 0; i < cfg.Features; i++ {
		row := dirs[i*d : (i+1)*d]
		var s float64
		for s == 0 {
			s = 0
			for j := range row {
				v := rng.NormFloat64()
				row[j] = float32(v)
				s += v * v
			}
		}
		for j := range row {
			row[j] = float32(float64(row[j]) / math.Sqrt(s))
		}
	}
	return &Synthetic{cfg: cfg, dirs: dirs, rng: rng}, nil
}

// Width is d.
func (s *Synthetic) Width() int { return s.cfg.Inputs }

// Fill writes fresh samples into x. Each feature's active rows are drawn by
// geometric gaps, so a batch costs O(active features), not O(features).
func (s *Synthetic) Fill(x []float32) {
	d, n := s.cfg.Inputs, s.cfg.Features
	rows := len(x) / d
	clear(x)
	if cap(s.act) < rows*n/8 {
		s.act = make([]activation, 0, rows*n/8)
	}
	act := s.act[:0]
	logq := math.Log1p(-s.cfg.Active / float64(n))
	for i := 0; i < n; i++ {
		for r := s.gap(logq); r < rows; r += 1 + s.gap(logq) {
			act = append(act, activation{row: r, feature: i})
		}
	}
	if c := s.cfg.Correlation; c > 0 {
		// Feature 2i+1 also fires with probability c in the rows of 2i.
		on := make(map[activation]bool, len(act))
		for _, a := range act {
			on[a] = true
		}
		for _, a := range act {
			partner := activation{row: a.row, feature: a.feature + 1}
			if a.feature%2 == 0 && partner.feature < n && !on[partner] && s.rng.Float64() < c {
				act = append(act, partner)
				on[partner] = true
			}
		}
	}
	for _, a := range act {
		v := float32(s.rng.Float64())
		xr := x[a.row*d : (a.row+1)*d]
		for j, dv := range s.dirs[a.feature*d : (a.feature+1)*d] {
			xr[j] += v * dv
		}
	}
	s.act = act
}

type activation struct{ row, feature int }

// gap draws the number of inactive rows before the next active one.
func (s *Synthetic) gap(logq float64) int {
	if math.IsInf(logq, -1) {
		return 0
	}
	g := math.Floor(math.Log(1-s.rng.Float64()) / logq)
	if g > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(g)
}

// Truth returns the feature directions.
func (s *Synthetic) Truth() [][]float64 {
	d := s.cfg.Inputs
	out := make([][]float64, s.cfg.Features)
	for i := range out {
		out[i] = make([]float64, d)
		for j := range out[i] {
			out[i][j] = float64(s.dirs[i*d+j])
		}
	}
	return out
}

// WithSamples returns a source with the same directions that draws its
// samples from rng.
func (s *Synthetic) WithSamples(rng *rand.Rand) *Synthetic {
	return &Synthetic{cfg: s.cfg, dirs: s.dirs, rng: rng}
}

// responses returns the float32 hidden layer of each feature alone at 1
// less that of x = 0, [features][hidden].
func (s *ToySource) responses() [][]float64 {
	x := make([]float32, (s.n+1)*s.n)
	for i := 0; i < s.n; i++ {
		x[i*s.n+i] = 1
	}
	h := make([]float32, (s.n+1)*s.m)
	s.weights.HiddenLayer(h, x)
	zero := h[s.n*s.m:]
	out := make([][]float64, s.n)
	for i := range out {
		out[i] = make([]float64, s.m)
		for j := range out[i] {
			out[i][j] = float64(h[i*s.m+j]) - float64(zero[j])
		}
	}
	return out
}
