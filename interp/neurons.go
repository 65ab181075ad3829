package interp

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// A neuron carries feature i when its input weight for i is at least
// CarryFraction of its largest input weight and at least CarryMin in absolute
// terms. The relative threshold ignores the small leftover weights training
// leaves behind; the absolute one keeps dead neurons (all weights near 0)
// from carrying anything.
const (
	CarryFraction = 0.25
	CarryMin      = 0.1
)

// Neuron is one hidden neuron of a privileged-basis model.
type Neuron struct {
	Index int `json:"neuron"`
	// Weights are the neuron's input weights, one per feature.
	Weights []float64 `json:"weights"`
	// Features are the features it carries, largest weight first.
	Features []int `json:"features"`
}

// NeuronView is the neuron-level reading of a privileged-basis model.
type NeuronView struct {
	Neurons []Neuron `json:"neurons"`
	// Monosemantic neurons carry one feature, polysemantic ones several,
	// dead ones none.
	Monosemantic int `json:"monosemantic_neurons"`
	Polysemantic int `json:"polysemantic_neurons"`
	Dead         int `json:"dead_neurons"`
	// FeaturesPerNeuron is the mean number of carried features over the
	// neurons that carry any.
	FeaturesPerNeuron float64 `json:"features_per_neuron"`
}

// Neurons reads the neurons of W [m, n] (row j holds neuron j's input
// weights). With signed inputs a weight of either sign makes the neuron
// respond, so |w| is compared; with non-negative inputs only positive
// weights can make it fire (negative ones only inhibit), so only they count.
func Neurons(W [][]float64, signed bool) NeuronView {
	var v NeuronView
	carried := 0
	for j, row := range W {
		nr := Neuron{Index: j, Weights: append([]float64(nil), row...), Features: []int{}}
		eff := make([]float64, len(row))
		var top float64
		for i, w := range row {
			if signed {
				w = math.Abs(w)
			}
			eff[i] = w
			top = math.Max(top, w)
		}
		cut := math.Max(CarryFraction*top, CarryMin)
		for i, w := range eff {
			if w >= cut {
				nr.Features = append(nr.Features, i)
			}
		}
		sort.SliceStable(nr.Features, func(a, b int) bool { return eff[nr.Features[a]] > eff[nr.Features[b]] })
		switch len(nr.Features) {
		case 0:
			v.Dead++
		case 1:
			v.Monosemantic++
		default:
			v.Polysemantic++
		}
		carried += len(nr.Features)
		v.Neurons = append(v.Neurons, nr)
	}
	if live := v.Monosemantic + v.Polysemantic; live > 0 {
		v.FeaturesPerNeuron = float64(carried) / float64(live)
	}
	return v
}

// MonosemanticFeatures returns the features that some neuron carries alone.
func (v NeuronView) MonosemanticFeatures() []int {
	seen := map[int]bool{}
	for _, n := range v.Neurons {
		if len(n.Features) == 1 {
			seen[n.Features[0]] = true
		}
	}
	var out []int
	for f := range seen {
		out = append(out, f)
	}
	sort.Ints(out)
	return out
}

// Motif is an instance of asymmetric superposition: one neuron carries two
// features, a with a large input weight and b with a small one, and the
// output weights reverse the asymmetry (b is read out strongly, a weakly).
type Motif struct {
	Neuron int `json:"neuron"`
	// Strong and Weak are the features with the larger and the smaller input
	// weight.
	Strong int `json:"strong"`
	Weak   int `json:"weak"`
	// InRatio = |W₁[j, strong]| / |W₁[j, weak]|, OutRatio = |W₂[weak, j]| /
	// |W₂[strong, j]|.
	InRatio  float64 `json:"in_ratio"`
	OutRatio float64 `json:"out_ratio"`
}

// AsymmetricRatio is how lopsided both the input and the output weights of a
// pair must be for the pair to count as asymmetric superposition.
const AsymmetricRatio = 2

// AsymmetricMotifs finds asymmetric superposition in an untied model with
// input weights W1 [m, n] and output weights W2 [n, m]: a neuron whose two
// largest input weights (by magnitude, both carried) differ at least
// AsymmetricRatio-fold while its output weights to the same two features
// differ at least AsymmetricRatio-fold the other way. (Operational reading
// of the motif of Toy Models of Superposition, "Computation in
// Superposition".)
func AsymmetricMotifs(W1, W2 [][]float64) []Motif {
	view := Neurons(W1, true)
	var out []Motif
	for _, nr := range view.Neurons {
		if len(nr.Features) < 2 {
			continue
		}
		a, b := nr.Features[0], nr.Features[1]
		in := math.Abs(W1[nr.Index][a]) / math.Abs(W1[nr.Index][b])
		oa, ob := math.Abs(W2[a][nr.Index]), math.Abs(W2[b][nr.Index])
		if oa == 0 || in < AsymmetricRatio {
			continue
		}
		if outR := ob / oa; outR >= AsymmetricRatio {
			out = append(out, Motif{Neuron: nr.Index, Strong: a, Weak: b, InRatio: in, OutRatio: outR})
		}
	}
	return out
}

// NeuronPanel is one stacked-bar picture of a model's neurons.
type NeuronPanel struct {
	Title  string
	W      [][]float64 // [m, n] input weights
	Signed bool        // stack |w| (signed inputs) or max(w, 0)
}

// SaveNeuronBars draws, for each panel, one bar per neuron stacked by the
// weight it gives each feature (one colour per feature, dark for the most
// important), the paper's privileged-basis figure, and writes the PNG to path
// atomically. Missing weights of short rows count 0; NaN and infinite ones
// count 0 too and are counted in the title; a panel with no neuron or no
// feature says "no data".
func SaveNeuronBars(path string, cols int, panels []NeuronPanel) error {
	plots := make([]*plot.Plot, len(panels))
	for k, np := range panels {
		p := plot.New()
		p.Title.Text = np.Title
		p.X.Label.Text, p.Y.Label.Text = "neuron", "weight"
		m, n := len(np.W), 0
		for _, row := range np.W {
			n = max(n, len(row))
		}
		if m == 0 || n == 0 {
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
			markNoData(p, 0.5, 0.5)
			plots[k] = p
			continue
		}
		bad := 0
		top := make([]float64, m) // stacked height per neuron
		var below *plotter.BarChart
		for i := 0; i < n; i++ {
			vals := make(plotter.Values, m)
			for j, row := range np.W {
				if i >= len(row) {
					continue
				}
				w := row[i]
				if !drawable(w, false) {
					bad++
					continue
				}
				if np.Signed {
					w = math.Abs(w)
				}
				vals[j] = math.Max(w, 0)
				top[j] += vals[j]
			}
			bc, err := plotter.NewBarChart(vals, vg.Points(14))
			if err != nil {
				return fmt.Errorf("interp: neuron bars %q: %w", np.Title, err)
			}
			bc.LineStyle.Width = 0
			bc.Color = featureColor(i, n)
			if below != nil {
				bc.StackOn(below)
			}
			below = bc
			p.Add(bc)
		}
		if bad > 0 {
			p.Title.Text += " (" + plural(bad, "NaN/Inf weight") + " not shown)"
		}
		// Bars start at 0; all-zero bars would otherwise get gonum's ±1.
		var ys extent
		ys.add(0)
		for _, t := range top {
			ys.add(t)
		}
		p.Y.Min = 0
		_, p.Y.Max = ys.span(false)
		plots[k] = p
	}
	return saveGrid(path, cols, plots, 2.5*vg.Inch)
}
