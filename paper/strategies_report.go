package paper

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
)

// This file reads the strategies experiment's records: the sentences of its
// report (each computed from the records, every branch written) and its
// figures.

// settingGroup is the records of one strategy and setting, one per
// probability.
type settingGroup struct {
	strategy, base, setting string
	recs                    []StrategyRecord
}

// label names the group in the report.
func (g settingGroup) label() string {
	if g.strategy == StrategyHybrid {
		return fmt.Sprintf("SAE on %s %s", g.base, g.setting)
	}
	return g.strategy + " " + g.setting
}

// share is the pooled share of monosemantic units over the group's live
// units.
func (g settingGroup) share() float64 { return pooledShare(g.recs) }

// ratio is the geometric mean over the group of loss / loss_plain.
func (g settingGroup) ratio() float64 { return geoRatio(g.recs) }

// groups splits records into settings, in the order they first appear.
func groups(recs []StrategyRecord) []settingGroup {
	var out []settingGroup
	at := map[[3]string]int{}
	for _, r := range recs {
		key := [3]string{r.Strategy, r.Base, r.Setting}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, settingGroup{strategy: r.Strategy, base: r.Base, setting: r.Setting})
		}
		out[i].recs = append(out[i].recs, r)
	}
	return out
}

// pooledShare is Σ monosemantic / Σ live units over recs (0 with none live).
func pooledShare(recs []StrategyRecord) float64 {
	var mono, live int
	for _, r := range recs {
		mono += r.Monosemantic
		live += r.Monosemantic + r.Polysemantic
	}
	if live == 0 {
		return 0
	}
	return float64(mono) / float64(live)
}

// geoRatio is the geometric mean of loss / loss_plain over recs (NaN when
// empty or when a ratio is not a positive number).
func geoRatio(recs []StrategyRecord) float64 {
	if len(recs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, r := range recs {
		q := r.LossRatio()
		if !(q > 0) || math.IsInf(q, 0) {
			return math.NaN()
		}
		s += math.Log(q)
	}
	return math.Exp(s / float64(len(recs)))
}

// noWorse reports whether r's loss is at most the plain model's, within
// LossTolerance.
func noWorse(r StrategyRecord) bool { return r.Loss <= r.LossPlain*(1+LossTolerance) }

// filter returns the records for which keep is true.
func filter(recs []StrategyRecord, keep func(StrategyRecord) bool) []StrategyRecord {
	var out []StrategyRecord
	for _, r := range recs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func byStrategy(s string) func(StrategyRecord) bool {
	return func(r StrategyRecord) bool { return r.Strategy == s }
}

func pct0(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

// ShareMargin is how far apart two shares (of monosemantic units, of
// recovered features) must be for the report to call one larger: a unit or
// two of the pooled counts is not a finding.
const ShareMargin = 0.02

// count writes n nouns ("1 model", "3 models").
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// WideConclusion reads the wide models (m ≥ n) at dense-to-moderate
// sparsity (p ≥ ModerateProbability): the first acceptance line of issue 15.
func WideConclusion(recs []StrategyRecord) string {
	wide := filter(recs, func(r StrategyRecord) bool {
		return r.Strategy == StrategyWide && r.Hidden >= r.Features && r.FeatureProbability >= ModerateProbability
	})
	if len(wide) == 0 {
		return fmt.Sprintf("No wide model (m ≥ n) ran at p ≥ %g, so the claim that more neurons than features give monosemantic neurons at no cost is not tested here.", ModerateProbability)
	}
	var poly, worse, holds []string
	mono, dead, worst := 0, 0, 0.0
	for _, r := range wide {
		if r.Polysemantic == 0 && noWorse(r) {
			holds = append(holds, fmt.Sprintf("%s at p = %g", r.Setting, r.FeatureProbability))
		}
		mono += r.Monosemantic
		dead += r.Dead
		worst = math.Max(worst, r.LossRatio())
		at := fmt.Sprintf("%s at p = %g", r.Setting, r.FeatureProbability)
		if r.Polysemantic > 0 {
			poly = append(poly, fmt.Sprintf("%s (%d polysemantic)", at, r.Polysemantic))
		}
		if !noWorse(r) {
			worse = append(worse, fmt.Sprintf("%s (%.3g× the plain loss)", at, r.LossRatio()))
		}
	}
	head := fmt.Sprintf("With more neurons than features (wide, %s with m ≥ n = %d at p ≥ %g), ", count(len(wide), "model"), wide[0].Features, ModerateProbability)
	if len(poly) == 0 && len(worse) == 0 {
		return head + fmt.Sprintf("every live neuron is monosemantic (%d monosemantic, %d dead, none polysemantic) and every loss is at most the plain model's (the largest ratio %.3g×): widening removes polysemanticity at no cost in loss.", mono, dead, worst)
	}
	var why []string
	if len(poly) > 0 {
		why = append(why, "polysemantic neurons remain in "+joinAnd(poly))
	}
	if len(worse) > 0 {
		why = append(why, "the loss is above the plain model's in "+joinAnd(worse))
	}
	out := head + "widening does not give monosemantic neurons at no cost everywhere: " + strings.Join(why, ", and ") + "."
	if len(holds) > 0 {
		out += " It holds in " + joinAnd(holds) + "."
	} else {
		out += " It holds in none of them."
	}
	return out
}

// L1Conclusion reads the trade-off curve of the activation penalty at each
// width it ran at: the share of monosemantic neurons and the loss, from the
// smallest λ to the largest.
func L1Conclusion(recs []StrategyRecord) string {
	l1 := filter(recs, byStrategy(StrategyL1))
	widths := hiddenSizes(l1)
	if len(widths) <= 1 {
		return l1Curve(recs, l1, "The activation penalty λ·‖h‖₁")
	}
	var out []string
	for _, m := range widths {
		at := filter(l1, func(r StrategyRecord) bool { return r.Hidden == m })
		out = append(out, l1Curve(recs, at, fmt.Sprintf("On m = %d neurons, the activation penalty λ·‖h‖₁", m)))
	}
	return strings.Join(out, " ")
}

// hiddenSizes lists the widths of recs, smallest first.
func hiddenSizes(recs []StrategyRecord) []int {
	var ms []int
	for _, r := range recs {
		if !slices.Contains(ms, r.Hidden) {
			ms = append(ms, r.Hidden)
		}
	}
	slices.Sort(ms)
	return ms
}

// l1Curve reads the L1 models l1, all of one width, as one curve; what
// starts the sentence.
func l1Curve(recs, l1 []StrategyRecord, what string) string {
	gs := groups(l1)
	if len(gs) < 2 {
		return fmt.Sprintf("%s ran at %d λ, too few for a curve.", what, len(gs))
	}
	sort.SliceStable(gs, func(a, b int) bool { return gs[a].recs[0].Lambda < gs[b].recs[0].Lambda })
	lo, hi := gs[0], gs[len(gs)-1]
	var points []string
	for _, g := range gs {
		points = append(points, fmt.Sprintf("λ = %g: %s monosemantic at %.3g×", g.recs[0].Lambda, pct0(g.share()), g.ratio()))
	}
	plain := filter(recs, byStrategy(StrategyPlain))
	var ref string
	refShare := math.NaN()
	switch m := l1[0].Hidden; {
	case len(plain) > 0 && plain[0].Hidden == m:
		refShare = pooledShare(plain)
		ref = fmt.Sprintf("; the plain model has %s of its live neurons monosemantic", pct0(refShare))
	case len(baseline(recs, m)) > 0:
		refShare = pooledShare(slices.Collect(maps.Values(baseline(recs, m))))
		ref = fmt.Sprintf("; the unpenalised model of m = %d has %s", m, pct0(refShare))
	}
	head := fmt.Sprintf("%s traces a curve of %d points (pooled over the sparsities, loss against the plain model's%s): %s. ",
		what, len(gs), ref, strings.Join(points, "; "))
	dShare, dLoss := hi.share()-lo.share(), hi.ratio()-lo.ratio()
	switch {
	case dShare > ShareMargin && dLoss > LossTolerance:
		return head + fmt.Sprintf("From λ = %g to %g the share of monosemantic neurons rises by %.0f points while the loss rises from %.3g× to %.3g× the plain model's: the penalty buys monosemanticity with loss.",
			lo.recs[0].Lambda, hi.recs[0].Lambda, 100*dShare, lo.ratio(), hi.ratio())
	case dShare > ShareMargin:
		return head + fmt.Sprintf("From λ = %g to %g the share of monosemantic neurons rises by %.0f points and the loss does not rise (%.3g× to %.3g×): here the penalty costs nothing.",
			lo.recs[0].Lambda, hi.recs[0].Lambda, 100*dShare, lo.ratio(), hi.ratio())
	case lo.share() > refShare+ShareMargin:
		return head + fmt.Sprintf("The smallest λ already raises the share of monosemantic neurons from the unpenalised %s to %s; from λ = %g to %g it rises no further (%s to %s) while the loss goes from %.3g× to %.3g×: larger λ only cost loss.",
			pct0(refShare), pct0(lo.share()), lo.recs[0].Lambda, hi.recs[0].Lambda, pct0(lo.share()), pct0(hi.share()), lo.ratio(), hi.ratio())
	default:
		return head + fmt.Sprintf("From λ = %g to %g the share of monosemantic neurons does not rise (%s to %s) while the loss goes from %.3g× to %.3g×: at these λ the penalty does not buy monosemanticity.",
			lo.recs[0].Lambda, hi.recs[0].Lambda, pct0(lo.share()), pct0(hi.share()), lo.ratio(), hi.ratio())
	}
}

// WideL1Conclusion reads the L1 models with more neurons than features at
// dense-to-moderate sparsity (p ≥ ModerateProbability), the first acceptance
// line of issue 15 for width and the penalty together: which settings have
// no polysemantic neuron at a loss no worse than the plain model's at every
// such p, against the wide models without the penalty.
func WideL1Conclusion(recs []StrategyRecord) string {
	moderate := func(s string) []StrategyRecord {
		return filter(recs, func(r StrategyRecord) bool {
			return r.Strategy == s && r.Hidden >= r.Features && r.FeatureProbability >= ModerateProbability
		})
	}
	l1 := moderate(StrategyL1)
	if len(l1) == 0 {
		return fmt.Sprintf("No L1 model with m ≥ n ran at p ≥ %g, so width and the penalty together are not tested here.", ModerateProbability)
	}
	clean := func(r StrategyRecord) bool { return r.Polysemantic == 0 && noWorse(r) }
	holds := func(rs []StrategyRecord) int { return len(filter(rs, clean)) }
	var every, some []string
	for _, g := range groups(l1) {
		var ps []string
		for _, r := range g.recs {
			if clean(r) {
				ps = append(ps, fmt.Sprintf("%g", r.FeatureProbability))
			}
		}
		switch {
		case len(ps) == len(g.recs):
			every = append(every, g.setting)
		case len(ps) > 0:
			some = append(some, fmt.Sprintf("%s at p = %s", g.setting, joinAnd(ps)))
		}
	}
	all := len(filter(l1, func(r StrategyRecord) bool { return clean(r) && r.Represented == r.Features }))
	head := fmt.Sprintf("With more neurons than features and the activation penalty (l1, %s with m ≥ n = %d at p ≥ %g), %d have every live neuron monosemantic at a loss at most the plain model's (%d of them with all %d features represented)",
		count(len(l1), "model"), l1[0].Features, ModerateProbability, holds(l1), all, l1[0].Features)
	if wide := moderate(StrategyWide); len(wide) > 0 {
		head += fmt.Sprintf(" (widening alone: %d of %d)", holds(wide), len(wide))
	}
	switch {
	case len(every) == len(groups(l1)):
		return head + ": width and the penalty together give monosemantic neurons at no cost in loss at every setting and sparsity."
	case len(every) > 0 || len(some) > 0:
		var where []string
		if len(every) > 0 {
			where = append(where, joinAnd(every)+" at every such p")
		}
		where = append(where, some...)
		return head + ". It holds in " + strings.Join(where, "; ") + "."
	default:
		return head + ": the penalty does not make the wide models' neurons monosemantic at no cost."
	}
}

// baseline returns the records of the unmodified ReLU model of m neurons
// (plain, or wide), by probability.
func baseline(recs []StrategyRecord, m int) map[float64]StrategyRecord {
	out := map[float64]StrategyRecord{}
	for _, r := range recs {
		if (r.Strategy == StrategyPlain || r.Strategy == StrategyWide) && r.Hidden == m {
			if _, ok := out[r.FeatureProbability]; !ok {
				out[r.FeatureProbability] = r
			}
		}
	}
	return out
}

// againstBaseline compares the records mine with the unmodified ReLU model
// of the same width at the same probabilities among recs: the pooled shares
// of monosemantic neurons of both and the geometric-mean loss ratio (mine
// over the baseline's), over the records that have a baseline.
func againstBaseline(recs, mine []StrategyRecord) (share, baseShare, ratio float64, pairs int, widths []int) {
	var with, base, rel []StrategyRecord
	for _, r := range mine {
		b, ok := baseline(recs, r.Hidden)[r.FeatureProbability]
		if !ok {
			continue
		}
		with, base = append(with, r), append(base, b)
		r.LossPlain = b.Loss
		rel = append(rel, r)
		if !slices.Contains(widths, r.Hidden) {
			widths = append(widths, r.Hidden)
		}
	}
	if len(with) == 0 {
		return 0, 0, math.NaN(), 0, nil
	}
	slices.Sort(widths)
	return pooledShare(with), pooledShare(base), geoRatio(rel), len(with), widths
}

func intsString(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return joinAnd(s)
}

// compareSentence writes how the records mine compare, neuron by neuron and
// in loss, with the unmodified ReLU model of the same width; claim is what
// the literature reports, so that the sentence can say whether it holds.
func compareSentence(recs, mine []StrategyRecord, what, claim string) string {
	share, base, ratio, pairs, widths := againstBaseline(recs, mine)
	if pairs == 0 {
		return fmt.Sprintf("%s: no model has an unmodified ReLU model of the same width to compare with (run plain or wide at the same m).", what)
	}
	plain := geoRatio(mine)
	head := fmt.Sprintf("%s (%s at m = %s, each against the ReLU model of its width at its p): %s of the live neurons are monosemantic against %s without, at %.3g× that model's loss and %.3g× the plain model's (geometric means). ",
		what, count(pairs, "model"), intsString(widths), pct0(share), pct0(base), ratio, plain)
	cheap := ratio <= 1+LossTolerance
	raises := share > base+ShareMargin
	var verdict string
	switch {
	case raises && cheap:
		verdict = "It raises monosemanticity at no cost in loss"
	case raises && plain <= 1+LossTolerance:
		verdict = "It raises monosemanticity; it pays for it in loss against the ReLU model of its width, yet stays below the plain model's loss"
	case raises:
		verdict = "It raises monosemanticity, but pays for it in loss"
	case share >= base-ShareMargin:
		verdict = "It does not change the share of monosemantic neurons"
	default:
		verdict = "It lowers the share of monosemantic neurons"
	}
	return head + verdict + claim + "."
}

// meanHiddenBias is the mean final hidden bias of recs.
func meanHiddenBias(recs []StrategyRecord) float64 {
	var s float64
	var n int
	for _, r := range recs {
		for _, c := range r.C {
			s += c
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// BiasConclusion reads the hidden-bias models against the unbiased ones of
// the same width, mode by mode, and says where a learned bias ends.
func BiasConclusion(recs []StrategyRecord) string {
	const claim = " (Jermyn, Schiefer and Hubinger report more monosemantic minima at no extra loss from moderate negative biases, and more still from wider layers)"
	var out []string
	for _, mode := range tms.BiasModes {
		mine := filter(recs, func(r StrategyRecord) bool { return r.Strategy == StrategyBias && r.BiasMode == string(mode) })
		if len(mine) == 0 {
			continue
		}
		var what string
		switch mode {
		case tms.BiasFree:
			what = "A learned hidden bias started negative"
		case tms.BiasNegative:
			what = "A learned hidden bias kept at or below 0"
		case tms.BiasFixed:
			what = "A fixed negative hidden bias"
		}
		line := compareSentence(recs, mine, what, claim)
		if mode != tms.BiasFixed {
			var start float64
			if mine[0].BiasInit != nil {
				start = *mine[0].BiasInit
			}
			c := meanHiddenBias(mine)
			switch {
			case c >= 0.1:
				line += fmt.Sprintf(" The learned bias ends positive (mean %+.2f from a start of %g): it lifts the pre-activations towards the ReLU's linear side, where the hidden basis loses the privilege that makes neurons readable.", c, start)
			case c > start/2:
				line += fmt.Sprintf(" The learned bias ends near 0 (mean %+.2f from a start of %g): training undoes the negative start.", c, start)
			default:
				line += fmt.Sprintf(" The learned bias stays negative (mean %+.2f from a start of %g).", c, start)
			}
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return "No hidden-bias model ran."
	}
	return strings.Join(out, " ")
}

// SoLUConclusion reads the SoLU models against the ReLU ones of the same
// width, with and without the LayerNorm.
func SoLUConclusion(recs []StrategyRecord) string {
	const claim = " (the SoLU paper reports more interpretable neurons at little loss in language models)"
	var out []string
	for _, a := range []tms.Activation{tms.SoLU, tms.SoLULN} {
		mine := filter(recs, func(r StrategyRecord) bool { return r.Strategy == StrategySoLU && r.Activation == string(a) })
		if len(mine) == 0 {
			continue
		}
		what := "SoLU on the hidden layer"
		if a == tms.SoLULN {
			what = "SoLU followed by LayerNorm"
		}
		out = append(out, compareSentence(recs, mine, what, claim))
	}
	if len(out) == 0 {
		return "No SoLU model ran."
	}
	return strings.Join(out, " ")
}

// HybridConclusion compares dictionary learning on the plain model (road 2)
// with SAEs on the road-1 models (road 3): features recovered, monosemantic
// latents and the loss with the reconstruction spliced in.
func HybridConclusion(recs []StrategyRecord) string {
	h := filter(recs, byStrategy(StrategyHybrid))
	road2 := filter(h, func(r StrategyRecord) bool { return r.Base == StrategyPlain })
	road3 := filter(h, func(r StrategyRecord) bool { return r.Base != StrategyPlain })
	if len(road2) == 0 || len(road3) == 0 {
		return fmt.Sprintf("The hybrid ran on %d plain and %d other models; comparing dictionary learning alone with the mix needs both.", len(road2), len(road3))
	}
	rec := func(rs []StrategyRecord) float64 {
		var s float64
		for _, r := range rs {
			if r.RecoveredFraction != nil {
				s += *r.RecoveredFraction
			}
		}
		return s / float64(len(rs))
	}
	r2, r3 := rec(road2), rec(road3)
	head := fmt.Sprintf("Dictionary learning alone (an SAE on the plain model, %d sparsities) recovers %s of the model's features on average, with %s of its live latents monosemantic, at %.3g× the plain loss with its reconstruction spliced in; "+
		"on the road-1 models (%d SAEs) it recovers %s, %s monosemantic, at %.3g×. ",
		len(road2), pct0(r2), pct0(pooledShare(road2)), geoRatio(road2), len(road3), pct0(r3), pct0(pooledShare(road3)), geoRatio(road3))
	best := groups(road3)
	sort.SliceStable(best, func(a, b int) bool { return rec(best[a].recs) > rec(best[b].recs) })
	top := fmt.Sprintf(" (the most: %s, %s)", best[0].label(), pct0(rec(best[0].recs)))
	switch {
	case r3 > r2+ShareMargin:
		return head + "The SAE finds more of the features in the road-1 models than in the plain one" + top + ": the mix helps dictionary learning."
	case r3 < r2-ShareMargin:
		return head + "The SAE finds fewer of the features in the road-1 models than in the plain one" + top + ": here the mix does not help dictionary learning."
	default:
		return head + "The SAE finds about the same share of the features in both" + top + ": on average the mix neither helps nor hinders dictionary learning."
	}
}

// BestConclusion names the strategy and setting with the most monosemantic
// live units among those no worse than the plain model at every sparsity,
// and the one with the most monosemantic units at any cost.
func BestConclusion(recs []StrategyRecord) string {
	gs := groups(recs)
	if len(gs) == 0 {
		return "No model ran."
	}
	free := -1
	for i, g := range gs {
		ok := true
		for _, r := range g.recs {
			ok = ok && noWorse(r)
		}
		if ok && (free < 0 || g.share() > gs[free].share()) {
			free = i
		}
	}
	any := 0
	for i, g := range gs {
		if g.share() > gs[any].share() {
			any = i
		}
	}
	out := fmt.Sprintf("The most monosemantic units overall: %s, %s of its live units, at %.3g× the plain loss. ", gs[any].label(), pct0(gs[any].share()), gs[any].ratio())
	if free < 0 {
		return out + "No strategy and setting stays within the plain model's loss at every sparsity."
	}
	if free == any {
		return out + "It is also no worse than the plain model at every sparsity: the best trade-off here costs nothing."
	}
	return out + fmt.Sprintf("Among those no worse than the plain model at every sparsity, the most monosemantic is %s, with %s.", gs[free].label(), pct0(gs[free].share()))
}

// StrategiesConclusions are the report's readings of the toy records, one
// per question, every one computed from them.
func StrategiesConclusions(recs []StrategyRecord) []string {
	out := []string{BestConclusion(recs)}
	has := func(s string) bool { return len(filter(recs, byStrategy(s))) > 0 }
	if has(StrategyWide) {
		out = append(out, WideConclusion(recs))
	}
	if has(StrategyL1) {
		out = append(out, L1Conclusion(recs), WideL1Conclusion(recs))
	}
	if has(StrategyBias) {
		out = append(out, BiasConclusion(recs))
	}
	if has(StrategySoLU) {
		out = append(out, SoLUConclusion(recs))
	}
	if has(StrategyHybrid) {
		out = append(out, HybridConclusion(recs))
	}
	return out
}

// strategyColor is the palette index of a strategy.
func strategyColor(s string) int { return max(slices.Index(StrategyNames, s), 0) }

// StrategiesSections draws the trade-off figures into out and returns the
// report's sections: per scale run, the conclusions, the table of every
// setting, and the figures.
func StrategiesSections(out string, sum StrategiesSummary) ([]interp.Section, error) {
	var secs []interp.Section
	if len(sum.Toy) > 0 {
		toy, err := toySections(out, sum)
		if err != nil {
			return nil, err
		}
		secs = append(secs, toy...)
	}
	if len(sum.LM) > 0 {
		lm, err := LMSections(out, sum.LM)
		if err != nil {
			return nil, err
		}
		secs = append(secs, lm...)
	}
	return secs, nil
}

// toySections draws the toy scale's figures and returns its sections.
func toySections(out string, sum StrategiesSummary) ([]interp.Section, error) {
	recs := sum.Toy
	conclusions := interp.Section{Heading: "What the toy models show", Paragraphs: StrategiesConclusions(recs)}
	table := interp.Section{Heading: "Every strategy and setting"}
	table.Paragraphs = append(table.Paragraphs, "Per setting, pooled over the sparsities: monosemantic / polysemantic / dead units, the share of live units that are monosemantic, features represented (mean), "+
		"and the loss against the plain model's (geometric mean of the ratios; per p in brackets). For the hybrid the units are the SAE's latents, represented the features it recovers, and the loss is the toy loss with the reconstruction in place of the hidden layer.")
	for _, g := range groups(recs) {
		var mono, poly, dead, rep int
		var per []string
		for _, r := range g.recs {
			mono, poly, dead, rep = mono+r.Monosemantic, poly+r.Polysemantic, dead+r.Dead, rep+r.Represented
			per = append(per, fmt.Sprintf("p = %g: %d/%d/%d, %.3g×", r.FeatureProbability, r.Monosemantic, r.Polysemantic, r.Dead, r.LossRatio()))
		}
		line := fmt.Sprintf("%s: %d/%d/%d units, %s monosemantic, %.1f represented, loss %.3g× plain [%s]",
			g.label(), mono, poly, dead, pct0(g.share()), float64(rep)/float64(len(g.recs)), g.ratio(), strings.Join(per, "; "))
		if g.strategy == StrategyHybrid {
			var rf float64
			for _, r := range g.recs {
				if r.RecoveredFraction != nil {
					rf += *r.RecoveredFraction / float64(len(g.recs))
				}
			}
			line += fmt.Sprintf(", recovered %s", pct0(rf))
		}
		table.Paragraphs = append(table.Paragraphs, line+".")
	}

	series := map[string]*interp.Series{}
	var order []string
	add := func(name string, color int, x, y float64, line bool) {
		s, ok := series[name]
		if !ok {
			s = &interp.Series{Name: name, Points: true, Line: line, Color: interp.Color(color), Radius: 4}
			series[name] = s
			order = append(order, name)
		}
		s.X, s.Y = append(s.X, x), append(s.Y, y)
	}
	gs := groups(recs)
	l1 := filter(recs, byStrategy(StrategyL1))
	var curve []settingGroup
	for _, g := range gs {
		name, color := g.strategy, strategyColor(g.strategy)
		switch {
		case g.strategy == StrategyL1:
			curve = append(curve, g)
			continue
		case g.strategy == StrategyHybrid && g.base == StrategyPlain:
			name, color = "SAE on plain (road 2)", len(StrategyNames)
		case g.strategy == StrategyHybrid:
			name = "hybrid (SAE on road-1 models)"
		}
		add(name, color, g.share(), g.ratio(), false)
	}
	sort.SliceStable(curve, func(a, b int) bool { return curve[a].recs[0].Lambda < curve[b].recs[0].Lambda })
	l1Widths := hiddenSizes(l1)
	for i, m := range l1Widths {
		color := strategyColor(StrategyL1)
		if i > 0 {
			color = len(StrategyNames) + i
		}
		for _, g := range curve {
			if g.recs[0].Hidden == m {
				add(fmt.Sprintf("%s, m = %d (λ rising along the line)", StrategyL1, m), color, g.share(), g.ratio(), true)
			}
		}
	}
	var pooled []interp.Series
	for _, n := range order {
		pooled = append(pooled, *series[n])
	}
	tradeoff := filepath.Join(out, "strategies_tradeoff.png")
	guide := []interp.Guide{{Y: 1, Label: "plain model's loss"}}
	if err := interp.SaveChart(tradeoff, interp.Chart{Title: "loss cost against monosemantic units, one point per strategy and setting",
		XLabel: "share of live units that are monosemantic (pooled over p)", YLabel: "loss / plain model's loss (geometric mean over p)", LogY: true, HLines: guide, Width: 7, Height: 4.5}, pooled...); err != nil {
		return nil, err
	}

	var every []interp.Series
	at := map[string]int{}
	for _, r := range recs {
		name := r.Strategy
		if r.Strategy == StrategyHybrid && r.Base == StrategyPlain {
			name = "SAE on plain"
		}
		i, ok := at[name]
		if !ok {
			i = len(every)
			at[name] = i
			color := strategyColor(r.Strategy)
			if name == "SAE on plain" {
				color = len(StrategyNames)
			}
			every = append(every, interp.Series{Name: name, Points: true, Color: interp.Color(color), Radius: 3})
		}
		every[i].X = append(every[i].X, r.MonosemanticShare)
		every[i].Y = append(every[i].Y, r.LossRatio())
	}
	all := filepath.Join(out, "strategies_tradeoff_all.png")
	if err := interp.SaveChart(all, interp.Chart{Title: "every model: one point per strategy, setting and sparsity",
		XLabel: "share of live units that are monosemantic", YLabel: "loss / plain model's loss", LogY: true, HLines: guide, Width: 7, Height: 4.5}, every...); err != nil {
		return nil, err
	}
	figs := []interp.Figure{
		{Path: tradeoff, Caption: "Each point is one strategy and setting: the share of its live units (neurons; latents for the SAEs) that carry one feature, pooled over the sparsities, against its loss over the plain model's (geometric mean over the sparsities; below the guide is cheaper than plain). The L1 points of each width are joined in order of λ: the penalty's trade-off curve."},
		{Path: all, Caption: "The same for every trained model, one point per strategy, setting and sparsity."},
	}
	for i, m := range l1Widths {
		var curves []interp.Series
		for j, p := range sum.Config.Toy.Probabilities {
			rs := filter(l1, func(r StrategyRecord) bool { return r.FeatureProbability == p && r.Hidden == m })
			sort.SliceStable(rs, func(a, b int) bool { return rs[a].Lambda < rs[b].Lambda })
			s := interp.Series{Name: fmt.Sprintf("p = %g", p), Line: true, Points: true, Color: interp.Color(j)}
			for _, r := range rs {
				s.X, s.Y = append(s.X, r.MonosemanticShare), append(s.Y, r.LossRatio())
			}
			if len(s.X) > 0 {
				curves = append(curves, s)
			}
		}
		// The first width keeps the plain name; the others are named by m.
		name := "strategies_l1_curve.png"
		if i > 0 {
			name = fmt.Sprintf("strategies_l1_curve_m%d.png", m)
		}
		path := filepath.Join(out, name)
		if err := interp.SaveChart(path, interp.Chart{Title: fmt.Sprintf("the activation penalty's trade-off on m = %d neurons, per sparsity", m),
			XLabel: "share of live neurons that are monosemantic", YLabel: "loss / plain model's loss", LogY: true, HLines: guide, Width: 7, Height: 4.5}, curves...); err != nil {
			return nil, err
		}
		figs = append(figs, interp.Figure{Path: path, Caption: fmt.Sprintf("The L1 models of m = %d neurons at each sparsity, λ rising along each line (λ = %v).", m, sum.Config.Toy.L1)})
	}
	table.Figures = figs
	return []interp.Section{conclusions, table}, nil
}
