package paper

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// This file holds the strategies experiment: the roads against polysemantic
// neurons that Toy Models of Superposition names in its strategic picture,
// measured side by side. Road 1 builds models without superposition (more
// neurons than features, an activation-sparsity penalty, negative hidden
// biases, SoLU); road 2 is dictionary learning (an SAE on the plain model);
// road 3 mixes them (an SAE on each road-1 model).

// Scales of the strategies experiment.
const (
	ScaleToy  = "toy"
	ScaleLM   = "lm"
	ScaleBoth = "both"
)

// The strategies, as summary.json names them.
const (
	// StrategyPlain is the privileged-basis model h = ReLU(W x),
	// x′ = ReLU(Wᵀh + b) at m < n: the baseline every loss is compared with.
	StrategyPlain = "plain"
	// StrategyWide gives the plain model more neurons (m ≥ n).
	StrategyWide = "wide"
	// StrategyL1 adds λ·Σⱼ|hⱼ| to the loss of the plain model, and of wider
	// ones (m ≥ n: width frees the features, the penalty picks the basis).
	StrategyL1 = "l1"
	// StrategyBias adds a learned hidden bias started negative, h = ReLU(W x
	// + c), at several widths (Jermyn, Schiefer and Hubinger 2022).
	StrategyBias = "bias"
	// StrategySoLU puts SoLU (optionally followed by a LayerNorm) on the
	// hidden layer.
	StrategySoLU = "solu"
	// StrategyHybrid is an SAE trained on the hidden layer of another
	// strategy's model; on the plain model it is road 2, dictionary learning
	// alone.
	StrategyHybrid = "hybrid"
)

// StrategyNames lists the strategies in the order they are run and reported.
var StrategyNames = []string{StrategyPlain, StrategyWide, StrategyL1, StrategyBias, StrategySoLU, StrategyHybrid}

// ModerateProbability is the sparsest feature probability that counts as
// dense-to-moderate (S ≤ 0.9) in the report's reading of the wide models.
const ModerateProbability = 0.1

// LossTolerance is how much above the plain model's loss a loss may be and
// still count as "no worse": the evaluation's noise, not a cost.
const LossTolerance = 0.01

// StrategiesConfig is the configuration of experiments/strategies.
type StrategiesConfig struct {
	// Common: Seed (every draw), Steps and Restarts (each toy model, best of
	// Restarts by its objective).
	Common
	// Scale is toy, lm or both.
	Scale string `json:"scale"`
	// Toy configures the toy scale, LM the language-model scale.
	Toy StrategiesToy `json:"toy"`
	LM  StrategiesLM  `json:"lm"`
}

// RunsToy and RunsLM report which scales c runs.
func (c StrategiesConfig) RunsToy() bool { return c.Scale == ScaleToy || c.Scale == ScaleBoth }

// RunsLM reports whether c runs the language-model scale.
func (c StrategiesConfig) RunsLM() bool { return c.Scale == ScaleLM || c.Scale == ScaleBoth }

// StrategiesToy configures the toy scale: privileged-basis models of
// Features features at every probability of Probabilities, one set per
// strategy and setting.
type StrategiesToy struct {
	// Features is n; Hidden is m of the plain model.
	Features int `json:"features"`
	Hidden   int `json:"hidden"`
	// Importance is the decay r of Iᵢ = rⁱ.
	Importance float64 `json:"importance_decay"`
	// Probabilities are the feature probabilities p = 1 − S, each in (0, 1].
	Probabilities []float64 `json:"probabilities"`
	// Training sets the toy models' batch, Adam rate and evaluation samples
	// (also the SAEs' measurement samples).
	Training
	// Strategies are the strategies run besides plain, which always runs
	// (every loss is compared with it).
	Strategies []string `json:"strategies"`
	// Wide are the hidden sizes of the wide models.
	Wide []int `json:"wide_hidden"`
	// L1 are the penalties λ of the L1 models, each > 0: the points of the
	// trade-off curve, traced at every width of L1Hidden.
	L1       []float64 `json:"l1_lambdas"`
	L1Hidden []int     `json:"l1_hidden"`
	// BiasHidden are the widths of the bias models, each trained from every
	// start of BiasInit (the hidden bias's initial value) in every mode of
	// BiasModes: free (learned, may turn positive), negative (learned,
	// clamped at or below 0 after every step) or fixed (held at its start).
	BiasHidden []int     `json:"bias_hidden"`
	BiasInit   []float64 `json:"bias_init"`
	BiasModes  []string  `json:"bias_modes"`
	// SoLUHidden are the widths of the SoLU models, each with every
	// activation of SoLU (solu, solu-ln).
	SoLUHidden []int    `json:"solu_hidden"`
	SoLU       []string `json:"solu_activations"`
	// SAE configures the hybrid's sparse autoencoders.
	SAE StrategiesSAE `json:"sae"`
}

// StrategiesSAE configures the SAE the hybrid trains on each model's hidden
// layer, as experiments/decompose trains one.
type StrategiesSAE struct {
	// Variant is one of sae.Variants.
	Variant string `json:"variant"`
	// Latents is the dictionary size; 0 means 3/2 × features.
	Latents int `json:"latents"`
	// K is TopK's and BatchTopK's active latents (0: n·p rounded, at least
	// 1); L1 the ReLU variants' coefficient; L0 JumpReLU's.
	K  int     `json:"k"`
	L1 float64 `json:"l1"`
	L0 float64 `json:"l0"`
	// Steps, Batch and LR train each SAE.
	Steps int     `json:"steps"`
	Batch int     `json:"batch"`
	LR    float64 `json:"lr"`
}

// DefaultStrategiesConfig is the toy scale at the sparsities of
// experiments/privileged (n = 10, m = 5, Iᵢ = 0.75ⁱ; 5,000 steps at Adam
// 3e-3, best of 2): wide models of 10, 20 and 40 neurons, five L1 penalties
// on 5 and on 20 neurons,
// hidden biases started at −0.3 (learned, and fixed) on 5, 10 and 20
// neurons, SoLU with and without LayerNorm on 5 and 10, and a TopK SAE of 15
// latents (1,000 steps) on each model.
func DefaultStrategiesConfig() StrategiesConfig {
	p := DefaultPrivilegedConfig()
	return StrategiesConfig{
		Common: Common{Out: "out/strategies", Seed: 1, Steps: 5000, Restarts: 2},
		Scale:  ScaleToy,
		LM:     DefaultStrategiesLM(),
		Toy: StrategiesToy{
			Features: p.Features, Hidden: p.Hidden, Importance: p.Importance,
			Probabilities: slices.Clone(p.Probabilities),
			Training:      Training{Batch: 1024, LR: 3e-3, EvalSamples: 1 << 18},
			Strategies:    []string{StrategyWide, StrategyL1, StrategyBias, StrategySoLU, StrategyHybrid},
			Wide:          []int{10, 20, 40},
			L1:            []float64{0.001, 0.003, 0.01, 0.03, 0.1},
			L1Hidden:      []int{p.Hidden, 20},
			BiasHidden:    []int{5, 10, 20},
			BiasInit:      []float64{-0.3},
			BiasModes:     []string{string(tms.BiasFree), string(tms.BiasFixed)},
			SoLUHidden:    []int{5, 10},
			SoLU:          []string{string(tms.SoLU), string(tms.SoLULN)},
			SAE:           StrategiesSAE{Variant: string(sae.TopK), Steps: 1000, Batch: 1024, LR: 1e-3, L1: 0.3, L0: 0.1},
		},
	}
}

// Runs reports whether strategy s is part of the run (plain always is).
func (t StrategiesToy) Runs(s string) bool {
	return s == StrategyPlain || slices.Contains(t.Strategies, s)
}

// Latents is the hybrid's resolved dictionary size.
func (t StrategiesToy) Latents() int {
	if t.SAE.Latents == 0 {
		return max(3*t.Features/2, 1)
	}
	return t.SAE.Latents
}

// Validate reports the first bad field.
func (c StrategiesConfig) Validate() error {
	switch c.Scale {
	case ScaleToy, ScaleLM, ScaleBoth:
	default:
		return fmt.Errorf("scale %q: want toy, lm or both", c.Scale)
	}
	if c.RunsLM() {
		if c.LM.ReLU == "" || c.LM.SoLU == "" {
			return fmt.Errorf("lm: the ReLU and the SoLU model folders must both be given")
		}
		if err := c.LM.SAE.Validate(); err != nil {
			return fmt.Errorf("lm: sae: %w", err)
		}
	}
	if c.Steps < 1 || c.Restarts < 1 {
		return fmt.Errorf("steps %d, restarts %d: must be at least 1", c.Steps, c.Restarts)
	}
	t := c.Toy
	for _, s := range t.Strategies {
		if !slices.Contains(StrategyNames, s) {
			return fmt.Errorf("strategies: %q is not one of %v", s, StrategyNames)
		}
	}
	switch {
	case t.Features < 1 || t.Hidden < 1:
		return fmt.Errorf("features %d, hidden %d: must be at least 1", t.Features, t.Hidden)
	case !(t.Importance > 0) || math.IsInf(t.Importance, 0):
		return fmt.Errorf("importance_decay %v: must be a positive number", t.Importance)
	case len(t.Probabilities) == 0:
		return errors.New("probabilities: give at least one")
	case t.Batch < 1 || t.EvalSamples < 1 || !(t.LR > 0):
		return fmt.Errorf("batch %d, eval_samples %d, lr %v: must be positive", t.Batch, t.EvalSamples, t.LR)
	}
	for _, p := range t.Probabilities {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("probabilities: %v outside (0, 1]", p)
		}
	}
	for _, l := range t.L1 {
		if !(l > 0) || math.IsInf(l, 0) {
			return fmt.Errorf("l1_lambdas: %v must be a positive number", l)
		}
	}
	for _, v := range t.BiasInit {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("bias_init: %v must be finite", v)
		}
		if v > 0 && slices.Contains(t.BiasModes, string(tms.BiasNegative)) {
			return fmt.Errorf("bias_init: %v: a negative bias must start at or below 0", v)
		}
	}
	for _, m := range t.BiasModes {
		if !slices.Contains(tms.BiasModes, tms.BiasMode(m)) {
			return fmt.Errorf("bias_modes: %q is not one of %v", m, tms.BiasModes)
		}
	}
	for _, a := range t.SoLU {
		if a != string(tms.SoLU) && a != string(tms.SoLULN) {
			return fmt.Errorf("solu_activations: %q is not solu or solu-ln", a)
		}
	}
	for _, l := range [][]int{t.Wide, t.L1Hidden, t.BiasHidden, t.SoLUHidden} {
		for _, m := range l {
			if m < 1 {
				return fmt.Errorf("hidden size %d: must be at least 1", m)
			}
		}
	}
	for _, need := range []struct {
		strategy string
		n        int
		field    string
	}{{StrategyWide, len(t.Wide), "wide_hidden"}, {StrategyL1, len(t.L1) * len(t.L1Hidden), "l1_lambdas × l1_hidden"},
		{StrategyBias, len(t.BiasHidden) * len(t.BiasInit) * len(t.BiasModes), "bias_hidden × bias_init × bias_modes"},
		{StrategySoLU, len(t.SoLUHidden) * len(t.SoLU), "solu_hidden × solu_activations"}} {
		if t.Runs(need.strategy) && need.n == 0 {
			return fmt.Errorf("%s: strategy %s needs at least one setting", need.field, need.strategy)
		}
	}
	if t.Runs(StrategyHybrid) {
		if _, err := t.saeSpec(0.5).Config(t.decompose(c.Seed, 0.5, t.Hidden)); err != nil {
			return fmt.Errorf("sae: %w", err)
		}
	}
	return nil
}

// StrategyRecord is one trained model of the toy scale (or, for the hybrid,
// one SAE on a model's hidden layer), read unit by unit.
type StrategyRecord struct {
	Strategy string `json:"strategy"`
	// Setting names the strategy's setting ("m=20", "λ=0.01", …); for the
	// hybrid, the setting of the model the SAE reads, whose strategy is Base.
	Setting            string  `json:"setting"`
	Base               string  `json:"base,omitempty"`
	Features           int     `json:"features"`
	Hidden             int     `json:"hidden"`
	FeatureProbability float64 `json:"feature_probability"`
	// Units are the neurons (the hybrid: the SAE's latents). A unit carries
	// a feature by the neuron rule applied to its activation on each feature
	// alone (less its activation at 0): Monosemantic units carry one,
	// Polysemantic several, Dead none.
	Units        int `json:"units"`
	Monosemantic int `json:"monosemantic"`
	Polysemantic int `json:"polysemantic"`
	Dead         int `json:"dead"`
	// MonosemanticShare is Monosemantic over the live units (0 when none is
	// live).
	MonosemanticShare float64 `json:"monosemantic_share"`
	// Represented counts the features the model passes through: more than
	// half of a feature alone at 1 comes back, x′ᵢ(eᵢ) − x′ᵢ(0) > 0.5, a rule
	// that reads SoLU's small activations and a LayerNorm's fixed norm
	// alike (the hybrid: the features the SAE recovers, a latent at cosine ≥
	// 0.9 with the feature's activation).
	Represented int `json:"represented"`
	// Loss is Σᵢ Iᵢ(xᵢ − x′ᵢ)² on fresh samples, without any penalty (the
	// hybrid: with the SAE's reconstruction in place of the hidden layer);
	// LossPlain the plain model's at the same probability.
	Loss      float64 `json:"loss"`
	LossPlain float64 `json:"loss_plain"`
	// RecoveredFraction is the hybrid's fraction of the model's
	// represented features that a latent recovers at cosine ≥ 0.9.
	RecoveredFraction *float64 `json:"recovered_fraction,omitempty"`
	// The model's settings: L1's λ, the hidden bias's start and mode, the
	// SoLU activation, and the hybrid's dictionary size and FVU.
	Lambda     float64  `json:"lambda,omitempty"`
	BiasInit   *float64 `json:"bias_init,omitempty"`
	BiasMode   string   `json:"bias_mode,omitempty"`
	Activation string   `json:"activation,omitempty"`
	Latents    int      `json:"latents,omitempty"`
	FVU        *float64 `json:"fvu,omitempty"`
	// Seed and Restart are the kept fit's (the hybrid: the SAE's seed).
	Seed    uint64 `json:"seed"`
	Restart int    `json:"restart"`
	// Carries lists, per unit, the features it carries.
	Carries [][]int `json:"carries"`
	// The model's weights: W [hidden][features], b, and the hidden bias c
	// and LayerNorm gain and bias when it has them.
	W      [][]float64 `json:"W,omitempty"`
	B      []float64   `json:"b,omitempty"`
	C      []float64   `json:"c,omitempty"`
	LNGain []float64   `json:"ln_gain,omitempty"`
	LNBias []float64   `json:"ln_bias,omitempty"`

	weights     *tms.Weights
	represented []int
	stream      string // the setting's stream name (toySetting.streamName)
}

// LossRatio is Loss over LossPlain (NaN when LossPlain is 0).
func (r StrategyRecord) LossRatio() float64 {
	if r.LossPlain == 0 {
		return math.NaN()
	}
	return r.Loss / r.LossPlain
}

// StrategiesSummary is summary.json of experiments/strategies.
type StrategiesSummary struct {
	Experiment string           `json:"experiment"`
	Config     StrategiesConfig `json:"config"`
	Toy        []StrategyRecord `json:"toy,omitempty"`
	LM         []LMStrategy     `json:"lm,omitempty"`
}

// toySetting is one setting of one strategy: a model trained at every
// probability. Its draws come from the stream named after label, or after
// stream where that is set.
type toySetting struct {
	strategy, label string
	model           tms.Config
	stream          string
}

// streamName is the name of the setting's random stream.
func (s toySetting) streamName() string {
	if s.stream != "" {
		return s.stream
	}
	return s.label
}

// settings lists the toy models of t, strategy by strategy.
func (t StrategiesToy) settings() []toySetting {
	imp := toy.Geometric(t.Features, t.Importance)
	base := func(m int) tms.Config {
		return tms.Config{Kind: tms.Privileged, Features: t.Features, Hidden: m, Importance: imp}
	}
	out := []toySetting{{strategy: StrategyPlain, label: fmt.Sprintf("m=%d", t.Hidden), model: base(t.Hidden)}}
	if t.Runs(StrategyWide) {
		for _, m := range t.Wide {
			out = append(out, toySetting{strategy: StrategyWide, label: fmt.Sprintf("m=%d", m), model: base(m)})
		}
	}
	if t.Runs(StrategyL1) {
		for _, m := range t.L1Hidden {
			for _, l := range t.L1 {
				c := base(m)
				c.L1 = l
				λ := strconv.FormatFloat(l, 'g', -1, 64)
				s := toySetting{strategy: StrategyL1, label: fmt.Sprintf("m=%d, λ=%s", m, λ), model: c}
				if m == t.Hidden {
					// The plain width keeps the stream of the days when
					// the penalty ran at no other width (and its label
					// was "λ=…"), so that its models are the same.
					s.stream = "λ=" + λ
				}
				out = append(out, s)
			}
		}
	}
	if t.Runs(StrategyBias) {
		for _, m := range t.BiasHidden {
			for _, c0 := range t.BiasInit {
				for _, mode := range t.BiasModes {
					c := base(m)
					c.HiddenBias, c.HiddenBiasInit = tms.BiasMode(mode), c0
					label := fmt.Sprintf("m=%d, c₀=%s, %s", m, strconv.FormatFloat(c0, 'g', -1, 64), mode)
					out = append(out, toySetting{strategy: StrategyBias, label: label, model: c})
				}
			}
		}
	}
	if t.Runs(StrategySoLU) {
		for _, m := range t.SoLUHidden {
			for _, a := range t.SoLU {
				c := base(m)
				c.Activation = tms.Activation(a)
				out = append(out, toySetting{strategy: StrategySoLU, label: fmt.Sprintf("%s, m=%d", a, m), model: c})
			}
		}
	}
	return out
}

// decompose returns the DecomposeConfig of the hybrid SAE on a model of m
// neurons at probability p, drawing from seed.
func (t StrategiesToy) decompose(seed uint64, p float64, m int) DecomposeConfig {
	s := t.SAE
	return DecomposeConfig{
		Seed: seed, Source: SourcePrivileged, Features: t.Features, Hidden: m, Probability: p,
		Importance: t.Importance, Latents: t.Latents(), Variants: []string{s.Variant},
		L1: s.L1, K: s.K, BatchK: s.K, L0: s.L0, SAESteps: s.Steps, Batch: s.Batch, LR: s.LR, EvalSamples: t.EvalSamples,
	}
}

// saeSpec is the hybrid's SAE at probability p.
func (t StrategiesToy) saeSpec(p float64) SAESpec {
	return t.decompose(0, p, t.Hidden).Spec(sae.Variant(t.SAE.Variant), t.Latents())
}

// Strategies runs the strategies experiment at cfg's scale.
func Strategies(ctx context.Context, run Run, cfg StrategiesConfig) (StrategiesSummary, error) {
	sum := StrategiesSummary{Experiment: "strategies", Config: cfg}
	if err := cfg.Validate(); err != nil {
		return sum, err
	}
	var err error
	if cfg.RunsLM() {
		// The language-model scale first: its folders are the likelier
		// to be wrong, and it should fail before the toy models train.
		if sum.LM, err = StrategiesLMScale(ctx, run, cfg); err != nil {
			return sum, err
		}
	}
	if cfg.RunsToy() {
		sum.Toy, err = StrategiesToyScale(ctx, run, cfg)
	}
	return sum, err
}

// StrategiesExperiment runs the strategies of cfg (Strategies) and writes
// into cfg.Out summary.json, the figures of StrategiesSections and
// report.html.
func StrategiesExperiment(ctx context.Context, run Run, cfg StrategiesConfig) error {
	sum, err := Strategies(ctx, run, cfg)
	if err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Roads against polysemantic neurons: models without superposition, dictionary learning, and both",
		Intro: "Toy Models of Superposition names three strategies against polysemantic neurons: build models without superposition, " +
			"find an overcomplete basis of features with dictionary learning, or mix the two. Each strategy below is a set of " +
			"privileged-basis toy models (or sparse autoencoders on their hidden layers) trained at the same sparsities, read unit by unit " +
			"with the neuron rule and priced in loss against the plain model.",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return StrategiesSections(out, sum) })
}

// StrategiesToyScale trains every toy model of cfg (each setting of each
// strategy at every probability, best of cfg.Restarts), reads their neurons,
// and trains the hybrid's SAE on each one's hidden layer. Setting s of a
// strategy draws from the stream "strategies.toy STRATEGY SETTING" of
// cfg.Seed (its SAE from "strategies.hybrid STRATEGY SETTING", index of the
// probability; the L1 models of the plain width use "λ=…" for SETTING), so a
// setting's results do not depend on which others run.
func StrategiesToyScale(ctx context.Context, run Run, cfg StrategiesConfig) ([]StrategyRecord, error) {
	t := cfg.Toy
	settings := t.settings()
	train := graph.Config{Steps: cfg.Steps, Batch: t.Batch, LR: t.LR, Schedule: graph.Constant}
	prog := run.progress("toy models", len(settings)*len(t.Probabilities)*cfg.Restarts*cfg.Steps)
	var recs []StrategyRecord
	for _, s := range settings {
		specs := make([]tms.Spec, len(t.Probabilities))
		for i, p := range t.Probabilities {
			specs[i] = tms.Spec{Model: s.model, Data: toy.Config{Features: t.Features, Probability: []float64{p}}}
		}
		sc := tms.SweepConfig{Train: train, Restarts: cfg.Restarts, EvalSamples: t.EvalSamples,
			Seed: graph.StreamSeed(cfg.Seed, "strategies.toy "+s.strategy+" "+s.streamName())}
		results, err := tms.Sweep(ctx, specs, sc, run.trainOptions(prog)...)
		if err != nil {
			prog.Finish()
			return nil, fmt.Errorf("%s %s: %w", s.strategy, s.label, err)
		}
		for _, r := range results {
			rec, err := readModel(s, r)
			if err != nil {
				prog.Finish()
				return nil, err
			}
			recs = append(recs, rec)
		}
	}
	prog.Finish()
	plain := map[float64]float64{}
	for _, r := range recs {
		if r.Strategy == StrategyPlain {
			plain[r.FeatureProbability] = r.Loss
		}
	}
	for i := range recs {
		recs[i].LossPlain = plain[recs[i].FeatureProbability]
	}
	if !t.Runs(StrategyHybrid) {
		return recs, nil
	}
	hybrid, err := trainHybrids(ctx, run, cfg, recs)
	if err != nil {
		return nil, err
	}
	for i := range hybrid {
		hybrid[i].LossPlain = plain[hybrid[i].FeatureProbability]
	}
	return append(recs, hybrid...), nil
}

// readModel reads the neurons of one trained model.
func readModel(s toySetting, r tms.Result) (StrategyRecord, error) {
	w, err := tms.WeightsOf(r.Model, r.Params)
	if err != nil {
		return StrategyRecord{}, err
	}
	resp := w.Responses()
	rec := StrategyRecord{
		Strategy: s.strategy, Setting: s.label, Features: r.Model.Features, Hidden: r.Model.Hidden,
		FeatureProbability: r.Data.Probability[0], Loss: r.Loss, Lambda: r.Model.L1,
		Seed: r.Seed, Restart: r.Restart, W: w.W, B: w.B, C: w.C, LNGain: w.LNGain, LNBias: w.LNBias,
		weights: w, stream: s.streamName(),
	}
	if r.Model.HiddenBias != "" {
		c0 := r.Model.HiddenBiasInit
		rec.BiasInit, rec.BiasMode = &c0, string(r.Model.HiddenBias)
	}
	if r.Model.Activation != "" && r.Model.Activation != tms.ReLU {
		rec.Activation = string(r.Model.Activation)
	}
	rec.setUnits(interp.Neurons(resp, false))
	rec.represented = []int{}
	for i, v := range w.PassThrough() {
		if v > interp.RepresentedThreshold {
			rec.represented = append(rec.represented, i)
		}
	}
	rec.Represented = len(rec.represented)
	return rec, nil
}

// setUnits fills the unit counts from a neuron view.
func (r *StrategyRecord) setUnits(v interp.NeuronView) {
	r.Units = len(v.Neurons)
	r.Monosemantic, r.Polysemantic, r.Dead = v.Monosemantic, v.Polysemantic, v.Dead
	r.MonosemanticShare = 0
	if live := v.Monosemantic + v.Polysemantic; live > 0 {
		r.MonosemanticShare = float64(v.Monosemantic) / float64(live)
	}
	r.Carries = make([][]int, len(v.Neurons))
	for j, n := range v.Neurons {
		r.Carries[j] = n.Features
	}
}

// trainHybrids trains the hybrid's SAE on the hidden layer of every model of
// recs, two at a time, and reads its latents.
func trainHybrids(ctx context.Context, run Run, cfg StrategiesConfig, recs []StrategyRecord) ([]StrategyRecord, error) {
	t := cfg.Toy
	prog := run.progress("hybrid SAEs", len(recs)*t.SAE.Steps)
	defer prog.Finish()
	pIndex := map[float64]int{}
	for i, p := range t.Probabilities {
		if _, ok := pIndex[p]; !ok {
			pIndex[p] = i
		}
	}
	quiet := Run{Log: run.Log}
	hybrid, err := graph.Sweep(ctx, len(recs), func(ctx context.Context, k int) (StrategyRecord, error) {
		base := recs[k]
		p := base.FeatureProbability
		seed := graph.StreamSeed(cfg.Seed, "strategies.hybrid "+base.Strategy+" "+base.stream, pIndex[p])
		dc := t.decompose(seed, p, base.Hidden)
		rec := StrategyRecord{
			Strategy: StrategyHybrid, Setting: base.Setting, Base: base.Strategy, Features: base.Features,
			Hidden: base.Hidden, FeatureProbability: p, Latents: t.Latents(), Seed: seed,
		}
		a, err := ToyActivations(dc, base.weights, base.represented)
		if errors.Is(err, ErrNothingToDecompose) {
			// A model that represents no feature leaves the SAE nothing to
			// recover: no record (the report counts them).
			return StrategyRecord{}, nil
		}
		if err != nil {
			return StrategyRecord{}, fmt.Errorf("hybrid on %s %s at p = %v: %w", base.Strategy, base.Setting, p, err)
		}
		res, err := a.trainSAEs(ctx, quiet, "hybrid", prog, []SAESpec{dc.Spec(sae.Variant(t.SAE.Variant), t.Latents())})
		if err != nil {
			return StrategyRecord{}, fmt.Errorf("hybrid on %s %s at p = %v: %w", base.Strategy, base.Setting, p, err)
		}
		s := res[0]
		rec.setUnits(interp.Neurons(s.Responses, false))
		// Responses index the model's represented features; carry the
		// features' own indices.
		idx := a.TruthFeatures()
		for j, fs := range rec.Carries {
			for x, f := range fs {
				rec.Carries[j][x] = idx[f]
			}
		}
		rf, fvu := s.RecoveredFraction, s.FVU
		rec.RecoveredFraction, rec.FVU = &rf, &fvu
		rec.Represented = int(math.Round(rf * float64(len(idx))))
		rec.Loss = s.SplicedLoss
		return rec, nil
	})
	if err != nil {
		return nil, err
	}
	var out []StrategyRecord
	for k, r := range hybrid {
		if r.Strategy == "" {
			run.log().Warnf("hybrid: %s %s at p = %g represents no feature; no SAE trained on it", recs[k].Strategy, recs[k].Setting, recs[k].FeatureProbability)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
