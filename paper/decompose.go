package paper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// Activation sources of the decomposition experiments.
const (
	SourcePrivileged = "privileged"  // h = ReLU(W x) of a privileged-basis toy model
	SourceReLUOutput = "relu-output" // h = W x of a ReLU-output toy model
	SourceSynthetic  = "synthetic"   // random unit directions with sparse coefficients
)

// DecomposeConfig holds the flags of experiments/decompose (and the base of
// experiments/saesweep).
type DecomposeConfig struct {
	Out     string `json:"-"`
	Seed    uint64 `json:"seed"`
	Verbose bool   `json:"-"`
	// Source is privileged, relu-output or synthetic.
	Source string `json:"source"`
	// Features is n: the toy model's features, or the synthetic source's
	// true features. Hidden is m: the toy's neurons, or the synthetic
	// activations' width d.
	Features int `json:"features"`
	Hidden   int `json:"hidden"`
	// Probability is every toy feature's probability of being active.
	Probability float64 `json:"probability"`
	// Importance is the decay r of the toy's importances Iᵢ = rⁱ.
	Importance float64 `json:"importance_decay"`
	// Active is the expected number of active synthetic features per sample.
	Active float64 `json:"active"`
	// ToySteps and ToyRestarts train the toy model (best of ToyRestarts).
	ToySteps    int `json:"toy_steps"`
	ToyRestarts int `json:"toy_restarts"`
	// Latents is the dictionary size; 0 means 3/2 × Features.
	Latents int `json:"latents"`
	// LatentsResolved, KResolved and BatchKResolved are what Latents, K and
	// BatchK resolved to (their automatic values where they are 0), written
	// by Resolved so that a summary shows what ran; a run recomputes them
	// and never reads them.
	LatentsResolved int `json:"latents_resolved"`
	// Variants are the SAE variants trained, each on the same activations.
	Variants []string `json:"variants"`
	// L1 (ReLU variants), K (TopK), BatchK (BatchTopK's mean per sample)
	// and L0 (JumpReLU) set sparsity. K and BatchK 0 mean automatic: the
	// expected number of active features per sample (n·p, or Active),
	// rounded, at least 1.
	L1             float64 `json:"l1"`
	K              int     `json:"k"`
	KResolved      int     `json:"k_resolved"`
	BatchK         int     `json:"batchtopk_k"`
	BatchKResolved int     `json:"batchtopk_k_resolved"`
	L0             float64 `json:"l0"`
	// SAESteps, Batch and LR train the SAEs (Batch and LR the toy too).
	SAESteps int     `json:"sae_steps"`
	Batch    int     `json:"batch"`
	LR       float64 `json:"lr"`
	// EvalSamples is the number of fresh samples every metric is measured on.
	EvalSamples int `json:"eval_samples"`
	// Checkpoint is a folder of training checkpoints (the toy model and
	// every SAE, every CheckpointEvery steps); the same command run again
	// resumes from them. Not part of the results.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
}

// DefaultDecomposeConfig is experiments/decompose's default: a privileged-
// basis toy model with 30 features on 12 neurons at p = 0.03, and every SAE
// variant with a dictionary of 1.5 latents per feature.
func DefaultDecomposeConfig() DecomposeConfig {
	return DecomposeConfig{
		Out: "out/decompose", Seed: 1, Source: SourcePrivileged,
		Features: 30, Hidden: 12, Probability: 0.03, Importance: 1, Active: 4,
		ToySteps: 10000, ToyRestarts: 1,
		Variants: variantNames(sae.Variants),
		L1:       0.3, L0: 0.1,
		SAESteps: 6000, Batch: 1024, LR: 1e-3, EvalSamples: 1 << 16,
	}
}

func variantNames(vs []sae.Variant) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// DictionarySize is the resolved dictionary size: Latents, or 3/2 × Features
// (at least 1) when Latents is 0.
func (c DecomposeConfig) DictionarySize() int {
	if c.Latents == 0 {
		return max(3*c.Features/2, 1)
	}
	return c.Latents
}

// Resolved returns c with LatentsResolved, KResolved and BatchKResolved set
// to the dictionary size and the TopK and BatchTopK sparsities its SAEs use.
func (c DecomposeConfig) Resolved() DecomposeConfig {
	c.LatentsResolved = c.DictionarySize()
	c.KResolved = c.Spec(sae.TopK, c.LatentsResolved).K
	c.BatchKResolved = c.Spec(sae.BatchTopK, c.LatentsResolved).K
	return c
}

// SAEResult is one trained SAE measured against the ground truth.
type SAEResult struct {
	Variant string `json:"variant"`
	Latents int    `json:"latents"`
	// Coefficient is the sparsity setting: L1, K or L0 by variant.
	Coefficient float64 `json:"coefficient"`
	// L0 is the mean number of active latents per sample.
	L0 float64 `json:"l0"`
	// FVU is the fraction of the activations' variance unexplained.
	FVU           float64 `json:"fvu"`
	DeadFraction  float64 `json:"dead_fraction"`
	DenseFraction float64 `json:"dense_fraction"`
	// MMCS in both directions, the Hungarian-matched cosine and the fraction
	// of true features whose best latent has cosine ≥ 0.9.
	MMCSTrueToLearned float64 `json:"mmcs_true_to_learned"`
	MMCSLearnedToTrue float64 `json:"mmcs_learned_to_true"`
	MatchedCosine     float64 `json:"matched_cosine"`
	RecoveredFraction float64 `json:"recovered_fraction"`
	// FeaturesPerLatent is the mean number of true features a live latent
	// responds to (the neurons' rule: ≥ 25% of its largest response and
	// ≥ 0.1), the counterpart of features per neuron.
	FeaturesPerLatent float64 `json:"features_per_latent"`
	// LossRecovered is the toy loss recovered when the SAE's reconstruction
	// replaces the hidden layer (absent for the synthetic source).
	LossRecovered *float64 `json:"loss_recovered,omitempty"`
	// FinalTerms are the training loss terms at the last step; LossTrend
	// reads their sum's curve.
	FinalTerms map[string]float64 `json:"final_terms"`
	LossTrend  interp.Trend       `json:"loss_trend"`
	Resampled  int                `json:"resampled,omitempty"`
	// Frequencies are the latents' firing frequencies; Responses[j][i] is
	// latent j's activation on true feature i alone (represented ones).
	Frequencies []float64   `json:"frequencies"`
	Responses   [][]float64 `json:"-"`
	// SplicedLoss is the toy loss with the SAE's reconstruction in place of
	// the hidden layer (0 for the synthetic source); not in decompose's
	// summary, whose loss_recovered reads it.
	SplicedLoss float64 `json:"-"`
}

// DecomposeToy is the toy record of a decomposition run.
type DecomposeToy struct {
	NeuronRun
	// Truth lists the features used as ground truth: those whose activation
	// alone has norm > 0.5.
	Truth []int `json:"truth_features"`
}

// DecomposeSummary is summary.json of experiments/decompose.
type DecomposeSummary struct {
	Experiment string          `json:"experiment"`
	Config     DecomposeConfig `json:"config"`
	Toy        *DecomposeToy   `json:"toy,omitempty"`
	SAEs       []SAEResult     `json:"saes"`
}

// ErrNothingToDecompose is the error of activations whose toy model
// represents no feature.
var ErrNothingToDecompose = errors.New("the toy model represents no feature: nothing to decompose (train it longer or make features sparser)")

// Activations are what SAEs are trained on and measured against: a way to
// make fresh sources, the true directions (of the represented features), a
// shared evaluation sample and, for toy sources, the toy model and its loss.
type Activations struct {
	cfg       DecomposeConfig
	newSource func(rng *rand.Rand) (sae.ActivationSource, error)
	toy       *tms.Weights
	// Toy is the toy model's record (nil for the synthetic source).
	Toy      *DecomposeToy
	truth    [][]float64
	truthIdx []int
	// features, when set, are the candidates for truth (ToyActivations).
	features []int
	evalX    []float32
	evalH    []float32
	initH    []float32
	// OnTrained, when set, is called with every trained SAE (spec index k)
	// before it is measured: an export, say. It runs concurrently.
	OnTrained func(k int, m *sae.Model, p *graph.Params) error
}

// dataKey identifies the activations for the SAEs' checkpoints: every
// setting that defines them, and a hash of the toy model's exact weights.
func (a *Activations) dataKey() string {
	c := a.cfg
	h := sha256.New()
	fmt.Fprintf(h, "%s seed=%d n=%d m=%d p=%v r=%v active=%v toy=%d/%d batch=%d lr=%v\n",
		c.Source, c.Seed, c.Features, c.Hidden, c.Probability, c.Importance, c.Active, c.ToySteps, c.ToyRestarts, c.Batch, c.LR)
	if a.toy != nil {
		for _, row := range a.toy.W {
			for _, v := range row {
				fmt.Fprintf(h, "%x ", math.Float64bits(v))
			}
		}
		for _, v := range a.toy.B {
			fmt.Fprintf(h, "%x ", math.Float64bits(v))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ExportNPY writes the toy model's weights (W.npy [m, n], b.npy [n]), the
// true directions (truth.npy [features, d]) and the evaluation sample (x.npy
// [samples, n] for toy sources, h.npy [samples, d]) into dir.
func (a *Activations) ExportNPY(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := a.cfg.Hidden
	type npyFile struct {
		name  string
		shape []int
		vals  []float32
	}
	files := []npyFile{
		{"truth.npy", []int{len(a.truth), d}, interp.Float32s(a.truth)},
		{"h.npy", []int{len(a.evalH) / d, d}, a.evalH},
	}
	if a.Toy != nil {
		n := a.cfg.Features
		files = append(files,
			npyFile{"W.npy", []int{d, n}, interp.Float32s(a.Toy.W)},
			npyFile{"b.npy", []int{n}, interp.Float32s([][]float64{a.Toy.B})},
			npyFile{"x.npy", []int{len(a.evalX) / n, n}, a.evalX})
	}
	for _, f := range files {
		if err := interp.WriteNPY(filepath.Join(dir, f.name), f.shape, f.vals); err != nil {
			return err
		}
	}
	return nil
}

// PrepareActivations trains the toy model of cfg (unless the source is
// synthetic) and draws the samples every SAE shares. It is never split
// between shards: every process of a sharded run prepares them whole.
func PrepareActivations(ctx context.Context, run Run, label string, cfg DecomposeConfig) (*Activations, error) {
	run = run.Unsharded()
	a := &Activations{cfg: cfg}
	switch cfg.Source {
	case SourceSynthetic:
		sc := sae.SyntheticConfig{Inputs: cfg.Hidden, Features: cfg.Features, Active: cfg.Active}
		dirs, err := sae.NewSynthetic(sc, graph.NewRand(cfg.Seed, 7))
		if err != nil {
			return nil, err
		}
		a.newSource = func(rng *rand.Rand) (sae.ActivationSource, error) { return dirs.WithSamples(rng), nil }
	default:
		kind := tms.Privileged
		if cfg.Source == SourceReLUOutput {
			kind = tms.ReLUOutput
		}
		if cfg.Hidden >= cfg.Features {
			run.log().Warnf("hidden m = %d ≥ features n = %d: expect no superposition to decompose", cfg.Hidden, cfg.Features)
		}
		t := Toy{
			Common:        Common{Out: cfg.Out, Seed: cfg.Seed, Steps: cfg.ToySteps, Restarts: cfg.ToyRestarts},
			Features:      cfg.Features,
			Hidden:        cfg.Hidden,
			Importance:    cfg.Importance,
			Probabilities: []float64{cfg.Probability},
			Model:         string(kind),
			Training:      Training{Batch: cfg.Batch, LR: cfg.LR, EvalSamples: cfg.EvalSamples},
		}
		if cfg.Checkpoint != "" {
			t.Checkpoint, t.CheckpointEvery = cfg.Checkpoint, cfg.CheckpointEvery
		}
		runs, err := RunToy(ctx, run, label, t)
		if err != nil {
			return nil, err
		}
		toyRun := runs[0]
		data := toy.Config{Features: cfg.Features, Probability: []float64{cfg.Probability}}
		a.newSource = func(rng *rand.Rand) (sae.ActivationSource, error) {
			return sae.NewToySource(kind, toyRun.W, data, rng)
		}
		if a.toy, err = tms.NewWeights(kind, toyRun.W, toyRun.B, toyRun.Importance); err != nil {
			return nil, err
		}
		a.Toy = &DecomposeToy{NeuronRun: ReadNeurons(toyRun, false)}
	}
	if err := a.draw(); err != nil {
		return nil, err
	}
	return a, nil
}

// ToyActivations returns the activations of the hidden layer of a trained toy
// model w (any privileged model, its extensions included) on toy data of
// cfg's features and probability: the source SAEs of cfg train on, the true
// directions and the samples every SAE shares, all drawn from cfg.Seed's
// streams as [PrepareActivations] draws them. The true features are those
// of features whose activation alone (less the activation at 0) is not zero;
// features nil means decompose's rule, those whose activation alone has norm
// > 0.5. The result has no Toy record.
func ToyActivations(cfg DecomposeConfig, w *tms.Weights, features []int) (*Activations, error) {
	if w.Features() != cfg.Features || w.Hidden() != cfg.Hidden {
		return nil, fmt.Errorf("paper: toy activations: weights %d→%d, config %d→%d", w.Features(), w.Hidden(), cfg.Features, cfg.Hidden)
	}
	for _, i := range features {
		if i < 0 || i >= cfg.Features {
			return nil, fmt.Errorf("paper: toy activations: feature %d of %d", i, cfg.Features)
		}
	}
	data := toy.Config{Features: cfg.Features, Probability: []float64{cfg.Probability}}
	a := &Activations{cfg: cfg, toy: w, features: features}
	a.newSource = func(rng *rand.Rand) (sae.ActivationSource, error) { return sae.NewWeightsSource(w, data, rng) }
	if err := a.draw(); err != nil {
		return nil, err
	}
	return a, nil
}

// draw reads the true directions from a probe source and draws the shared
// evaluation and initialisation samples.
func (a *Activations) draw() error {
	cfg := a.cfg
	probe, err := a.newSource(graph.NewRand(cfg.Seed, 8))
	if err != nil {
		return err
	}
	truthIdx := []int{}
	for i, v := range probe.Truth() {
		keep := norm(v) > interp.RepresentedThreshold
		if a.features != nil {
			keep = slices.Contains(a.features, i) && norm(v) > 0
		}
		if keep {
			truthIdx = append(truthIdx, i)
			a.truth = append(a.truth, v)
		}
	}
	if len(truthIdx) == 0 {
		return ErrNothingToDecompose
	}
	a.truthIdx = truthIdx
	if a.Toy != nil {
		a.Toy.Truth = truthIdx
	}
	// One evaluation sample and one initialisation sample, shared by every SAE.
	evalSrc, err := a.newSource(graph.NewRand(cfg.Seed, 400))
	if err != nil {
		return err
	}
	if ts, ok := evalSrc.(*sae.ToySource); ok {
		a.evalX, a.evalH = ts.Sample(cfg.EvalSamples)
	} else {
		a.evalH = make([]float32, cfg.EvalSamples*cfg.Hidden)
		evalSrc.Fill(a.evalH)
	}
	initSrc, err := a.newSource(graph.NewRand(cfg.Seed, 300))
	if err != nil {
		return err
	}
	a.initH = make([]float32, 4096*cfg.Hidden)
	initSrc.Fill(a.initH)
	return nil
}

// Truth returns the true directions the SAEs are measured against.
func (a *Activations) Truth() [][]float64 { return a.truth }

// TruthFeatures returns the indices of the features behind Truth's rows.
func (a *Activations) TruthFeatures() []int { return a.truthIdx }

// SAESpec is one SAE to train: a variant with its dictionary size and
// sparsity setting (the other fields of the run's DecomposeConfig apply).
type SAESpec struct {
	Variant sae.Variant
	Latents int
	L1      float64 // relu-l1, relu-l1-norm
	K       int     // topk, batchtopk
	L0      float64 // jumprelu
}

// Specs returns the SAEs of cfg's -variants with its flags.
func (c DecomposeConfig) Specs() []SAESpec {
	var out []SAESpec
	for _, v := range c.Variants {
		out = append(out, c.Spec(sae.Variant(v), c.DictionarySize()))
	}
	return out
}

// Spec is the SAE of variant v with the given dictionary size and c's
// sparsity settings (K and BatchK 0: the expected number of active features
// per sample, a = n·p or -active, rounded, at least 1).
func (c DecomposeConfig) Spec(v sae.Variant, latents int) SAESpec {
	active := float64(c.Features) * c.Probability
	if c.Source == SourceSynthetic {
		active = c.Active
	}
	auto := max(int(math.Round(active)), 1)
	sp := SAESpec{Variant: v, Latents: latents, L1: c.L1, K: c.K, L0: c.L0}
	switch {
	case v == sae.TopK && c.K == 0:
		sp.K = auto
	case v == sae.BatchTopK && c.BatchK == 0:
		sp.K = auto
	case v == sae.BatchTopK:
		sp.K = c.BatchK
	}
	return sp
}

// Config returns the SAE configuration of the spec under cfg's training
// flags.
func (sp SAESpec) Config(cfg DecomposeConfig) (sae.Config, error) {
	sc := sae.Config{
		Variant: sp.Variant, Inputs: cfg.Hidden, Latents: sp.Latents,
		Train: graph.Config{Steps: cfg.SAESteps, Batch: cfg.Batch, LR: cfg.LR, Schedule: graph.Tail, Warmup: min(cfg.SAESteps/20, 500)},
	}
	switch sp.Variant {
	case sae.ReLUL1, sae.ReLUL1Norm:
		sc.L1 = sp.L1
	case sae.TopK, sae.BatchTopK:
		sc.K = sp.K
	case sae.JumpReLU:
		sc.L0 = sp.L0
	}
	sc = sc.WithDefaults()
	return sc, sc.Validate()
}

// maxSAEs bounds the SAEs of one [Activations.TrainSAEs] call.
const maxSAEs = 100

// TrainSAEs trains and measures one SAE per spec on a's activations,
// concurrently; results are in spec order and do not depend on GOMAXPROCS.
// Spec k draws from the seed streams of index k.
func (a *Activations) TrainSAEs(ctx context.Context, run Run, label string, specs []SAESpec) ([]SAEResult, error) {
	prog := run.progress(label, len(specs)*a.cfg.SAESteps)
	defer prog.Finish()
	return a.trainSAEs(ctx, run, label, prog, specs)
}

// sweepSAEs is TrainSAEs with specs as the units of a sweep of a sharded
// run: a shard trains its own, a merge reads them all from the parts.
func (a *Activations) sweepSAEs(ctx context.Context, run Run, label string, specs []SAESpec) ([]SAEResult, error) {
	costs := make([]float64, len(specs))
	for i, sp := range specs {
		costs[i] = a.saeCost(sp)
	}
	return runUnits(ctx, run, label, costs, func(ctx context.Context, only []int) ([]SAEResult, error) {
		prog := run.progress(label, len(only)*a.cfg.SAESteps)
		defer prog.Finish()
		return a.trainSAEsAt(ctx, run, label, prog, specs, only)
	})
}

// saeCost estimates training the SAE of sp on a's activations.
func (a *Activations) saeCost(sp SAESpec) float64 {
	return saeCost(a.cfg.Hidden, sp.Latents, a.cfg.SAESteps, a.cfg.Batch)
}

// trainSAEs is TrainSAEs reporting progress on prog.
func (a *Activations) trainSAEs(ctx context.Context, run Run, label string, prog *graph.Progress, specs []SAESpec) ([]SAEResult, error) {
	all := make([]int, len(specs))
	for i := range all {
		all[i] = i
	}
	return a.trainSAEsAt(ctx, run, label, prog, specs, all)
}

// trainSAEsAt trains the SAEs of specs listed in only (each drawing from the
// streams of its index in specs) and returns their results in that order.
func (a *Activations) trainSAEsAt(ctx context.Context, run Run, label string, prog *graph.Progress, specs []SAESpec, only []int) ([]SAEResult, error) {
	cfg := a.cfg
	// SAE k draws from the hand-numbered streams 100+k … 600+k of the run's
	// seed, kept so that published results stay reproducible; from 100 SAEs
	// on they would collide with the activations' streams (300, 400), so a
	// run may not have that many. (New code names its streams: graph.Stream.)
	if len(specs) >= maxSAEs {
		return nil, fmt.Errorf("paper: %d SAEs on one set of activations; at most %d (their random streams would collide)", len(specs), maxSAEs-1)
	}
	return graph.Sweep(ctx, len(only), func(ctx context.Context, j int) (SAEResult, error) {
		k := only[j]
		sp := specs[k]
		sc, err := sp.Config(cfg)
		if err != nil {
			return SAEResult{}, fmt.Errorf("%s: %w", sp.Variant, err)
		}
		m, err := sae.New(sc)
		if err != nil {
			return SAEResult{}, err
		}
		src, err := a.newSource(graph.NewRand(cfg.Seed, 200+uint64(k)))
		if err != nil {
			return SAEResult{}, err
		}
		p := graph.NewParams(graph.DeriveSeed(cfg.Seed, 100+uint64(k)))
		if err := sae.Init(p, m, graph.NewRand(cfg.Seed, 500+uint64(k)), a.initH); err != nil {
			return SAEResult{}, err
		}
		if cfg.Checkpoint != "" {
			dir := filepath.Join(cfg.Checkpoint, fileName(label))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return SAEResult{}, err
			}
			m.SetCheckpoint(filepath.Join(dir, fmt.Sprintf("sae-%03d-%s.ckpt", k, sp.Variant)), cfg.CheckpointEvery, a.dataKey())
		}
		hist, st, err := sae.Train(ctx, m, src, p, graph.DeriveSeed(cfg.Seed, 600+uint64(k)), run.trainOptions(prog)...)
		if err != nil {
			return SAEResult{}, fmt.Errorf("%s: %w", sp.Variant, err)
		}
		if a.OnTrained != nil {
			if err := a.OnTrained(k, m, p); err != nil {
				return SAEResult{}, fmt.Errorf("%s: %w", sp.Variant, err)
			}
		}
		var loss sae.DownstreamLoss
		if a.toy != nil {
			loss = func(h []float32) float64 { return a.toy.OutputLoss(a.evalX, h) }
		}
		ms, recon, err := sae.Measure(m, p, a.truth, a.evalH, cfg.Batch, loss)
		if err != nil {
			return SAEResult{}, fmt.Errorf("%s: %w", sp.Variant, err)
		}
		r := SAEResult{
			Variant: string(m.Config().Variant), Latents: m.Config().Latents,
			L0: ms.L0, FVU: ms.FVU, DeadFraction: ms.DeadFraction, DenseFraction: ms.DenseFraction,
			MMCSTrueToLearned: ms.MMCSTrueToLearned, MMCSLearnedToTrue: ms.MMCSLearnedToTrue,
			MatchedCosine: ms.MatchedCosine, RecoveredFraction: ms.RecoveredFraction,
			FeaturesPerLatent: ms.FeaturesPerLatent, LossRecovered: ms.LossRecovered,
			Resampled: st.Resampled, Frequencies: ms.Frequencies, Responses: ms.Responses,
		}
		if loss != nil {
			r.SplicedLoss = loss(recon)
		}
		if st.ResumedAt > 0 {
			run.log().Warnf("%s: resumed from its checkpoint at step %d", sp.Variant, st.ResumedAt)
		}
		r.Coefficient = sc.L1 + sc.L0 + float64(sc.K)
		r.FinalTerms = map[string]float64{}
		for i, name := range hist.Terms {
			r.FinalTerms[name] = hist.Last()[i]
		}
		r.LossTrend = totalTrend(hist)
		return r, nil
	})
}

// DecomposeExports names the optional export folders of Decompose.
type DecomposeExports struct {
	// SAELens receives one SAELens folder per variant.
	SAELens string
	// NPY receives the toy model and activations as .npy files.
	NPY string
}

// Decompose trains the toy model (unless the source is synthetic) and every
// SAE variant of cfg on its activations, and measures them, writing the
// exports ex asks for (none for the zero value).
func Decompose(ctx context.Context, run Run, cfg DecomposeConfig, ex DecomposeExports) (DecomposeSummary, error) {
	sum := DecomposeSummary{Experiment: "decompose", Config: cfg.Resolved()}
	a, err := PrepareActivations(ctx, run, "toy model", cfg)
	if err != nil {
		return sum, err
	}
	sum.Toy = a.Toy
	if ex.NPY != "" {
		if err := a.ExportNPY(ex.NPY); err != nil {
			return sum, err
		}
	}
	if dir := ex.SAELens; dir != "" {
		hook := "synthetic"
		if a.Toy != nil {
			hook = "tms.hidden"
		}
		a.OnTrained = func(k int, m *sae.Model, p *graph.Params) error {
			sub := cfg.Variants[k]
			if slices.Index(cfg.Variants, sub) != k {
				sub = fmt.Sprintf("%s-%d", sub, k)
			}
			return sae.ExportSAELens(filepath.Join(dir, sub), m, p, "superposition-toy-"+cfg.Source, hook)
		}
	}
	sum.SAEs, err = a.TrainSAEs(ctx, run, "SAEs", cfg.Specs())
	return sum, err
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// DecomposeExperiment runs Decompose on cfg, with the exports ex, and writes
// into cfg.Out summary.json, the figures of DecomposeFigures, the toy
// model's neurons (unless the source is synthetic) and report.html.
func DecomposeExperiment(ctx context.Context, run Run, cfg DecomposeConfig, ex DecomposeExports) error {
	sum, err := Decompose(ctx, run, cfg, ex)
	if err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Towards Monosemanticity on a toy model: SAE latents against polysemantic neurons",
		Intro: "A toy model packs more features than it has neurons, so its neurons are polysemantic. " +
			"Sparse autoencoders trained on its hidden layer find one latent per feature. Every variant is reported, including the ones that do worse.",
		Config: sum.Config,
	}, func(out string) ([]interp.Section, error) {
		sections, err := DecomposeFigures(out, "decompose", sum)
		if err != nil || sum.Toy == nil {
			return sections, err
		}
		neurons, err := NeuronSections(out, "decompose", "The toy model's neurons", []NeuronRun{sum.Toy.NeuronRun}, false)
		return append(sections, neurons...), err
	})
}

// DecomposeFigures draws the neuron × feature and latent × feature heat maps
// (best variant), the density histograms and the L0–FVU chart into out and
// returns the report sections.
func DecomposeFigures(out, prefix string, s DecomposeSummary) ([]interp.Section, error) {
	var sections []interp.Section
	best := BestSAE(s.SAEs)
	if best < 0 {
		return nil, errors.New("no SAE results")
	}
	b := s.SAEs[best]
	heat := []interp.HeatPanel{}
	var features []string
	if s.Toy != nil {
		for _, i := range s.Toy.Truth {
			features = append(features, strconv.Itoa(i))
		}
		rows := make([][]float64, len(s.Toy.W))
		for j, w := range s.Toy.W {
			for _, i := range s.Toy.Truth {
				v := w[i]
				if s.Config.Source == SourcePrivileged {
					v = math.Max(v, 0)
				}
				rows[j] = append(rows[j], v)
			}
		}
		heat = append(heat, interp.HeatPanel{Title: fmt.Sprintf("toy model's neurons (%#.3g features each)", s.Toy.FeaturesPerNeuron), Z: rows,
			XLabel: "true feature", YLabel: "neuron", Columns: features})
	}
	resp, _ := sortedResponses(b.Responses)
	heat = append(heat, interp.HeatPanel{Title: fmt.Sprintf("%s SAE's latents (%#.3g features each)", b.Variant, b.FeaturesPerLatent), Z: resp,
		XLabel: "true feature", YLabel: "latent, sorted by strongest feature", Columns: features})
	path := filepath.Join(out, prefix+"_neurons_vs_latents.png")
	if err := interp.SaveHeatmaps(path, len(heat), heat); err != nil {
		return nil, err
	}
	sec := interp.Section{Heading: "Neurons against SAE latents"}
	if s.Toy != nil {
		sec.Warnings = toyWarnings([]interp.ToyRun{s.Toy.ToyRun})
		for i, w := range sec.Warnings {
			head, rest, _ := strings.Cut(w, ": ")
			sec.Warnings[i] = head + " (toy model): " + rest
		}
	}
	sec.Warnings = append(sec.Warnings, saeWarnings(s.SAEs)...)
	if s.Toy != nil {
		t := s.Toy
		line := fmt.Sprintf("The toy model (%s, n = %d, m = %d, p = %s) represents %d features; its %d neurons are %d polysemantic, %d monosemantic and %d dead, carrying %s features each on average",
			s.Config.Source, s.Config.Features, s.Config.Hidden, sig(s.Config.Probability), len(t.Truth), len(t.W), t.Polysemantic, t.Monosemantic, t.Dead, sig0(t.FeaturesPerNeuron))
		if t.FeaturesPerNeuron > 1.2 {
			line += ": its neurons are polysemantic."
		} else {
			line += ": its neurons are nearly monosemantic already, so there is little to take apart."
		}
		sec.Paragraphs = append(sec.Paragraphs, line)
	}
	_, _, verdict := DecomposeVerdict(s)
	sec.Paragraphs = append(sec.Paragraphs, verdict)
	sec.Figures = append(sec.Figures, interp.Figure{Path: path, Caption: "Left: each neuron's activation (row) on each represented true feature alone (column); several red cells in a row mean a polysemantic neuron. " +
		"Right: each latent's activation of the best SAE on each true feature alone, latents sorted by their strongest feature; one cell per row means a monosemantic latent."})
	sections = append(sections, sec)

	table := interp.Section{Heading: "Every SAE variant", Level: 3, Tables: []interp.Table{saeTable(
		"Every variant on the same activations: L0 (active latents per sample), FVU, dead and dense latents, MMCS both ways, Hungarian-matched cosine, "+
			"true features recovered at cosine ≥ 0.9, features per live latent, and loss recovered: (zero-ablated loss − spliced loss) / (zero-ablated loss − clean loss).",
		s.SAEs, func(r SAEResult) string { return fmt.Sprintf("%s, %d latents", r.Variant, r.Latents) })}}
	var dens []interp.DensityPanel
	var series []interp.Series
	for i, r := range s.SAEs {
		dens = append(dens, interp.DensityPanel{Title: r.Variant, Freq: r.Frequencies})
		series = append(series, interp.Series{Name: r.Variant, X: []float64{r.L0}, Y: []float64{r.FVU}, Points: true, Color: interp.Color(i), Radius: 4})
	}
	dpath := filepath.Join(out, prefix+"_density.png")
	if err := interp.SaveDensityHistograms(dpath, min(len(dens), 3), dens); err != nil {
		return nil, err
	}
	fpath := filepath.Join(out, prefix+"_frontier.png")
	if err := interp.SaveChart(fpath, interp.Chart{Title: "sparsity against reconstruction", XLabel: "L0 (active latents per sample)", YLabel: "fraction of variance unexplained"}, series...); err != nil {
		return nil, err
	}
	table.Figures = append(table.Figures,
		interp.Figure{Path: dpath, Caption: "How often each latent fires (log₁₀ of its frequency over the evaluation sample); dead latents are counted in the titles."},
		interp.Figure{Path: fpath, Caption: "Each variant's L0 against its FVU: lower-left is better."})
	return append(sections, table), nil
}

// BestSAE returns the index of the best result, or −1: the most true
// features recovered among the variants with at most 10% dead latents and at
// most 1.2 features per latent (among all when none qualifies), then the most
// loss recovered, then the highest matched cosine.
func BestSAE(rs []SAEResult) int {
	clean := func(r SAEResult) bool { return r.DeadFraction <= 0.1 && r.FeaturesPerLatent <= 1.2 }
	lossRec := func(r SAEResult) float64 {
		if r.LossRecovered == nil {
			return 0
		}
		return *r.LossRecovered
	}
	better := func(a, b SAEResult) bool {
		if clean(a) != clean(b) {
			return clean(a)
		}
		if a.RecoveredFraction != b.RecoveredFraction {
			return a.RecoveredFraction > b.RecoveredFraction
		}
		if lossRec(a) != lossRec(b) {
			return lossRec(a) > lossRec(b)
		}
		return a.MatchedCosine > b.MatchedCosine
	}
	best := -1
	for i, r := range rs {
		if best < 0 || better(r, rs[best]) {
			best = i
		}
	}
	return best
}

// sortedResponses orders latents by their strongest feature (silent latents
// last) so that a monosemantic dictionary shows a staircase; order[j] is the
// latent drawn in row j.
func sortedResponses(r [][]float64) (rows [][]float64, order []int) {
	type row struct {
		arg, index int
		peak       float64
	}
	rs := make([]row, len(r))
	for j, v := range r {
		rs[j] = row{arg: len(v), index: j}
		for i, x := range v {
			if x > rs[j].peak {
				rs[j].arg, rs[j].peak = i, x
			}
		}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].arg < rs[b].arg })
	rows, order = make([][]float64, len(rs)), make([]int, len(rs))
	for j, rw := range rs {
		rows[j], order[j] = r[rw.index], rw.index
	}
	return rows, order
}

// totalTrend reads the trend of a training's summed loss terms.
func totalTrend(h graph.History) interp.Trend {
	total := make([]float64, len(h.Records))
	for j, rec := range h.Records {
		for _, v := range rec.Terms {
			total[j] += v
		}
	}
	return interp.LossTrend(total)
}
