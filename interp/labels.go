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
//   - a byte detector puts more than half its mass on one byte value.
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
}

// NewLabelScorer returns a scorer of units units against labels labels.
func NewLabelScorer(units, labels int) *LabelScorer {
	return &LabelScorer{units: units, labels: labels, mass: make([]float64, units*labels),
		byteMass: make([]float64, units*256), fired: make([]int, units), labelOfByte: make([]float64, 256*labels)}
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
		row := act[r*s.units : (r+1)*s.units]
		for u, a := range row {
			if a <= 0 {
				continue
			}
			s.mass[u*s.labels+l] += float64(a)
			s.byteMass[u*256+v] += float64(a)
			s.fired[u]++
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
		out[u] = sc
	}
	return out
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
