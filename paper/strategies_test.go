package paper

import (
	"context"
	"strings"
	"testing"

	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/models/transformer"
)

// rec is a hand-made record: strategy, setting, width, probability, unit
// counts and losses.
func rec(strategy, setting string, m int, p float64, mono, poly, dead int, loss, plain float64) StrategyRecord {
	r := StrategyRecord{Strategy: strategy, Setting: setting, Features: 10, Hidden: m, FeatureProbability: p,
		Units: mono + poly + dead, Monosemantic: mono, Polysemantic: poly, Dead: dead, Loss: loss, LossPlain: plain}
	if live := mono + poly; live > 0 {
		r.MonosemanticShare = float64(mono) / float64(live)
	}
	return r
}

// doctored is a small set of results in which every conclusion takes its
// first branch; each case of TestConclusionsFollowData edits it so that one
// conclusion must take another.
func doctored() []StrategyRecord {
	rs := []StrategyRecord{
		rec(StrategyPlain, "m=5", 5, 0.35, 3, 2, 0, 0.06, 0.06),
		rec(StrategyPlain, "m=5", 5, 0.02, 0, 5, 0, 0.002, 0.002),
		rec(StrategyWide, "m=10", 10, 0.35, 10, 0, 0, 1e-6, 0.06),
		rec(StrategyWide, "m=10", 10, 0.1, 10, 0, 0, 1e-6, 0.01),
		rec(StrategyWide, "m=10", 10, 0.02, 2, 8, 0, 1e-5, 0.002),
	}
	for i, l := range []float64{0.001, 0.1} {
		a := rec(StrategyL1, []string{"m=5, λ=0.001", "m=5, λ=0.1"}[i], 5, 0.35, 1+3*i, 4-3*i, 0, 0.06*(1+float64(i)), 0.06)
		b := rec(StrategyL1, a.Setting, 5, 0.02, 3*i, 5-3*i, 0, 0.002*(1+float64(i)), 0.002)
		a.Lambda, b.Lambda = l, l
		rs = append(rs, a, b)
	}
	bias := rec(StrategyBias, "m=10, c₀=-0.3, fixed", 10, 0.02, 10, 0, 0, 1e-5, 0.002)
	bias.BiasMode = string(tms.BiasFixed)
	solu := rec(StrategySoLU, "solu, m=10", 10, 0.02, 6, 4, 0, 2e-5, 0.002)
	solu.Activation = string(tms.SoLU)
	rs = append(rs, bias, solu)
	for _, h := range []struct {
		base, setting string
		m             int
		rf            float64
	}{{StrategyPlain, "m=5", 5, 0.5}, {StrategyWide, "m=10", 10, 1}} {
		r := rec(StrategyHybrid, h.setting, h.m, 0.02, 9, 1, 5, 0.004, 0.002)
		r.Base, r.Latents = h.base, 15
		rf := h.rf
		r.RecoveredFraction = &rf
		rs = append(rs, r)
	}
	return rs
}

// TestConclusionsFollowData: every sentence of the report reads the
// numbers it is given. Each case doctors the results and checks that the
// sentence changes branch.
func TestConclusionsFollowData(t *testing.T) {
	at := func(rs []StrategyRecord, strategy, setting string, p float64) *StrategyRecord {
		for i := range rs {
			if rs[i].Strategy == strategy && rs[i].Setting == setting && rs[i].FeatureProbability == p {
				return &rs[i]
			}
		}
		t.Fatalf("no record %s %s p=%v", strategy, setting, p)
		return nil
	}
	tests := []struct {
		name       string
		conclusion func([]StrategyRecord) string
		// before is in the sentence of the doctored results, after in the
		// sentence once edit has run (and before no longer is).
		before, after string
		edit          func([]StrategyRecord)
	}{
		{"wide: polysemantic neuron", WideConclusion, "removes polysemanticity at no cost", "polysemantic neurons remain in m=10 at p = 0.35 (1 polysemantic)",
			func(rs []StrategyRecord) {
				r := at(rs, StrategyWide, "m=10", 0.35)
				r.Monosemantic, r.Polysemantic = 9, 1
			}},
		{"wide: loss above plain", WideConclusion, "removes polysemanticity at no cost", "the loss is above the plain model's in m=10 at p = 0.35 (2× the plain loss)",
			func(rs []StrategyRecord) { at(rs, StrategyWide, "m=10", 0.35).Loss = 0.12 }},
		{"l1: share does not rise", L1Conclusion, "the penalty buys monosemanticity with loss", "at these λ the penalty does not buy monosemanticity",
			func(rs []StrategyRecord) {
				for _, p := range []float64{0.35, 0.02} {
					r := at(rs, StrategyL1, "m=5, λ=0.1", p)
					r.Monosemantic, r.Polysemantic = 0, 5
				}
			}},
		{"l1: loss does not rise", L1Conclusion, "the penalty buys monosemanticity with loss", "here the penalty costs nothing",
			func(rs []StrategyRecord) {
				at(rs, StrategyL1, "m=5, λ=0.1", 0.35).Loss = 0.06
				at(rs, StrategyL1, "m=5, λ=0.1", 0.02).Loss = 0.002
			}},
		{"bias: costs loss, below plain", BiasConclusion, "raises monosemanticity at no cost in loss", "yet stays below the plain model's loss",
			func(rs []StrategyRecord) { at(rs, StrategyBias, "m=10, c₀=-0.3, fixed", 0.02).Loss = 1e-4 }},
		{"bias: costs loss, above plain", BiasConclusion, "raises monosemanticity at no cost in loss", "raises monosemanticity, but pays for it in loss",
			func(rs []StrategyRecord) { at(rs, StrategyBias, "m=10, c₀=-0.3, fixed", 0.02).Loss = 0.004 }},
		{"bias: fewer monosemantic", BiasConclusion, "raises monosemanticity at no cost in loss", "lowers the share of monosemantic neurons",
			func(rs []StrategyRecord) {
				r := at(rs, StrategyBias, "m=10, c₀=-0.3, fixed", 0.02)
				r.Monosemantic, r.Polysemantic = 0, 10
			}},
		{"solu: no cost", SoLUConclusion, "yet stays below the plain model's loss", "raises monosemanticity at no cost in loss",
			func(rs []StrategyRecord) { at(rs, StrategySoLU, "solu, m=10", 0.02).Loss = 1e-5 }},
		{"solu: no change", SoLUConclusion, "yet stays below the plain model's loss", "does not change the share of monosemantic neurons",
			func(rs []StrategyRecord) {
				r := at(rs, StrategySoLU, "solu, m=10", 0.02)
				r.Monosemantic, r.Polysemantic = 2, 8
			}},
		{"hybrid: fewer recovered", HybridConclusion, "the mix helps dictionary learning", "here the mix does not help dictionary learning",
			func(rs []StrategyRecord) {
				v := 0.25
				at(rs, StrategyHybrid, "m=10", 0.02).RecoveredFraction = &v
			}},
		{"hybrid: about the same", HybridConclusion, "the mix helps dictionary learning", "about the same share of the features in both",
			func(rs []StrategyRecord) {
				v := 0.51
				at(rs, StrategyHybrid, "m=10", 0.02).RecoveredFraction = &v
			}},
		{"wide: where it holds", WideConclusion, "removes polysemanticity at no cost", "It holds in m=10 at p = 0.1.",
			func(rs []StrategyRecord) { at(rs, StrategyWide, "m=10", 0.35).Polysemantic = 1 }},
		{"best: costs loss", BestConclusion, "bias m=10, c₀=-0.3, fixed, 100% of its live units, at 0.005× the plain loss. It is also no worse", "Among those no worse than the plain model at every sparsity, the most monosemantic is wide m=10, with 73%",
			func(rs []StrategyRecord) { at(rs, StrategyBias, "m=10, c₀=-0.3, fixed", 0.02).Loss = 0.01 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := doctored()
			if got := tt.conclusion(rs); !strings.Contains(got, tt.before) {
				t.Fatalf("on the doctored results: %q; want it to contain %q", got, tt.before)
			}
			tt.edit(rs)
			got := tt.conclusion(rs)
			if !strings.Contains(got, tt.after) {
				t.Errorf("after the edit: %q; want it to contain %q", got, tt.after)
			}
			if strings.Contains(got, tt.before) {
				t.Errorf("after the edit the sentence still says %q: %q", tt.before, got)
			}
		})
	}
}

// TestWideL1Conclusion: the reading of width and the penalty together
// follows the records, branch by branch.
func TestWideL1Conclusion(t *testing.T) {
	l1 := func(setting string, p float64, mono, poly int, loss, plain float64) StrategyRecord {
		r := rec(StrategyL1, setting, 20, p, mono, poly, 20-mono-poly, loss, plain)
		r.Lambda, r.Represented = 0.01, min(mono, 10)
		return r
	}
	wide := rec(StrategyWide, "m=20", 20, 0.35, 7, 13, 0, 1e-6, 0.06)
	tests := []struct {
		name string
		recs []StrategyRecord
		want string
	}{
		{"none ran", []StrategyRecord{wide, l1("m=20, λ=0.01", 0.02, 10, 0, 1e-5, 0.002)},
			"No L1 model with m ≥ n ran at p ≥ 0.1"},
		{"every setting holds", []StrategyRecord{wide, l1("m=20, λ=0.01", 0.35, 10, 0, 2e-4, 0.06), l1("m=20, λ=0.01", 0.1, 10, 0, 3e-5, 0.018)},
			"2 have every live neuron monosemantic at a loss at most the plain model's (2 of them with all 10 features represented) (widening alone: 0 of 1): width and the penalty together give monosemantic neurons at no cost"},
		{"some hold", []StrategyRecord{wide, l1("m=20, λ=0.01", 0.75, 6, 11, 1.5e-3, 0.079), l1("m=20, λ=0.01", 0.35, 10, 0, 2e-4, 0.06),
			l1("m=20, λ=0.1", 0.35, 10, 0, 0.04, 0.06)},
			"2 have every live neuron monosemantic at a loss at most the plain model's (2 of them with all 10 features represented) (widening alone: 0 of 1). It holds in m=20, λ=0.1 at every such p; m=20, λ=0.01 at p = 0.35."},
		{"loss above plain", []StrategyRecord{l1("m=20, λ=0.1", 0.35, 10, 0, 0.07, 0.06)},
			"0 have every live neuron monosemantic at a loss at most the plain model's (0 of them with all 10 features represented): the penalty does not make the wide models' neurons monosemantic at no cost."},
	}
	for _, tt := range tests {
		if got := WideL1Conclusion(tt.recs); !strings.Contains(got, tt.want) {
			t.Errorf("%s: WideL1Conclusion = %q; want it to contain %q", tt.name, got, tt.want)
		}
	}
}

// TestL1ConclusionPerWidth: with L1 models of two widths the curve is read
// at each, against the unpenalised model of that width.
func TestL1ConclusionPerWidth(t *testing.T) {
	rs := doctored()
	for i, l := range []float64{0.001, 0.1} {
		r := rec(StrategyL1, []string{"m=10, λ=0.001", "m=10, λ=0.1"}[i], 10, 0.35, 5+5*i, 5-5*i, 0, 1e-5, 0.06)
		r.Lambda = l
		rs = append(rs, r)
	}
	got := L1Conclusion(rs)
	for _, want := range []string{
		"On m = 5 neurons, the activation penalty λ·‖h‖₁ traces a curve of 2 points (pooled over the sparsities, loss against the plain model's; the plain model has 30% of its live neurons monosemantic)",
		"On m = 10 neurons, the activation penalty λ·‖h‖₁ traces a curve of 2 points (pooled over the sparsities, loss against the plain model's; the unpenalised model of m = 10 has 73%): λ = 0.001: 50% monosemantic at 0.000167×; λ = 0.1: 100% monosemantic at 0.000167×. From λ = 0.001 to 0.1 the share of monosemantic neurons rises by 50 points and the loss does not rise",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("L1Conclusion = %q; want it to contain %q", got, want)
		}
	}
	// Every λ at m = 10 as monosemantic as the largest: the smallest
	// already buys it from the unpenalised 73%.
	for i := range rs {
		if rs[i].Strategy == StrategyL1 && rs[i].Hidden == 10 {
			rs[i].Monosemantic, rs[i].Polysemantic = 10, 0
		}
	}
	want := "The smallest λ already raises the share of monosemantic neurons from the unpenalised 73% to 100%; from λ = 0.001 to 0.1 it rises no further (100% to 100%)"
	if got := L1Conclusion(rs); !strings.Contains(got, want) {
		t.Errorf("every λ monosemantic: L1Conclusion = %q; want it to contain %q", got, want)
	}
}

// TestBiasConclusionReadsTheBias: the sentence on a learned bias says
// where it ended, from the records' c.
func TestBiasConclusionReadsTheBias(t *testing.T) {
	for _, tt := range []struct {
		c    []float64
		want string
	}{
		{[]float64{0.4, 0.5}, "ends positive (mean +0.45 from a start of -0.3)"},
		{[]float64{-0.01, 0}, "ends near 0"},
		{[]float64{-0.3, -0.25}, "stays negative (mean -0.28"},
	} {
		rs := doctored()
		r := rec(StrategyBias, "m=10, c₀=-0.3, free", 10, 0.02, 2, 8, 0, 1e-5, 0.002)
		start := -0.3
		r.BiasMode, r.BiasInit, r.C = string(tms.BiasFree), &start, tt.c
		got := BiasConclusion(append(rs, r))
		if !strings.Contains(got, tt.want) {
			t.Errorf("BiasConclusion with c = %v: %q; want it to contain %q", tt.c, got, tt.want)
		}
	}
}

// TestStrategiesConfigValidate names the first bad field.
func TestStrategiesConfigValidate(t *testing.T) {
	tests := []struct {
		name, want string
		edit       func(*StrategiesConfig)
	}{
		{"lm scale without a SoLU model", "lm:", func(c *StrategiesConfig) { c.Scale, c.LM.SoLU = ScaleLM, "" }},
		{"both scales, bad SAE", "lm: sae", func(c *StrategiesConfig) { c.Scale, c.LM.SAE.Sizes = ScaleBoth, nil }},
		{"unknown scale", "scale", func(c *StrategiesConfig) { c.Scale = "huge" }},
		{"strategy", "strategies", func(c *StrategiesConfig) { c.Toy.Strategies = []string{"dropout"} }},
		{"lambda", "l1_lambdas", func(c *StrategiesConfig) { c.Toy.L1 = []float64{0} }},
		{"bias mode", "bias_modes", func(c *StrategiesConfig) { c.Toy.BiasModes = []string{"sometimes"} }},
		{"positive negative bias", "bias_init", func(c *StrategiesConfig) {
			c.Toy.BiasInit, c.Toy.BiasModes = []float64{0.2}, []string{string(tms.BiasNegative)}
		}},
		{"solu activation", "solu_activations", func(c *StrategiesConfig) { c.Toy.SoLU = []string{"gelu"} }},
		{"no wide setting", "wide_hidden", func(c *StrategiesConfig) { c.Toy.Wide = nil }},
		{"no L1 width", "l1_hidden", func(c *StrategiesConfig) { c.Toy.L1Hidden = nil }},
		{"L1 width 0", "hidden size 0", func(c *StrategiesConfig) { c.Toy.L1Hidden = []int{0} }},
		{"probability", "probabilities", func(c *StrategiesConfig) { c.Toy.Probabilities = []float64{1.5} }},
		{"sae variant", "sae", func(c *StrategiesConfig) { c.Toy.SAE.Variant = "pca" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultStrategiesConfig()
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v; want an error naming %q", err, tt.want)
			}
		})
	}
	if err := DefaultStrategiesConfig().Validate(); err != nil {
		t.Errorf("Validate(default) = %v", err)
	}
}

// TestStrategiesTiny runs every strategy at a tiny scale: one record per
// model and probability with the unit counts adding up, the plain model as
// every record's loss_plain, and an SAE record per model that represents a
// feature.
func TestStrategiesTiny(t *testing.T) {
	cfg := tinyStrategies()
	sum, err := Strategies(context.Background(), Run{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	plain := map[float64]float64{}
	models, hybrids := 0, 0
	for _, r := range sum.Toy {
		if r.Strategy == StrategyPlain {
			plain[r.FeatureProbability] = r.Loss
		}
	}
	for _, r := range sum.Toy {
		if r.Monosemantic+r.Polysemantic+r.Dead != r.Units || len(r.Carries) != r.Units {
			t.Errorf("%s %s p=%v: %d+%d+%d units, %d carries; want %d", r.Strategy, r.Setting, r.FeatureProbability, r.Monosemantic, r.Polysemantic, r.Dead, len(r.Carries), r.Units)
		}
		if r.LossPlain != plain[r.FeatureProbability] {
			t.Errorf("%s %s p=%v: loss_plain %v; want the plain model's %v", r.Strategy, r.Setting, r.FeatureProbability, r.LossPlain, plain[r.FeatureProbability])
		}
		if r.Strategy == StrategyHybrid {
			hybrids++
			if r.RecoveredFraction == nil || r.Units != cfg.Toy.Latents() {
				t.Errorf("hybrid on %s %s: recovered %v, %d units; want a fraction and %d latents", r.Base, r.Setting, r.RecoveredFraction, r.Units, cfg.Toy.Latents())
			}
			continue
		}
		models++
		if r.Units != r.Hidden {
			t.Errorf("%s %s: %d units for %d neurons", r.Strategy, r.Setting, r.Units, r.Hidden)
		}
	}
	// plain, wide 10, l1 2 λ × 2 widths, bias 2 modes, solu 2: 10 settings
	// × 2 sparsities.
	if models != 20 || hybrids == 0 || hybrids > models {
		t.Errorf("%d models and %d hybrid SAEs; want 20 and 1 to 20", models, hybrids)
	}
	if got := len(StrategiesConclusions(sum.Toy)); got != 7 {
		t.Errorf("%d conclusions; want one per strategy run, the overall one and width with the penalty (7)", got)
	}
}

func tinyStrategies() StrategiesConfig {
	c := DefaultStrategiesConfig()
	c.Steps, c.Restarts = 300, 1
	t := &c.Toy
	t.Probabilities, t.EvalSamples = []float64{0.35, 0.05}, 4096
	t.L1Hidden = []int{5, 10}
	t.Wide, t.L1, t.BiasHidden, t.SoLUHidden, t.SoLU = []int{10}, []float64{0.01, 0.1}, []int{10}, []int{5}, []string{string(tms.SoLU), string(tms.SoLULN)}
	t.SAE.Steps = 100
	return c
}

// lmDoctored is a ReLU and a SoLU transformer's records in which SoLU
// makes more neurons label-specific at little cost and its SAE finds more
// than its neurons show.
func lmDoctored() []LMStrategy {
	neurons := func(alive, specific, pure int) interp.ScoreSummary {
		return interp.ScoreSummary{Units: 512, Alive: alive, LabelSpecific: specific, Pure: pure, MedianSpecificity: 0.5}
	}
	sae := func(alive, specific int, bits float64) MonoSAE {
		return MonoSAE{Variant: "topk", Latents: 512, SplicedBits: bits, LossRecovered: 0.9, FVU: 0.1, ScoreSummary: neurons(alive, specific, specific)}
	}
	return []LMStrategy{
		{Act: "relu", Model: transformer.Config{DMLP: 512}, EvalWindows: 100, CleanBits: 2.20, Neurons: neurons(500, 50, 60), SAEs: []MonoSAE{sae(480, 100, 2.35)}},
		{Act: "solu", Model: transformer.Config{DMLP: 512}, EvalWindows: 100, CleanBits: 2.23, Neurons: neurons(500, 150, 160), SAEs: []MonoSAE{sae(480, 200, 2.38)}},
	}
}

// TestLMConclusionsFollowData: the language-model scale's sentences read
// the numbers they are given; each case doctors them into another branch.
func TestLMConclusionsFollowData(t *testing.T) {
	tests := []struct {
		name          string
		conclusion    func([]LMStrategy) string
		before, after string
		edit          func([]LMStrategy)
	}{
		{"solu costs bits", LMSoLUConclusion, "more neurons readable at little cost", "but at a cost above 0.05 bits per byte",
			func(rs []LMStrategy) { rs[1].CleanBits = 2.4 }},
		{"solu no gain", LMSoLUConclusion, "more neurons readable at little cost", "SoLU does not make the neurons more label-specific here",
			func(rs []LMStrategy) { rs[1].Neurons.LabelSpecific, rs[1].Neurons.Pure = 50, 60 }},
		{"no hiding", LMHybridConclusion, "SoLU hides features here rather than removing superposition", "no sign here that SoLU hides features",
			func(rs []LMStrategy) { rs[1].SAEs[0].LabelSpecific = 140 }},
		{"mix does not help", LMHybridConclusion, "the mix helps", "finds fewer label-specific features than on the ReLU one",
			func(rs []LMStrategy) { rs[1].SAEs[0].LabelSpecific = 60 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := lmDoctored()
			if got := tt.conclusion(rs); !strings.Contains(got, tt.before) {
				t.Fatalf("on the doctored results: %q; want it to contain %q", got, tt.before)
			}
			tt.edit(rs)
			got := tt.conclusion(rs)
			if !strings.Contains(got, tt.after) || strings.Contains(got, tt.before) {
				t.Errorf("after the edit: %q; want %q and not %q", got, tt.after, tt.before)
			}
		})
	}
}

// TestLMSectionsWarnOfFallingSAEs: the language-model section warns when an
// SAE's loss was still falling, and only then.
func TestLMSectionsWarnOfFallingSAEs(t *testing.T) {
	rec := func(act string, trend interp.Trend) LMStrategy {
		return LMStrategy{Act: act, CleanBits: 2.4, Neurons: interp.ScoreSummary{Units: 512, Alive: 512},
			SAEs: []MonoSAE{{Variant: "topk", Latents: 512, SplicedBits: 2.6, LossTrend: trend}}, SAECoverage: []int{0}}
	}
	for _, tt := range []struct {
		trend interp.Trend
		warns bool
	}{{interp.Trend{Records: 100}, false}, {interp.Trend{Previous: 1, Last: 0.9, Drop: 0.1, StillFalling: true, Records: 100}, true}} {
		secs, err := LMSections(t.TempDir(), []LMStrategy{rec("relu", tt.trend), rec("solu", interp.Trend{Records: 100})})
		if err != nil {
			t.Fatal(err)
		}
		w := strings.Join(secs[0].Warnings, " ")
		if got := strings.Contains(w, "topk-512 on ReLU") && strings.Contains(w, "-lm-sae-steps"); got != tt.warns {
			t.Errorf("still falling %v: warnings %q; want a warning naming the SAE and -lm-sae-steps: %v", tt.trend.StillFalling, w, tt.warns)
		}
	}
}
