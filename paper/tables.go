package paper

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/interp"
)

// The per-model tables of the reports: one row per trained model, numbers
// at 3 significant digits.

// falling reads a loss trend for a table cell.
func falling(t interp.Trend) string {
	switch {
	case t.Records < 4:
		return "too few records"
	case t.StillFalling:
		return "yes, " + pct(t.Drop)
	}
	return "no"
}

// ints writes a list of indices: "0 1 4", or "none".
func ints(v []int) string {
	if len(v) == 0 {
		return "none"
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

// dimsRange is the range of the represented features' Dᵢ: "0.39–0.61".
func dimsRange(r interp.ToyRun) string {
	if r.Represented == 0 {
		return "—"
	}
	var d []float64
	for _, i := range r.RepresentedFeatures {
		d = append(d, r.Dimensionality[i])
	}
	lo, hi := slices.Min(d), slices.Max(d)
	if sig(lo) == sig(hi) {
		return sig(lo)
	}
	return sig(lo) + "–" + sig(hi)
}

// toyTable is one row per toy run: what it represents and how.
func toyTable(runs []interp.ToyRun) interp.Table {
	t := interp.Table{Caption: "Per feature probability: features represented (‖Wᵢ‖ > 0.5), their Dᵢ, antipodal pairs, the mean bias b of the represented features, the evaluated loss and whether training loss was still falling.",
		Header: []string{"p = 1 − S", "represented", "which", "Dᵢ", "antipodal pairs", "mean b", "loss", "still falling"}}
	for _, r := range runs {
		pairs := "none"
		if ps := interp.AntipodalPairs(r.W); len(ps) > 0 {
			var s []string
			for _, p := range ps {
				s = append(s, fmt.Sprintf("(%d, %d)", p.A, p.B))
			}
			pairs = strings.Join(s, " ")
		}
		bias := "—"
		if r.Represented > 0 {
			bias = sig(meanBias(r))
		}
		t.Rows = append(t.Rows, []string{sig(r.FeatureProbability), fmt.Sprintf("%d of %d", r.Represented, r.Features), ints(r.RepresentedFeatures),
			dimsRange(r), pairs, bias, sig(r.Loss), falling(r.LossTrend)})
	}
	return t
}

// geometryTable is one row per geometry run.
func geometryTable(runs []interp.ToyRun) interp.Table {
	t := interp.Table{Caption: "Per feature probability: D* = m / Σᵢ ‖Wᵢ‖², Σᵢ Dᵢ (at most m), features represented and how many Dᵢ sit within 0.01 of each sticky fraction.",
		Header: []string{"p = 1 − S", "1/(1−S)", "D*", "Σᵢ Dᵢ", "represented", "Dᵢ at sticky fractions", "still falling"}}
	for _, r := range runs {
		pt := MeasureGeometry(r)
		t.Rows = append(t.Rows, []string{sig(r.FeatureProbability), sig(pt.InverseDensity), sig0(r.DimsPerFeature),
			fmt.Sprintf("%s of %d", sig(r.SumDimensionality), r.Hidden), fmt.Sprintf("%d of %d", r.Represented, r.Features),
			interp.DescribeClusters(pt.Clusters), falling(r.LossTrend)})
	}
	return t
}

// neuronTable is one row per privileged-basis run.
func neuronTable(runs []NeuronRun) interp.Table {
	t := interp.Table{Caption: "Per feature probability: features represented, the neurons by how many features they carry, features per live neuron and the features some neuron carries alone.",
		Header: []string{"p = 1 − S", "represented", "monosemantic", "polysemantic", "dead", "features per live neuron", "alone on a neuron", "still falling"}}
	motifs := len(runs) > 0 && runs[0].W2 != nil
	if motifs {
		t.Header = slices.Insert(t.Header, 7, "asymmetric motifs")
	}
	for _, r := range runs {
		row := []string{sig(r.FeatureProbability), fmt.Sprintf("%d of %d", r.Represented, r.Features), strconv.Itoa(r.Monosemantic), strconv.Itoa(r.Polysemantic),
			strconv.Itoa(r.Dead), sig0(r.FeaturesPerNeuron), ints(r.MonosemanticFeatures)}
		if motifs {
			row = append(row, strconv.Itoa(len(r.Motifs)))
		}
		t.Rows = append(t.Rows, append(row, falling(r.LossTrend)))
	}
	return t
}

// carryTable lists the features each neuron of r carries.
func carryTable(r NeuronRun) interp.Table {
	t := interp.Table{Caption: fmt.Sprintf("The neurons at p = %s and the features each carries, largest weight first.", sig(r.FeatureProbability)),
		Header: []string{"neuron", "features carried"}}
	for _, n := range r.Neurons {
		t.Rows = append(t.Rows, []string{strconv.Itoa(n.Index), ints(n.Features)})
	}
	return t
}

// saeTable is one row per SAE; label names each row.
func saeTable(caption string, rs []SAEResult, label func(SAEResult) string) interp.Table {
	t := interp.Table{Caption: caption,
		Header: []string{"SAE", "L0", "FVU", "dead", "dense", "MMCS true→learned", "MMCS learned→true", "matched cosine", "recovered", "features per latent", "loss recovered", "still falling"}}
	for _, r := range rs {
		lr := "—"
		if r.LossRecovered != nil {
			lr = sig0(*r.LossRecovered)
		}
		t.Rows = append(t.Rows, []string{label(r), sig0(r.L0), sig0(r.FVU), pct(r.DeadFraction), pct(r.DenseFraction), sig0(r.MMCSTrueToLearned), sig0(r.MMCSLearnedToTrue),
			sig0(r.MatchedCosine), pct(r.RecoveredFraction), sig0(r.FeaturesPerLatent), lr, falling(r.LossTrend)})
	}
	return t
}
