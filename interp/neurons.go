package interp

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
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

// neuronGroups is how many of the most important features get a colour of
// their own in SaveNeuronBars when there are more than len(palette): the
// rest share one grey segment.
const neuronGroups = 7

// SaveNeuronBars draws, for each panel, one bar per neuron stacked by the
// weight it gives each feature, the paper's privileged-basis figure, and
// writes the PNG to path atomically. Features are numbered by importance
// (0 most important); with up to 8 features each has a colour of its own,
// with more the 7 most important do and the rest are stacked as one grey
// segment on top, so that the top features stay legible; one legend, beside
// the panels, names the colours. Missing weights of short rows count 0; NaN
// and infinite ones count 0 too and are counted in the title; a panel with
// no neuron or no feature says "no data".
func SaveNeuronBars(path string, cols int, panels []NeuronPanel) error {
	n, m := 0, 0
	for _, np := range panels {
		m = max(m, len(np.W))
		for _, row := range np.W {
			n = max(n, len(row))
		}
	}
	groups, colors, names := featureGroups(n)
	plots := make([]*plot.Plot, len(panels))
	for k, np := range panels {
		p := plot.New()
		p.Title.Text = np.Title
		p.X.Label.Text, p.Y.Label.Text = "neuron", "input weight (stacked)"
		if np.Signed {
			p.Y.Label.Text = "|input weight| (stacked)"
		}
		p.Add(plotter.NewGrid())
		nm, nf := len(np.W), 0
		for _, row := range np.W {
			nf = max(nf, len(row))
		}
		if nm == 0 || nf == 0 {
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
			markNoData(p, 0.5, 0.5)
			plots[k] = p
			continue
		}
		bad := 0
		bars := stackedBars{colors: colors, segs: make([][]float64, nm)}
		var ys extent
		ys.add(0)
		for j, row := range np.W {
			bars.segs[j] = make([]float64, len(colors))
			total := 0.0
			for i, w := range row {
				if !drawable(w, false) {
					bad++
					continue
				}
				if np.Signed {
					w = math.Abs(w)
				}
				bars.segs[j][groups[i]] += math.Max(w, 0)
				total += math.Max(w, 0)
			}
			ys.add(total)
		}
		p.Add(bars)
		if bad > 0 {
			p.Title.Text += " (" + plural(bad, "NaN/Inf weight") + " not shown)"
		}
		p.X.Tick.Marker = indexTicks{}
		p.X.Min, p.X.Max = -0.6, float64(nm)-0.4
		// Bars start at 0; all-zero bars would otherwise get gonum's ±1.
		p.Y.Min = 0
		_, p.Y.Max = ys.span(false)
		p.Y.Max *= 1.04
		plots[k] = p
	}
	leg := plot.NewLegend()
	leg.Left, leg.Top, leg.Padding = true, true, vg.Points(2)
	for g := len(colors) - 1; g >= 0; g-- { // top segment first, as stacked
		leg.Add(names[g], swatch{colors[g]})
	}
	// Tiles widen with the neurons so that bars stay apart and readable.
	tile := min(max(2.5*vg.Inch, vg.Inch+vg.Length(m)*0.09*vg.Inch), 5*vg.Inch)
	cols = max(1, min(cols, int((10.5*vg.Inch)/tile)))
	return saveGridLegend(path, cols, plots, tile, tile, &leg)
}

// featureGroups assigns n features to colour groups: groups[i] is feature
// i's, colors and names are each group's.
func featureGroups(n int) (groups []int, colors []color.Color, names []string) {
	groups = make([]int, n)
	own := n
	if n > len(palette) {
		own = neuronGroups
	}
	for i := range groups {
		groups[i] = min(i, own)
	}
	for g := 0; g < own; g++ {
		colors, names = append(colors, Color(g)), append(names, fmt.Sprintf("feature %d", g))
	}
	if own < n {
		colors = append(colors, color.Gray{Y: 185})
		names = append(names, fmt.Sprintf("features %d–%d", own, n-1))
	}
	return groups, colors, names
}

// stackedBars draws one bar per neuron (x = its index), its segments
// stacked from the bottom, 0.7 wide so that neighbouring bars stay apart,
// with a white line between segments.
type stackedBars struct {
	segs   [][]float64 // [neuron, group] ≥ 0
	colors []color.Color
}

func (s stackedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sep := draw.LineStyle{Color: color.White, Width: vg.Points(0.6)}
	for j, seg := range s.segs {
		x0, x1 := trX(float64(j)-0.35), trX(float64(j)+0.35)
		y := 0.0
		for g, h := range seg {
			if h <= 0 {
				continue
			}
			y0, y1 := trY(y), trY(y+h)
			c.FillPolygon(s.colors[g], c.ClipPolygonY(rect(x0, y0, x1, y1)[:4]))
			if y > 0 && c.ContainsY(y0) {
				c.StrokeLine2(sep, x0, y0, x1, y0)
			}
			y += h
		}
	}
}

// swatch is a legend thumbnail: a filled square.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.color, rect(c.Min.X, c.Min.Y, c.Max.X, c.Max.Y)[:4])
}

// indexTicks labels whole numbers 1, 2, 5, 10, … apart, at most about ten
// of them, and marks every whole number when there are at most 50.
type indexTicks struct{}

func (indexTicks) Ticks(lo, hi float64) []plot.Tick {
	if !drawable(lo, false) || !drawable(hi, false) || hi-lo > 1e6 || lo > hi {
		return nil
	}
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	n := last - first + 1
	step := indexStep(n, 1, 0)
	var ticks []plot.Tick
	for i := first; i <= last; i++ {
		switch {
		case i%step == 0:
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: strconv.Itoa(i)})
		case n <= 50:
			ticks = append(ticks, plot.Tick{Value: float64(i)})
		}
	}
	return ticks
}
