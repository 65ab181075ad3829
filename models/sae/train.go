package sae

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sirupsen/logrus"
	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
)

// Init sets every parameter of m in p for training: decoder rows are random
// unit directions, the encoder is the decoder's transpose, b_enc is 0, b_dec
// is the geometric median of sample (row-major, d_in columns; nil for 0) and
// JumpReLU/BatchTopK thresholds start at InitThreshold (BatchTopK: 0, set
// during training).
func Init(p *graph.Params, m *Model, rng *rand.Rand, sample []float32) error {
	d, l := m.cfg.Inputs, m.cfg.Latents
	dec := make([]float64, l*d)
	for i := 0; i < l; i++ {
		row := dec[i*d : (i+1)*d]
		for {
			var s float64
			for j := range row {
				row[j] = rng.NormFloat64()
				s += row[j] * row[j]
			}
			if s > 0 {
				for j := range row {
					row[j] /= math.Sqrt(s)
				}
				break
			}
		}
	}
	enc := make([]float64, d*l)
	for i := 0; i < l; i++ {
		for j := 0; j < d; j++ {
			enc[j*l+i] = dec[i*d+j]
		}
	}
	bDec := make([]float64, d)
	if sample != nil {
		if len(sample)%d != 0 {
			return fmt.Errorf("sae: init: sample of %d values is not whole rows of %d", len(sample), d)
		}
		bDec = GeometricMedian(sample, d, 100)
	}
	type param struct {
		name  string
		shape []int
		vals  []float64
	}
	set := []param{
		{ParamWEnc, []int{d, l}, enc},
		{ParamBEnc, []int{l}, make([]float64, l)},
		{ParamWDec, []int{l, d}, dec},
		{ParamBDec, []int{d}, bDec},
	}
	switch m.cfg.Variant {
	case JumpReLU:
		set = append(set, param{ParamThreshold, []int{l}, repeat(m.cfg.InitThreshold, l)})
	case BatchTopK:
		set = append(set, param{ParamThreshold, []int{l}, make([]float64, l)})
	}
	for _, s := range set {
		if err := p.Set(s.name, s.shape, s.vals); err != nil {
			return fmt.Errorf("sae: init: %w", err)
		}
	}
	m.fallback = false
	return nil
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// GeometricMedian returns the point minimising the summed Euclidean distance
// to the rows of x (row-major, d columns), by Weiszfeld's iteration from the
// mean.
func GeometricMedian(x []float32, d, iters int) []float64 {
	rows := len(x) / d
	med := make([]float64, d)
	for i := 0; i < rows; i++ {
		for j := 0; j < d; j++ {
			med[j] += float64(x[i*d+j]) / float64(rows)
		}
	}
	next := make([]float64, d)
	for it := 0; it < iters; it++ {
		clear(next)
		var wsum float64
		for i := 0; i < rows; i++ {
			var s float64
			for j := 0; j < d; j++ {
				v := float64(x[i*d+j]) - med[j]
				s += v * v
			}
			w := 1 / math.Max(math.Sqrt(s), 1e-8)
			wsum += w
			for j := 0; j < d; j++ {
				next[j] += w * float64(x[i*d+j])
			}
		}
		var moved float64
		for j := range next {
			next[j] /= wsum
			moved = math.Max(moved, math.Abs(next[j]-med[j]))
		}
		copy(med, next)
		if moved < 1e-9 {
			break
		}
	}
	return med
}

// Stats is what training observed about the latents.
type Stats struct {
	// Resampled counts the latents revived by resampling (ReLUL1).
	Resampled int `json:"resampled"`
	// DeadAtEnd counts the latents that had not fired for DeadAfter steps at
	// the last step.
	DeadAtEnd int `json:"dead_at_end"`
	// ResumedAt is the step a checkpoint resumed training from (0: none).
	ResumedAt int `json:"-"`
}

// recipe is the state of one training run of an SAE: what the loop does
// besides following the gradient of the loss. It is saved in checkpoints.
type recipe struct {
	LastFired                  []int
	ThresholdSum, ThresholdEMA float64
	ThresholdN                 int
	ThresholdEMASet            bool
	Stats                      Stats
}

var _ graph.HookedModel = (*Model)(nil)

// Hooks returns the training recipe of m's variant as hooks of the shared
// training loop, so that graph.Train and [Train] train an SAE the same way:
// the L1 (or L0) coefficient warms up over the first L1Warmup of the steps;
// decoder rows stay at unit norm (ReLUL1, TopK, BatchTopK, JumpReLU) by
// removing the gradient's radial part before each Adam step and
// renormalising after it; latents that have not fired for DeadAfter steps
// are AuxK's dead latents and, for ReLUL1, are resampled every
// ResampleEvery steps in the first half of training (draws from
// graph.NewRand(cfg.Seed, step)); JumpReLU thresholds are clamped at 0; and
// BatchTopK's inference threshold follows the smallest kept activation. The
// parameters must have been set by [Init].
func (m *Model) Hooks(t *graph.Trainer) (graph.Hooks, error) {
	cfg := m.cfg
	p := t.Params()
	if !m.initialised(p) {
		return graph.Hooks{}, errors.New("sae: parameters not initialised (call sae.Init before training)")
	}
	steps := t.Config().Steps
	r := &recipe{LastFired: make([]int, cfg.Latents)}
	m.stats = &r.Stats
	warm := int(math.Ceil(cfg.L1Warmup * float64(steps)))
	h := graph.Hooks{
		BeforeStep: func(step int) error {
			ramp := math.Min(1, float64(step+1)/float64(max(warm, 1)))
			switch cfg.Variant {
			case ReLUL1, ReLUL1Norm:
				m.coef.Set(cfg.L1 * ramp)
			case JumpReLU:
				m.coef.Set(cfg.L0 * ramp)
			}
			for j := range m.dead {
				m.dead[j] = step-r.LastFired[j] >= cfg.DeadAfter
			}
			return nil
		},
		AfterStep: func(step int, p *graph.Params) error {
			r.afterStep(m, t, step, steps)
			return nil
		},
		Save: func() ([]byte, error) {
			var buf bytes.Buffer
			err := gob.NewEncoder(&buf).Encode(r)
			return buf.Bytes(), err
		},
		Load: func(state []byte) error {
			var next recipe
			if err := gob.NewDecoder(bytes.NewReader(state)).Decode(&next); err != nil {
				return err
			}
			if len(next.LastFired) != cfg.Latents {
				return fmt.Errorf("%d latent counters for %d latents", len(next.LastFired), cfg.Latents)
			}
			*r = next
			return nil
		},
	}
	if cfg.Variant.UnitDecoder() {
		h.EditGrads = func(_ int, p *graph.Params, g graph.Grads) error {
			if gd := g[ParamWDec]; gd != nil {
				projectRadial(gd, p.Tensor(ParamWDec), cfg.Inputs)
			}
			return nil
		}
	}
	return h, nil
}

// Objective returns m's loss alone, as a graph.Model without m's training
// recipe: no warm-up, no decoder constraint, no dead-latent counters. It is
// for comparisons with peers that train the bare objective (benchmarks, the
// PyTorch differential test); train SAEs with [Train] or graph.Train on m.
func (m *Model) Objective() graph.Model { return objective{m} }

type objective struct{ m *Model }

func (o objective) Loss(b *graph.Builder, in graph.Inputs) []graph.Term { return o.m.Loss(b, in) }

// initialised reports whether [Init] (or an import, or the caller) set m's
// parameters in p, rather than the builder's fallback initialisation.
func (m *Model) initialised(p *graph.Params) bool {
	return p.Tensor(ParamWDec) != nil && !m.fallback
}

// afterStep is the recipe's work after the Adam update of step.
func (r *recipe) afterStep(m *Model, t *graph.Trainer, step, steps int) {
	cfg, p := m.cfg, t.Params()
	var minKept float64
	if c := t.WatchedCode(WatchLatents); c != nil {
		for i, n := range c.Count {
			for _, j := range c.Cols[i*c.K : i*c.K+int(n)] {
				r.LastFired[j] = step + 1
			}
		}
	} else {
		switch f := t.Watched(WatchLatents).Data().(type) {
		case []float32:
			minKept = markFired(f, cfg.Latents, r.LastFired, step+1)
		case []float64:
			minKept = markFired(f, cfg.Latents, r.LastFired, step+1)
		}
	}
	if cfg.Variant.UnitDecoder() {
		normaliseRows(p.Tensor(ParamWDec), cfg.Inputs)
	}
	switch cfg.Variant {
	case JumpReLU:
		clampMin(p.Tensor(ParamThreshold), 0)
	case BatchTopK:
		// The inference threshold is the mean smallest kept activation
		// over the last quarter of training, when the encoder has
		// settled; before that, an exponential average stands in.
		if !math.IsInf(minKept, 1) {
			if step < steps*3/4 {
				if !r.ThresholdEMASet {
					r.ThresholdEMA, r.ThresholdEMASet = minKept, true
				}
				r.ThresholdEMA = 0.99*r.ThresholdEMA + 0.01*minKept
				fill(p.Tensor(ParamThreshold), r.ThresholdEMA)
			} else {
				r.ThresholdSum += minKept
				r.ThresholdN++
				fill(p.Tensor(ParamThreshold), r.ThresholdSum/float64(r.ThresholdN))
			}
		}
	case ReLUL1:
		next := step + 1
		if cfg.ResampleEvery > 0 && next%cfg.ResampleEvery == 0 && next <= steps/2 {
			var dead []int
			for j, last := range r.LastFired {
				if next-last >= min(cfg.DeadAfter, cfg.ResampleEvery) {
					dead = append(dead, j)
				}
			}
			if len(dead) > 0 {
				resample(p, t, m, dead, graph.NewRand(cfg.Seed, uint64(next)))
				r.Stats.Resampled += len(dead)
				for _, j := range dead {
					r.LastFired[j] = next
				}
			}
		}
	}
	if step == steps-1 {
		r.Stats.DeadAtEnd = 0
		for _, last := range r.LastFired {
			if steps-last >= cfg.DeadAfter {
				r.Stats.DeadAtEnd++
			}
		}
	}
}

// Train trains m on batches from src (d_in columns) from the parameters in p,
// which [Init] must have set, through graph.Train with m's recipe ([Model.Hooks]),
// and returns what the recipe observed.
//
// seed determines the resampling draws (it sets the config's Seed). With
// cfg.Checkpoint set, training resumes from that checkpoint file when it
// exists and saves one every CheckpointEvery steps and at the end; a resumed
// run ends exactly as an uninterrupted one.
func Train(ctx context.Context, m *Model, src graph.Features, p *graph.Params, seed uint64, opts ...graph.Option) (graph.History, Stats, error) {
	m.cfg.Seed = seed
	cfg := m.cfg
	if src.Width() != cfg.Inputs {
		return graph.History{}, Stats{}, fmt.Errorf("sae: train: source width %d, d_in %d", src.Width(), cfg.Inputs)
	}
	if cfg.Checkpoint != "" {
		k := cfg
		k.Checkpoint, k.CheckpointEvery = "", 0
		kj, err := json.Marshal(struct {
			Config Config
			Seed   uint64
			Data   string
		}{k, seed, m.checkpointData})
		if err != nil {
			return graph.History{}, Stats{}, err
		}
		opts = append(opts, graph.WithCheckpoint(cfg.Checkpoint, string(kj), cfg.CheckpointEvery))
	}
	m.stats = nil
	opts = append(opts, graph.WithLogFields(logrus.Fields{"variant": string(cfg.Variant), "d_sae": cfg.Latents}))
	hist, err := graph.Train(ctx, m, graph.FromFeatures(src), p, cfg.Train, opts...)
	var st Stats
	if m.stats != nil {
		st = *m.stats
	}
	st.ResumedAt = hist.ResumedAt
	if err != nil {
		return hist, st, fmt.Errorf("sae: %w", err)
	}
	return hist, st, nil
}

// markFired sets lastFired[j] = now for every latent j active in some row
// of f, and returns the smallest active value (+Inf when none is).
func markFired[T float32 | float64](f []T, latents int, lastFired []int, now int) float64 {
	minKept := T(math.Inf(1))
	for i := 0; i < len(f); i += latents {
		for j, v := range f[i : i+latents] {
			if v != 0 {
				lastFired[j] = now
				minKept = min(minKept, v)
			}
		}
	}
	return float64(minKept)
}

// resample revives dead latents as in Bricken et al. (2023): each takes the
// direction of a batch input drawn with probability proportional to its
// squared reconstruction error, as its decoder row (unit norm) and encoder
// column (norm 0.2 × the mean norm of the live encoder columns), with
// b_enc = 0 and fresh Adam moments.
func resample(p *graph.Params, t *graph.Trainer, m *Model, dead []int, rng *rand.Rand) {
	d, l := m.cfg.Inputs, m.cfg.Latents
	x := graph.Values(t.Input(graph.X))
	xh := graph.Values(t.Watched(WatchRecon))
	bDec := p.Float64s(ParamBDec)
	rows := len(x) / d
	loss := make([]float64, rows)
	var total float64
	for i := range loss {
		for j := 0; j < d; j++ {
			e := x[i*d+j] - xh[i*d+j]
			loss[i] += e * e
		}
		loss[i] *= loss[i]
		total += loss[i]
	}
	wEnc, wDec := p.Tensor(ParamWEnc), p.Tensor(ParamWDec)
	enc := graph.Values(wEnc)
	isDead := make([]bool, l)
	for _, j := range dead {
		isDead[j] = true
	}
	var liveNorm float64
	live := 0
	for j := 0; j < l; j++ {
		if isDead[j] {
			continue
		}
		var s float64
		for i := 0; i < d; i++ {
			s += enc[i*l+j] * enc[i*l+j]
		}
		liveNorm += math.Sqrt(s)
		live++
	}
	if live > 0 {
		liveNorm /= float64(live)
	} else {
		liveNorm = 1
	}
	adam := t.Solver()
	for _, j := range dead {
		pick := rng.IntN(rows)
		if total > 0 {
			u := rng.Float64() * total
			for i, v := range loss {
				if u -= v; u < 0 {
					pick = i
					break
				}
			}
		}
		dir := make([]float64, d)
		var s float64
		for i := range dir {
			dir[i] = x[pick*d+i] - bDec[i]
			s += dir[i] * dir[i]
		}
		if s == 0 {
			for i := range dir {
				dir[i] = rng.NormFloat64()
				s += dir[i] * dir[i]
			}
		}
		for i := range dir {
			dir[i] /= math.Sqrt(s)
			setAt(wDec, j*d+i, dir[i])
			setAt(wEnc, i*l+j, 0.2*liveNorm*dir[i])
		}
		setAt(p.Tensor(ParamBEnc), j, 0)
		reset := func(name string, idx int) {
			if mm := adam.M[name]; mm != nil {
				mm[idx], adam.V[name][idx] = 0, 0
			}
		}
		reset(ParamBEnc, j)
		for i := 0; i < d; i++ {
			reset(ParamWDec, j*d+i)
			reset(ParamWEnc, i*l+j)
		}
	}
}

func setAt(t *tensor.Dense, i int, v float64) {
	switch d := t.Data().(type) {
	case []float32:
		d[i] = float32(v)
	case []float64:
		d[i] = v
	}
}

func fill(t *tensor.Dense, v float64) {
	for i := 0; i < t.Size(); i++ {
		setAt(t, i, v)
	}
}

func clampMin(t *tensor.Dense, lo float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i, v := range d {
			d[i] = max(v, float32(lo))
		}
	case []float64:
		for i, v := range d {
			d[i] = max(v, lo)
		}
	}
}

// projectRadial removes from each row of the gradient g [r, d] its component
// along the matching row of w, so that an infinitesimal step keeps the rows'
// norms.
func projectRadial(g, w *tensor.Dense, d int) {
	switch gs := g.Data().(type) {
	case []float32:
		projectRows(gs, w.Data().([]float32), d)
	case []float64:
		projectRows(gs, w.Data().([]float64), d)
	}
}

func projectRows[T float32 | float64](g, w []T, d int) {
	for i := 0; i < len(g); i += d {
		var dot, nn float64
		for j := i; j < i+d; j++ {
			dot += float64(g[j]) * float64(w[j])
			nn += float64(w[j]) * float64(w[j])
		}
		if nn == 0 {
			continue
		}
		c := T(dot / nn)
		for j := i; j < i+d; j++ {
			g[j] -= c * w[j]
		}
	}
}

// normaliseRows scales every row of t [r, d] to unit norm (zero rows stay).
func normaliseRows(t *tensor.Dense, d int) {
	switch x := t.Data().(type) {
	case []float32:
		for i := 0; i < len(x); i += d {
			var s float64
			for _, v := range x[i : i+d] {
				s += float64(v) * float64(v)
			}
			if s > 0 {
				inv := float32(1 / math.Sqrt(s))
				for j := i; j < i+d; j++ {
					x[j] *= inv
				}
			}
		}
	case []float64:
		for i := 0; i < len(x); i += d {
			var s float64
			for _, v := range x[i : i+d] {
				s += v * v
			}
			if s > 0 {
				inv := 1 / math.Sqrt(s)
				for j := i; j < i+d; j++ {
					x[j] *= inv
				}
			}
		}
	}
}

// NormaliseDecoder scales every decoder row in p to unit norm.
func NormaliseDecoder(p *graph.Params) {
	t := p.Tensor(ParamWDec)
	if t == nil {
		return
	}
	normaliseRows(t, t.Shape()[1])
}
