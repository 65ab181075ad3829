package interp

import (
	"fmt"
	"slices"
)

// LabelScorer accumulates, for every unit (an MLP neuron or an SAE latent),
// where its activation mass falls: on which ground-truth label of the byte
// it was computed at, and on which byte value. From these it scores how
// interpretable each unit is against the labels (Towards Monosemanticity
// measured by hand what this measures against go/scanner's classes):
//
//   - specificity: the share of the unit's activation mass on its most
//     frequent label;
//   - the byte-only baseline: the specificity a pure byte detector with the
//     same activation mass per byte value would reach (each byte value's
//     mass spread over labels as that value's occurrences are), so that a
//     unit whose label can be read off the byte alone is not taken for a
//     concept;
//   - a unit is label-specific when its specificity is ≥ 0.9 and its
//     baseline < 0.9: pure, and pure because of context;
//   - a byte detector puts more than half its mass on one byte value;
//   - F1: "the unit is above θ" as a classifier of a label, at the best of
//     the thresholds [F1Thresholds], for the label where it is best.
//
// Activations must be non-negative (ReLU neurons, SAE latents).
type LabelScorer struct {
	units, labels int
	// mass[u*labels+l] and byteMass[u*256+v] are activation sums; fired[u]
	// counts the bytes where unit u is positive.
	mass, byteMass []float64
	fired          []int
	// labelOfByte[v*labels+l] counts the bytes of value v with label l.
	labelOfByte []float64
	bytes       int
	// above[(u*(T+1)+b)*labels+l] counts the bytes of label l where unit u's
	// activation exceeds exactly b of the T thresholds (b ≥ 1: positive).
	above []int32
	// labelCount[l] counts the bytes of label l.
	labelCount []int
}

// F1Thresholds are the activation thresholds θ of the F1 scores: "active"
// means above θ. The first is 0 (any positive activation); the others are
// powers of two spanning neurons' and latents' scales.
var F1Thresholds = []float32{0, 1.0 / 64, 1.0 / 16, 1.0 / 4, 0.5, 1, 2, 4, 8, 16, 32}

// bucket is the number of thresholds a is above.
func bucket(a float32) int {
	b := 0
	for b < len(F1Thresholds) && a > F1Thresholds[b] {
		b++
	}
	return b
}

// NewLabelScorer returns a scorer of units units against labels labels.
func NewLabelScorer(units, labels int) *LabelScorer {
	return &LabelScorer{units: units, labels: labels, mass: make([]float64, units*labels),
		byteMass: make([]float64, units*256), fired: make([]int, units), labelOfByte: make([]float64, 256*labels),
		above: make([]int32, units*(len(F1Thresholds)+1)*labels), labelCount: make([]int, labels)}
}

// Add accumulates rows of activations act [rows, units], row r computed at
// a byte of value bytes[r] with label labels[r] (in [0, labels)).
func (s *LabelScorer) Add(act []float32, bytes []byte, labels []uint8) error {
	rows := len(bytes)
	if len(act) != rows*s.units || len(labels) != rows {
		return fmt.Errorf("interp: label scorer: %d activations, %d bytes, %d labels for %d units", len(act), len(bytes), len(labels), s.units)
	}
	for r := 0; r < rows; r++ {
		l := int(labels[r])
		if l >= s.labels {
			return fmt.Errorf("interp: label scorer: label %d of row %d is not below %d", l, r, s.labels)
		}
		v := int(bytes[r])
		s.labelOfByte[v*s.labels+l]++
		s.labelCount[l]++
		row := act[r*s.units : (r+1)*s.units]
		nb := len(F1Thresholds) + 1
		for u, a := range row {
			if a <= 0 {
				continue
			}
			s.mass[u*s.labels+l] += float64(a)
			s.byteMass[u*256+v] += float64(a)
			s.fired[u]++
			s.above[(u*nb+bucket(a))*s.labels+l]++
		}
	}
	s.bytes += rows
	return nil
}

// UnitScore is one unit's scores.
type UnitScore struct {
	// Fired is the number of bytes where the unit is positive; Density is
	// Fired over the bytes seen.
	Fired   int     `json:"fired"`
	Density float64 `json:"density"`
	// TopLabel is the label with the most activation mass and Specificity
	// its share; Baseline is the byte-only baseline's specificity.
	TopLabel    int     `json:"top_label"`
	Specificity float64 `json:"specificity"`
	Baseline    float64 `json:"byte_baseline"`
	// TopByte is the byte value with the most mass, ByteShare its share.
	TopByte   int     `json:"top_byte"`
	ByteShare float64 `json:"byte_share"`
	// LabelShare is the share of the mass on each label.
	LabelShare []float64 `json:"label_share,omitempty"`
	// F1 is the best F1 of "activation above θ" as a classifier of one
	// label, over the labels (F1Label) and thresholds (F1Threshold).
	F1          float64 `json:"f1"`
	F1Label     int     `json:"f1_label"`
	F1Threshold float32 `json:"f1_threshold"`
	// LabelF1 is the best F1 (over thresholds) for each label.
	LabelF1 []float64 `json:"label_f1,omitempty"`
}

// LabelSpecific reports specificity ≥ 0.9 with a byte-only baseline < 0.9.
func (u UnitScore) LabelSpecific() bool { return u.Specificity >= 0.9 && u.Baseline < 0.9 }

// ByteDetector reports more than half the mass on one byte value.
func (u UnitScore) ByteDetector() bool { return u.ByteShare > 0.5 }

// Scores returns every unit's scores. A unit that never fired scores 0.
func (s *LabelScorer) Scores() []UnitScore {
	out := make([]UnitScore, s.units)
	// P(label | byte value).
	pl := make([]float64, len(s.labelOfByte))
	for v := 0; v < 256; v++ {
		var n float64
		for l := 0; l < s.labels; l++ {
			n += s.labelOfByte[v*s.labels+l]
		}
		for l := 0; l < s.labels && n > 0; l++ {
			pl[v*s.labels+l] = s.labelOfByte[v*s.labels+l] / n
		}
	}
	base := make([]float64, s.labels)
	for u := range out {
		sc := UnitScore{Fired: s.fired[u]}
		if s.bytes > 0 {
			sc.Density = float64(s.fired[u]) / float64(s.bytes)
		}
		m := s.mass[u*s.labels : (u+1)*s.labels]
		var total float64
		for l, v := range m {
			total += v
			if v > m[sc.TopLabel] {
				sc.TopLabel = l
			}
		}
		if total > 0 {
			sc.LabelShare = make([]float64, s.labels)
			for l, v := range m {
				sc.LabelShare[l] = v / total
			}
			sc.Specificity = m[sc.TopLabel] / total
			clear(base)
			bm := s.byteMass[u*256 : (u+1)*256]
			for v, mv := range bm {
				if mv > bm[sc.TopByte] {
					sc.TopByte = v
				}
				for l := range base {
					base[l] += mv * pl[v*s.labels+l]
				}
			}
			sc.Baseline = slices.Max(base) / total
			sc.ByteShare = bm[sc.TopByte] / total
		}
		s.f1(u, &sc)
		out[u] = sc
	}
	return out
}

// f1 sets sc's F1 scores of unit u: for every label and threshold θ,
// F1 = 2·TP / (predicted + actual), TP the bytes of the label where the
// unit is above θ.
func (s *LabelScorer) f1(u int, sc *UnitScore) {
	if s.fired[u] == 0 {
		return
	}
	nb := len(F1Thresholds) + 1
	sc.LabelF1 = make([]float64, s.labels)
	cum := make([]int, s.labels) // bytes above the threshold, per label
	for t := len(F1Thresholds) - 1; t >= 0; t-- {
		// Above threshold t: buckets t+1 and up.
		pred := 0
		for l := range cum {
			cum[l] += int(s.above[(u*nb+t+1)*s.labels+l])
			pred += cum[l]
		}
		if pred == 0 {
			continue
		}
		for l, tp := range cum {
			if s.labelCount[l] == 0 {
				continue
			}
			f := 2 * float64(tp) / float64(pred+s.labelCount[l])
			if f > sc.LabelF1[l] {
				sc.LabelF1[l] = f
			}
			if f > sc.F1 {
				sc.F1, sc.F1Label, sc.F1Threshold = f, l, F1Thresholds[t]
			}
		}
	}
}

// LabelCoverage is, for one label, the unit that classifies it best.
type LabelCoverage struct {
	Label string  `json:"label"`
	Unit  int     `json:"best_unit"`
	F1    float64 `json:"best_f1"`
	// UnionF1 is the F1 of "any of the label's specific units is active"
	// (units whose top label it is and that are label-specific), and Union
	// their number (0: no such unit, UnionF1 0).
	Union   int     `json:"specific_units"`
	UnionF1 float64 `json:"specific_union_f1"`
}

// Coverage returns, per label (names[l]), the alive unit with the best F1
// for it (Karvonen et al. 2024's coverage), with UnionF1 left to a
// [UnionScorer].
func Coverage(scores []UnitScore, names []string) []LabelCoverage {
	out := make([]LabelCoverage, len(names))
	for l := range out {
		out[l] = LabelCoverage{Label: names[l], Unit: -1}
		for u, sc := range scores {
			if sc.Fired >= AliveMin && l < len(sc.LabelF1) && sc.LabelF1[l] > out[l].F1 {
				out[l].Unit, out[l].F1 = u, sc.LabelF1[l]
			}
		}
	}
	return out
}

// SpecificSets returns, per label, the alive label-specific units whose top
// label it is.
func SpecificSets(scores []UnitScore, labels int) [][]int {
	sets := make([][]int, labels)
	for u, sc := range scores {
		if sc.Fired >= AliveMin && sc.LabelSpecific() && sc.TopLabel < labels {
			sets[sc.TopLabel] = append(sets[sc.TopLabel], u)
		}
	}
	return sets
}

// UnionScorer measures, per label, "any unit of the label's set is active"
// as a classifier of the label: the union of its specific units.
type UnionScorer struct {
	units int
	sets  [][]int
	// tp, pred and count per label.
	tp, pred, count []int
}

// NewUnionScorer scores the unions sets[l] (unit indices) of units units.
func NewUnionScorer(units int, sets [][]int) *UnionScorer {
	n := len(sets)
	return &UnionScorer{units: units, sets: sets, tp: make([]int, n), pred: make([]int, n), count: make([]int, n)}
}

// Add accumulates rows of activations act [rows, units] with their labels.
func (s *UnionScorer) Add(act []float32, labels []uint8) error {
	if len(act) != len(labels)*s.units {
		return fmt.Errorf("interp: union scorer: %d activations for %d rows of %d units", len(act), len(labels), s.units)
	}
	for r, lab := range labels {
		row := act[r*s.units : (r+1)*s.units]
		if int(lab) < len(s.count) {
			s.count[lab]++
		}
		for l, set := range s.sets {
			for _, u := range set {
				if row[u] > 0 {
					s.pred[l]++
					if int(lab) == l {
						s.tp[l]++
					}
					break
				}
			}
		}
	}
	return nil
}

// Fill sets UnionF1 and Union of cov (one entry per label, as [Coverage]
// returns).
func (s *UnionScorer) Fill(cov []LabelCoverage) {
	for l := range cov {
		if l >= len(s.sets) {
			break
		}
		cov[l].Union = len(s.sets[l])
		if d := s.pred[l] + s.count[l]; d > 0 && len(s.sets[l]) > 0 {
			cov[l].UnionF1 = 2 * float64(s.tp[l]) / float64(d)
		}
	}
}

// ScoreSummary condenses the scores of a set of units.
type ScoreSummary struct {
	Units int `json:"units"`
	// Alive units fired on at least AliveMin bytes.
	Alive             int     `json:"alive"`
	LabelSpecific     int     `json:"label_specific"`
	ByteDetectors     int     `json:"byte_detectors"`
	MedianSpecificity float64 `json:"median_specificity"`
	// Quartiles of the alive units' specificity: 25%, 50%, 75%.
	SpecificityQuartiles [3]float64 `json:"specificity_quartiles"`
	// Pure units have specificity ≥ 0.9, whatever their baseline.
	Pure int `json:"pure"`
	// MedianDensity is the alive units' median firing rate.
	MedianDensity float64 `json:"median_density"`
}

// AliveMin is the number of bytes a unit must fire on to count as alive.
const AliveMin = 20

// Summarise returns the counts and medians of scores over the alive units.
func Summarise(scores []UnitScore) ScoreSummary {
	s := ScoreSummary{Units: len(scores)}
	var spec, dens []float64
	for _, u := range scores {
		if u.Fired < AliveMin {
			continue
		}
		s.Alive++
		spec = append(spec, u.Specificity)
		dens = append(dens, u.Density)
		if u.LabelSpecific() {
			s.LabelSpecific++
		}
		if u.ByteDetector() {
			s.ByteDetectors++
		}
		if u.Specificity >= 0.9 {
			s.Pure++
		}
	}
	if len(spec) > 0 {
		slices.Sort(spec)
		slices.Sort(dens)
		q := func(x []float64, f float64) float64 { return x[int(f*float64(len(x)-1)+0.5)] }
		s.SpecificityQuartiles = [3]float64{q(spec, 0.25), q(spec, 0.5), q(spec, 0.75)}
		s.MedianSpecificity = s.SpecificityQuartiles[1]
		s.MedianDensity = q(dens, 0.5)
	}
	return s
}
