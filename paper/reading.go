package paper

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
)

// The readings below turn results into sentences. Each sentence that states
// a result is computed from the data and has its other branch written too,
// so that an under-trained or failed run reads as what it is.

// sig writes v with 3 significant digits (whole numbers from 1000 up), a
// true minus sign, and NaN and ±Inf as such.
func sig(v float64) string {
	var s string
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case math.Abs(v) >= 1000:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	if m, e, ok := strings.Cut(s, "e"); ok { // 4.41e-05 → 4.41×10⁻⁵
		n, _ := strconv.Atoi(e)
		s = m + "×10" + superscript(n)
	}
	return strings.Replace(s, "-", "−", 1)
}

// superscript writes n in superscript digits: −5 → ⁻⁵.
func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	sup := []rune(digits)
	var b strings.Builder
	for _, r := range strconv.Itoa(n) {
		if r == '-' {
			b.WriteRune('⁻')
			continue
		}
		b.WriteRune(sup[r-'0'])
	}
	return b.String()
}

// sig4 writes v with 4 significant digits, for figures compared to the
// third decimal (bits per byte).
func sig4(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1000 || math.Abs(v) < 1e-3 {
		return sig(v)
	}
	return strings.Replace(fmt.Sprintf("%#.4g", v), "-", "−", 1)
}

// sig0 is sig keeping trailing zeros, for quantities read as measured:
// "1.00 features per latent".
func sig0(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1000 || math.Abs(v) < 1e-3 {
		return sig(v)
	}
	return strings.Replace(fmt.Sprintf("%#.3g", v), "-", "−", 1)
}

// thousands writes n with commas between groups of three digits: 1,228,800.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "−" + s
	}
	return s
}

// pct writes a fraction as a percentage with 3 significant digits: 0.8625 →
// "86.3%".
func pct(f float64) string { return sig(100*f) + "%" }

// convergenceWarning is a warning naming the runs (names[i], trends[i]) whose
// training loss was still falling when training stopped, or "" when none was.
// what names the runs ("models", "SAEs", "cells").
func convergenceWarning(what string, names []string, trends []interp.Trend) string {
	return convergenceWarningFlag(what, names, trends, "-steps")
}

// convergenceWarningFlag is convergenceWarning naming flag as the one that
// sets the steps.
func convergenceWarningFlag(what string, names []string, trends []interp.Trend, flag string) string {
	var falling []string
	worst := 0.0
	for i, t := range trends {
		if t.StillFalling {
			falling = append(falling, names[i])
			worst = math.Max(worst, t.Drop)
		}
	}
	if len(falling) == 0 {
		return ""
	}
	if len(trends) == 1 {
		return fmt.Sprintf("Not converged: the loss (%s) was still falling when training stopped, by %s over the last tenth of the steps. "+
			"The results below may change with more steps (%s).", falling[0], pct(worst), flag)
	}
	list := strings.Join(falling, "; ")
	if len(falling) > 6 {
		list = strings.Join(falling[:6], "; ") + "; …"
	}
	return fmt.Sprintf("Not converged: the training loss of %d of %d %s (%s) was still falling when training stopped, by up to %s over the last tenth of the steps. "+
		"The results below may change with more steps (%s).", len(falling), len(trends), what, list, pct(worst), flag)
}

// failureWarning is a warning naming the runs whose loss is not a finite
// number, or "".
func failureWarning(what string, names []string, losses []float64) string {
	var failed []string
	for i, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			failed = append(failed, names[i]+" (loss "+sig(l)+")")
		}
	}
	if len(failed) == 0 {
		return ""
	}
	if len(losses) == 1 {
		return fmt.Sprintf("Failed: %s ended with a loss that is not a number. The readings below mean nothing.", failed[0])
	}
	return fmt.Sprintf("Failed: %d of %d %s ended with a loss that is not a number: %s. Their readings below mean nothing.",
		len(failed), len(losses), what, strings.Join(failed, "; "))
}

// toyWarnings are the convergence and failure warnings of toy runs, named by
// their feature probability.
func toyWarnings(runs []interp.ToyRun) []string {
	names := make([]string, len(runs))
	trends := make([]interp.Trend, len(runs))
	losses := make([]float64, len(runs))
	for i, r := range runs {
		names[i], trends[i], losses[i] = "p = "+sig(r.FeatureProbability), r.LossTrend, r.Loss
	}
	return nonEmpty(failureWarning("models", names, losses), convergenceWarning("models", names, trends))
}

// nonEmpty returns the strings of s that are not "".
func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// andList writes indices as "1, 3 and 4".
func andList(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// orthogonal reports whether r represents exactly m features, each in a
// dimension of its own (every Dᵢ ≈ 1).
func orthogonal(r interp.ToyRun) bool {
	if r.Represented != r.Hidden {
		return false
	}
	for _, i := range r.RepresentedFeatures {
		if math.Abs(r.Dimensionality[i]-1) > 0.02 {
			return false
		}
	}
	return true
}

// mostImportant reports whether r represents exactly the k most important
// features (0 … k−1).
func mostImportant(r interp.ToyRun, k int) bool {
	if len(r.RepresentedFeatures) != k {
		return false
	}
	for i, f := range r.RepresentedFeatures {
		if f != i {
			return false
		}
	}
	return true
}

// polygonNames names the regular polygons of k features in a plane.
var polygonNames = map[int]string{3: "triangle", 4: "square", 5: "pentagon", 6: "hexagon", 7: "heptagon", 8: "octagon"}

// polygon returns k ≥ 3 when the represented features of a model with m = 2
// form a regular k-gon (every Dᵢ within 0.025 of 2/k), else 0.
func polygon(r interp.ToyRun) int {
	k := r.Represented
	if r.Hidden != 2 || k < 3 {
		return 0
	}
	for _, i := range r.RepresentedFeatures {
		if math.Abs(r.Dimensionality[i]-2/float64(k)) > 0.025 {
			return 0
		}
	}
	return k
}

// meanBias is the mean bias of r's represented features (0 when none).
func meanBias(r interp.ToyRun) float64 {
	if r.Represented == 0 {
		return 0
	}
	var s float64
	for _, i := range r.RepresentedFeatures {
		s += r.B[i]
	}
	return s / float64(r.Represented)
}

// byModel returns the runs of kind, densest (largest p) first.
func byModel(runs []interp.ToyRun, kind string) []interp.ToyRun {
	var out []interp.ToyRun
	for _, r := range runs {
		if r.Model == kind {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b interp.ToyRun) int {
		switch {
		case a.FeatureProbability > b.FeatureProbability:
			return -1
		case a.FeatureProbability < b.FeatureProbability:
			return 1
		}
		return 0
	})
	return out
}

// SparsityReading reads a sweep of ReLU-output models (and linear ones, if
// runs has them) over feature probability, the paper's intro result: how
// many features the dense and the sparsest model represent, what the
// Gram matrices show from left to right, the biases, and the linear model.
func SparsityReading(runs []interp.ToyRun) []string {
	relu, linear := byModel(runs, "relu"), byModel(runs, "linear")
	if len(relu) == 0 {
		return nil
	}
	dense, sparse := relu[0], relu[len(relu)-1]
	m, n := dense.Hidden, dense.Features
	linearAt := func(p float64) (interp.ToyRun, bool) {
		for _, l := range linear {
			if l.FeatureProbability == p {
				return l, true
			}
		}
		return interp.ToyRun{}, false
	}
	var out []string
	// Dense features.
	s := fmt.Sprintf("With dense features (p = %s) the ReLU-output model represents %d of the %d features", sig(dense.FeatureProbability), dense.Represented, n)
	switch {
	case orthogonal(dense) && mostImportant(dense, m):
		s += fmt.Sprintf(": the %d most important, each in a dimension of its own, as a linear model would.", m)
	case dense.Represented == m:
		s += fmt.Sprintf(", as many as it has dimensions, but not as a linear model would (the %d most important, orthogonal): it represents features %s.", m, andList(dense.RepresentedFeatures))
	case dense.Represented > m:
		s += fmt.Sprintf(", more than its m = %d dimensions although dense features leave no room for superposition: it has not settled to the linear solution (the %d most important features, orthogonal).", m, m)
	default:
		s += fmt.Sprintf(", fewer than its m = %d dimensions, where a linear model would keep %d.", m, m)
	}
	if l, ok := linearAt(dense.FeatureProbability); ok {
		s += fmt.Sprintf(" The linear model at the same p represents %d.", l.Represented)
	}
	out = append(out, s)
	// Sparse features.
	if len(relu) > 1 {
		if sparse.Represented > m {
			out = append(out, fmt.Sprintf("With sparse features (p = %s) it represents %d: more features than its %d dimensions, in superposition, "+
				"accepting interference between them because they are rarely active together.", sig(sparse.FeatureProbability), sparse.Represented, m))
		} else {
			out = append(out, fmt.Sprintf("With sparse features (p = %s) it represents %d, no more than its %d dimensions: no superposition at this scale, "+
				"where the paper finds more features than dimensions once features are sparse.", sig(sparse.FeatureProbability), sparse.Represented, m))
		}
	}
	// The figures from left to right.
	var parts []string
	if orthogonal(dense) {
		parts = append(parts, fmt.Sprintf("at p = %s WᵀW is an identity block on %d features", sig(dense.FeatureProbability), m))
	} else {
		parts = append(parts, fmt.Sprintf("at p = %s WᵀW is not an identity block (%d features represented, not %d orthogonal ones)", sig(dense.FeatureProbability), dense.Represented, m))
	}
	antipodal := -1
	for i, r := range relu {
		if len(interp.AntipodalPairs(r.W)) > 0 {
			antipodal = i
			break
		}
	}
	if antipodal >= 0 {
		parts = append(parts, fmt.Sprintf("antipodal pairs (−1 off the diagonal) first appear at p = %s", sig(relu[antipodal].FeatureProbability)))
	} else {
		parts = append(parts, "no antipodal pair (cosine < −0.9) appears at any p")
	}
	if k := polygon(sparse); k > 0 {
		parts = append(parts, fmt.Sprintf("at p = %s the %d represented features form a regular %s (every Dᵢ ≈ 2/%d)", sig(sparse.FeatureProbability), k, polygonNames[k], k))
	} else if len(relu) > 1 {
		parts = append(parts, fmt.Sprintf("at p = %s the features sit as: %s", sig(sparse.FeatureProbability), describeDims(sparse)))
	}
	out = append(out, "Reading the Gram matrices from left to right: "+strings.Join(parts, "; ")+".")
	if sparse.Represented > 0 && len(relu) > 1 {
		if b := meanBias(sparse); b < 0 {
			out = append(out, fmt.Sprintf("At p = %s the biases of the represented features are negative (mean %s): they filter out the small interference.", sig(sparse.FeatureProbability), sig(b)))
		} else {
			out = append(out, fmt.Sprintf("At p = %s the biases of the represented features are not negative (mean %s): nothing filters out interference yet.", sig(sparse.FeatureProbability), sig(b)))
		}
	}
	if len(linear) > 0 {
		most, allOrth := 0, true
		for _, l := range linear {
			most = max(most, l.Represented)
			allOrth = allOrth && orthogonal(l)
		}
		switch {
		case allOrth:
			out = append(out, fmt.Sprintf("The linear model keeps %d orthogonal features at every sparsity: it cannot use superposition.", m))
		case most <= m:
			out = append(out, fmt.Sprintf("The linear model represents at most %d features at any sparsity, though not always %d orthogonal ones.", most, m))
		default:
			out = append(out, fmt.Sprintf("The linear model represents up to %d features, more than its %d dimensions: it has not converged to the linear solution.", most, m))
		}
	}
	return out
}

// describeDims describes where the represented features' Dᵢ sit: at sticky
// fractions, or their range.
func describeDims(r interp.ToyRun) string {
	if r.Represented == 0 {
		return "no feature represented"
	}
	var d []float64
	for _, i := range r.RepresentedFeatures {
		d = append(d, r.Dimensionality[i])
	}
	c := interp.ClusterCounts(d, clusterTol)
	n := 0
	for _, fc := range c {
		n += fc.Count
	}
	lo, hi := slices.Min(d), slices.Max(d)
	dims := fmt.Sprintf("Dᵢ from %s to %s", sig(lo), sig(hi))
	if lo == hi {
		dims = "Dᵢ = " + sig(lo)
	}
	if n == 0 {
		return fmt.Sprintf("%d represented, %s, none at a sticky fraction", r.Represented, dims)
	}
	return fmt.Sprintf("%d represented, %s; %s", r.Represented, dims, interp.DescribeClusters(c))
}

// PrivilegedReading reads a sweep of privileged-basis models over feature
// probability, densest first: whether the dense model's neurons are
// monosemantic and the sparse model's polysemantic.
func PrivilegedReading(runs []NeuronRun) string {
	if len(runs) == 0 {
		return ""
	}
	dense, sparse := runs[0], runs[len(runs)-1]
	m := len(dense.W)
	s := fmt.Sprintf("With dense features (p = %s) %d of the %d neurons are monosemantic and %d features are represented", sig(dense.FeatureProbability), dense.Monosemantic, m, dense.Represented)
	if dense.Monosemantic == m {
		s += ": one feature per neuron."
	} else {
		s += fmt.Sprintf(": %d polysemantic and %d dead, not yet one feature per neuron.", dense.Polysemantic, dense.Dead)
	}
	if len(runs) == 1 {
		return s
	}
	s += fmt.Sprintf(" With sparse features (p = %s) the model represents %d features on %d neurons", sig(sparse.FeatureProbability), sparse.Represented, len(sparse.W))
	if sparse.Polysemantic > 0 {
		s += fmt.Sprintf(", %d of them polysemantic (%s features per live neuron): single neurons respond to several unrelated features, which is what sparse autoencoders take apart.",
			sparse.Polysemantic, sig0(sparse.FeaturesPerNeuron))
	} else {
		s += ": none of them polysemantic, so no superposition shows in the neurons at this scale."
	}
	return s
}

// DecomposeVerdict reads the decomposition's headline: whether the best SAE
// takes the toy model's polysemantic neurons apart. ok is true when it
// recovers at least 90% of the true features at cosine ≥ 0.9 with at most
// 1.2 features per latent.
func DecomposeVerdict(s DecomposeSummary) (ok bool, heading, reading string) {
	best := BestSAE(s.SAEs)
	if best < 0 {
		return false, "Sparse autoencoders: no result", "No SAE finished training, so there is nothing to read."
	}
	b := s.SAEs[best]
	ok = b.RecoveredFraction >= 0.9 && b.FeaturesPerLatent <= 1.2
	truth := 0
	if len(b.Responses) > 0 {
		truth = len(b.Responses[0])
	}
	if s.Toy != nil {
		truth = len(s.Toy.Truth)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "The best SAE, %s with %d latents, recovers %d of the %d true features (%s) at cosine ≥ 0.9, with matched cosine %s and %s features per live latent",
		b.Variant, b.Latents, int(math.Round(b.RecoveredFraction*float64(truth))), truth, pct(b.RecoveredFraction), sig0(b.MatchedCosine), sig0(b.FeaturesPerLatent))
	switch {
	case ok:
		sb.WriteString(": it takes the neurons apart, one latent per feature.")
		heading = "Sparse autoencoders take the polysemantic neurons apart"
	case b.RecoveredFraction >= 0.5:
		sb.WriteString(": it takes the neurons only partly apart at this scale.")
		heading = "Sparse autoencoders take the polysemantic neurons partly apart"
	default:
		sb.WriteString(": it does not take the neurons apart at this scale.")
		heading = "Sparse autoencoders do not take the polysemantic neurons apart at this scale"
	}
	if b.LossRecovered != nil {
		fmt.Fprintf(&sb, " Splicing its reconstruction in for the hidden layer recovers %s of the loss that zero-ablating the layer costs (loss recovered %s).",
			pct(*b.LossRecovered), sig(*b.LossRecovered))
	}
	return ok, heading, sb.String()
}

// saeName names an SAE by its variant, size and sparsity setting: "topk,
// 45 latents, k = 2".
func saeName(r SAEResult) string {
	setting := "setting " + sig(r.Coefficient)
	switch sae.Variant(r.Variant) {
	case sae.TopK, sae.BatchTopK:
		setting = "k = " + sig(r.Coefficient)
	case sae.ReLUL1, sae.ReLUL1Norm:
		setting = "L1 = " + sig(r.Coefficient)
	case sae.JumpReLU:
		setting = "L0 coefficient " + sig(r.Coefficient)
	}
	return fmt.Sprintf("%s, %d latents, %s", r.Variant, r.Latents, setting)
}

// saeWarnings are the convergence warnings of SAEs, named by variant.
func saeWarnings(rs []SAEResult) []string {
	names := make([]string, len(rs))
	trends := make([]interp.Trend, len(rs))
	losses := make([]float64, len(rs))
	for i, r := range rs {
		names[i] = saeName(r)
		trends[i], losses[i] = r.LossTrend, r.FVU
	}
	return nonEmpty(failureWarning("SAEs", names, losses), convergenceWarning("SAEs", names, trends))
}
