// Package sae holds sparse autoencoders as Gorgonia graphs:
//
//	f = act(W_encᵀ (x − b_dec) + b_enc),  x̂ = W_decᵀ f + b_dec
//
// (row-vector form: f = act((x − b_dec)·W_enc + b_enc), x̂ = f·W_dec + b_dec)
// with the variants researchers compare: ReLU with an L1 penalty and a
// unit-norm decoder (Bricken et al., 2023), ReLU with an L1 penalty weighted
// by decoder norms (Conerly et al., 2024), TopK with the AuxK loss (Gao et
// al., 2024), BatchTopK with its inference threshold (Bussmann et al., 2024)
// and JumpReLU with straight-through threshold gradients (Rajamanoharan et
// al., 2024). Parameters carry SAELens' names and shapes.
//
// TopK trains from the sparse code of its latents (graph.Builder.TopKCode):
// only the encoder's pre-activations are computed for every latent, since
// they pick the K winners; the decoder, its gradient and the encoder's
// gradient touch the K active latents of each row only, B·K·d_in work where
// the dense products would take B·latents·d_in (Config.DenseTopK keeps the
// dense path as the reference).
package sae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/toymodels/superposition/graph"
)

// Variant names an SAE architecture and its training recipe.
type Variant string

// The SAE variants.
const (
	// ReLUL1 is ReLU with an L1 penalty on the latents, a unit-norm decoder
	// (gradient projection and renormalisation every step), b_dec at the
	// geometric median of a sample, and resampling of dead latents.
	ReLUL1 Variant = "relu-l1"
	// ReLUL1Norm is ReLU with the L1 penalty of each latent weighted by its
	// decoder row's norm, and an unconstrained decoder.
	ReLUL1Norm Variant = "relu-l1-norm"
	// TopK keeps the K largest pre-activations of each sample; the AuxK loss
	// lets dead latents learn to model the residual.
	TopK Variant = "topk"
	// BatchTopK keeps the K·batch largest pre-activations of the batch in
	// training and thresholds each latent at a learned value in inference.
	BatchTopK Variant = "batchtopk"
	// JumpReLU zeroes pre-activations below a learned per-latent threshold
	// and penalises L0 directly, both through straight-through gradients.
	JumpReLU Variant = "jumprelu"
)

// ParseVariant returns the variant called s: one of [Variants], or
// SAELens' name "standard" for ReLUL1 (its ReLU + L1 architecture).
func ParseVariant(s string) (Variant, error) {
	if s == "standard" {
		return ReLUL1, nil
	}
	if v := Variant(s); slices.Contains(Variants, v) {
		return v, nil
	}
	return "", fmt.Errorf("variant %q: unknown (want one of %v, or standard for relu-l1)", s, Variants)
}

// Variants lists every variant, for flags and validation.
var Variants = []Variant{ReLUL1, ReLUL1Norm, TopK, BatchTopK, JumpReLU}

// Parameter names and shapes, as in SAELens.
const (
	ParamWEnc      = "W_enc"     // [d_in, latents]
	ParamBEnc      = "b_enc"     // [latents]
	ParamWDec      = "W_dec"     // [latents, d_in]
	ParamBDec      = "b_dec"     // [d_in]
	ParamThreshold = "threshold" // [latents]: JumpReLU, BatchTopK (inference)
)

// Names of the values a training graph watches (graph.Builder.Watch; the
// latents of TopK's sparse path as a code, graph.Builder.WatchCode).
const (
	WatchLatents = "sae.latents"
	WatchRecon   = "sae.recon"
)

// Config describes one SAE and how it is trained.
type Config struct {
	Variant Variant `json:"variant"`
	// Inputs is the width of the activations (d_in).
	Inputs int `json:"d_in"`
	// Latents is the dictionary size (d_sae).
	Latents int `json:"latents"`
	// L1 is the sparsity coefficient of the ReLU variants.
	L1 float64 `json:"l1,omitempty"`
	// L1Warmup is the fraction of the steps over which the sparsity
	// coefficient (L1, or JumpReLU's L0) rises linearly from 0 (default 0.05).
	L1Warmup float64 `json:"l1_warmup,omitempty"`
	// K is the number of active latents per sample of TopK and BatchTopK.
	K int `json:"k,omitempty"`
	// AuxK is the number of dead latents AuxK uses (default d_in/2, at
	// most the latents and at least 1); AuxCoef weights its loss (default
	// 1/32).
	AuxK    int     `json:"aux_k,omitempty"`
	AuxCoef float64 `json:"aux_coef,omitempty"`
	// L0 is JumpReLU's sparsity coefficient; Bandwidth is ε of its
	// straight-through estimator (default 0.01); InitThreshold is θ at the
	// start (default 0.01).
	L0            float64 `json:"l0,omitempty"`
	Bandwidth     float64 `json:"bandwidth,omitempty"`
	InitThreshold float64 `json:"init_threshold,omitempty"`
	// DeadAfter is the number of steps without firing after which a latent
	// counts as dead for AuxK and resampling (default 200).
	DeadAfter int `json:"dead_after,omitempty"`
	// ResampleEvery is the interval, in steps, of dead-latent resampling for
	// ReLUL1 (default Steps/10; resampling stops after half the steps).
	ResampleEvery int `json:"resample_every,omitempty"`
	// DenseTopK makes TopK decode and backpropagate densely, over every
	// latent of every row (the reference the sparse path is tested and
	// timed against). By default TopK's decoder, its gradient and the
	// encoder's gradient touch only the K active latents of each row
	// (graph.Builder.TopKCode).
	DenseTopK bool `json:"dense_topk,omitempty"`
	// Train is the optimiser setup; zero fields take graph.DefaultConfig's.
	Train graph.Config `json:"train"`
	// Seed determines the resampling draws of ReLUL1 (the draws of the
	// resampling at step s come from graph.NewRand(Seed, s)).
	Seed uint64 `json:"seed,omitempty"`
	// Checkpoint, when set, is the checkpoint file of [Train], written
	// every CheckpointEvery steps (default 1000). Not part of the results.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
}

// WithDefaults fills the zero fields with the defaults of c's variant.
func (c Config) WithDefaults() Config {
	c.Train = c.Train.WithDefaults()
	if c.L1Warmup == 0 {
		c.L1Warmup = 0.05
	}
	if c.AuxK == 0 {
		// d_in/2 as Gao et al., but never more latents than there are: a
		// dictionary narrower than half its input has at most all of them dead.
		c.AuxK = max(min(c.Inputs/2, c.Latents), 1)
	}
	if c.AuxCoef == 0 {
		c.AuxCoef = 1.0 / 32
	}
	if c.Bandwidth == 0 {
		c.Bandwidth = 0.01
	}
	if c.InitThreshold == 0 {
		c.InitThreshold = 0.01
	}
	if c.DeadAfter == 0 {
		c.DeadAfter = 200
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = 1000
	}
	if c.ResampleEvery == 0 && c.Variant == ReLUL1 {
		c.ResampleEvery = max(c.Train.Steps/10, 1)
	}
	return c
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	if !slices.Contains(Variants, c.Variant) {
		return fmt.Errorf("variant %q: unknown (want one of %v)", string(c.Variant), Variants)
	}
	bad := func(v float64) bool { return !(v >= 0) || math.IsInf(v, 0) }
	switch {
	case c.Inputs < 1:
		return fmt.Errorf("d_in %d: must be at least 1", c.Inputs)
	case c.Latents < 1:
		return fmt.Errorf("latents %d: must be at least 1", c.Latents)
	case bad(c.L1):
		return fmt.Errorf("l1 %v: must be a non-negative finite number", c.L1)
	case bad(c.L1Warmup) || c.L1Warmup > 1:
		return fmt.Errorf("l1_warmup %v: must be a fraction of the steps in [0, 1]", c.L1Warmup)
	case (c.Variant == TopK || c.Variant == BatchTopK) && (c.K < 1 || c.K > c.Latents):
		return fmt.Errorf("k %d: must be in [1, latents=%d] for %s", c.K, c.Latents, c.Variant)
	case c.AuxK < 0 || c.AuxK > c.Latents:
		return fmt.Errorf("aux_k %d: must be in [0, latents=%d]", c.AuxK, c.Latents)
	case bad(c.AuxCoef):
		return fmt.Errorf("aux_coef %v: must be a non-negative finite number", c.AuxCoef)
	case bad(c.L0):
		return fmt.Errorf("l0 %v: must be a non-negative finite number", c.L0)
	case !(c.Bandwidth > 0) || math.IsInf(c.Bandwidth, 0):
		return fmt.Errorf("bandwidth %v: must be a positive finite number", c.Bandwidth)
	case bad(c.InitThreshold):
		return fmt.Errorf("init_threshold %v: must be a non-negative finite number", c.InitThreshold)
	case c.DeadAfter < 1:
		return fmt.Errorf("dead_after %d: must be at least 1", c.DeadAfter)
	case c.ResampleEvery < 0:
		return fmt.Errorf("resample_every %d: must not be negative", c.ResampleEvery)
	}
	if err := c.Train.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// UnitDecoder reports whether the variant keeps decoder rows at unit norm.
func (v Variant) UnitDecoder() bool { return v != ReLUL1Norm }

// Model is an SAE graph. It satisfies graph.Model: its loss terms are "mse"
// (squared error summed over inputs, averaged over the batch) and the
// variant's sparsity term ("l1", "auxk" or "l0").
type Model struct {
	cfg  Config
	coef *graph.Coef // L1 or L0 coefficient, changed by the recipe (warmup)
	dead []bool      // latents AuxK may use, updated by the recipe
	// fallback is set when a builder created a parameter that [Init] should
	// have set: such a model is not trained (see [Model.Hooks]).
	fallback bool
	stats    *Stats // of the last training run
	// checkpointData identifies the training data in the checkpoint key.
	checkpointData string
}

var _ graph.Model = (*Model)(nil)

// New returns the SAE of cfg (defaults filled in), or an error naming the
// bad field.
func New(cfg Config) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sae: %w", err)
	}
	c := cfg.L1
	if cfg.Variant == JumpReLU {
		c = cfg.L0
	}
	return &Model{cfg: cfg, coef: graph.NewCoef(c), dead: make([]bool, cfg.Latents)}, nil
}

// SetCheckpoint makes [Train] checkpoint to path every `every` steps (and
// resume from it when it exists). data identifies the activations the SAE
// trains on (their source's configuration and seed, a hash of the model they
// come from): a checkpoint of the same SAE on other data is refused, not
// resumed.
func (m *Model) SetCheckpoint(path string, every int, data string) {
	m.cfg.Checkpoint, m.cfg.CheckpointEvery, m.checkpointData = path, max(every, 1), data
}

// Config returns the model's configuration with defaults filled in.
func (m *Model) Config() Config { return m.cfg }

func (m *Model) params(b *graph.Builder) (wEnc, bEnc, wDec, bDec *graph.Node) {
	d, l := m.cfg.Inputs, m.cfg.Latents
	wEnc = b.Param(ParamWEnc, m.fallbackInit(graph.KaimingUniform), d, l)
	bEnc = b.Param(ParamBEnc, m.fallbackInit(graph.Zeros), l)
	wDec = b.Param(ParamWDec, m.fallbackInit(graph.KaimingUniform), l, d)
	bDec = b.Param(ParamBDec, m.fallbackInit(graph.Zeros), d)
	return
}

// fallbackInit is init, noting that a parameter was not set by [Init]
// (gradient checks and benchmarks build SAEs on such values; training
// refuses them).
func (m *Model) fallbackInit(init graph.Init) graph.Init {
	return func(rng *rand.Rand, shape []int, vals []float64) {
		m.fallback = true
		init(rng, shape, vals)
	}
}

// Encode returns the pre-activations [batch, latents] and the latents of x
// [batch, d_in]. In inference BatchTopK thresholds each latent instead of
// ranking the batch.
func (m *Model) Encode(b *graph.Builder, x *graph.Node, inference bool) (pre, f *graph.Node) {
	pre, f, code := m.encode(b, x, inference)
	if code != nil {
		f = b.Dense(code)
	}
	return pre, f
}

// encode is Encode, except that TopK's sparse path (m.sparse()) returns
// the code of the latents, from which the training graph decodes, instead
// of the latents themselves.
func (m *Model) encode(b *graph.Builder, x *graph.Node, inference bool) (pre, f *graph.Node, code *graph.Code) {
	wEnc, bEnc, _, bDec := m.params(b)
	if m.sparse() {
		pre = b.Encoder(x, wEnc, bEnc, bDec)
		return pre, nil, b.TopKCode(pre, m.cfg.K)
	}
	pre = b.AddRow(b.MatMul(b.SubRow(x, bDec), wEnc), bEnc)
	switch m.cfg.Variant {
	case TopK:
		f = b.TopK(pre, m.cfg.K)
	case BatchTopK:
		if inference {
			f = b.JumpReLU(pre, m.threshold(b), m.cfg.Bandwidth)
		} else {
			f = b.BatchTopK(pre, m.cfg.K)
		}
	case JumpReLU:
		f = b.JumpReLU(pre, m.threshold(b), m.cfg.Bandwidth)
	default:
		f = b.ReLU(pre)
	}
	return pre, f, nil
}

// sparse reports whether m computes TopK from its sparse code.
func (m *Model) sparse() bool { return m.cfg.Variant == TopK && !m.cfg.DenseTopK }

func (m *Model) threshold(b *graph.Builder) *graph.Node {
	return b.Param(ParamThreshold, m.fallbackInit(graph.Full(m.cfg.InitThreshold)), m.cfg.Latents)
}

// Infer returns the latents [batch, latents] and the reconstruction
// [batch, d_in] of x in inference, decoding as training does: TopK's
// sparse path from the code of the latents (B·k·d_in multiply-adds instead
// of the dense B·latents·d_in), every other variant by [Model.Decode].
func (m *Model) Infer(b *graph.Builder, x *graph.Node) (f, xh *graph.Node) {
	_, f, code := m.encode(b, x, true)
	if code == nil {
		return f, m.Decode(b, f)
	}
	_, _, wDec, bDec := m.params(b)
	return b.Dense(code), b.AddRow(b.CodeMatMul(code, wDec), bDec)
}

// Decode returns the reconstruction [batch, d_in] of latents f.
func (m *Model) Decode(b *graph.Builder, f *graph.Node) *graph.Node {
	_, _, wDec, bDec := m.params(b)
	return b.AddRow(b.MatMul(f, wDec), bDec)
}

// Loss is the training objective on a batch x [batch, d_in].
func (m *Model) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	x := in.X()
	pre, f, code := m.encode(b, x, false)
	_, _, wDec, bDec := m.params(b)
	var xh *graph.Node // [batch, d_in]
	if code != nil {
		xh = b.AddRow(b.CodeMatMul(code, wDec), bDec)
	} else {
		xh = m.Decode(b, f)
	}
	ones := b.Const(slices.Repeat([]float64{1}, m.cfg.Inputs))
	mse := b.WeightedSqErr(x, xh, ones)
	if code != nil {
		b.WatchCode(WatchLatents, code)
	} else {
		b.Watch(WatchLatents, f)
	}
	b.Watch(WatchRecon, xh)
	terms := []graph.Term{{Name: "mse", Node: mse}}
	switch m.cfg.Variant {
	case ReLUL1:
		terms = append(terms, graph.Term{Name: "l1", Node: b.L1(f, b.Const(slices.Repeat([]float64{1}, m.cfg.Latents)), m.coef)})
	case ReLUL1Norm:
		terms = append(terms, graph.Term{Name: "l1", Node: b.L1(f, b.RowNorms(wDec), m.coef)})
	case TopK, BatchTopK:
		if m.cfg.AuxK > 0 && m.cfg.AuxCoef > 0 {
			// The dead latents' best AuxK pre-activations reconstruct the
			// residual, which is data here (no gradient into the live SAE).
			resid := b.Detach(b.Sub(x, xh))
			var aux *graph.Node
			if code != nil {
				aux = b.CodeMatMul(b.MaskedTopKCode(pre, m.cfg.AuxK, m.dead), wDec)
			} else {
				aux = b.MatMul(b.MaskedTopK(pre, m.cfg.AuxK, m.dead), wDec)
			}
			terms = append(terms, graph.Term{Name: "auxk", Node: b.Scale(b.WeightedSqErr(resid, aux, ones), m.cfg.AuxCoef)})
		}
	case JumpReLU:
		terms = append(terms, graph.Term{Name: "l0", Node: b.ScaleBy(b.L0(pre, m.threshold(b), m.cfg.Bandwidth), m.coef)})
	}
	return terms
}
