package interp

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Cosines returns the cosine similarity of every true direction (rows of
// truth) with every learned one (rows of learned): [len(truth)][len(learned)].
// A zero vector has cosine 0 with everything.
func Cosines(truth, learned [][]float64) [][]float64 {
	unit := func(rows [][]float64) [][]float64 {
		out := make([][]float64, len(rows))
		for i, r := range rows {
			var s float64
			for _, v := range r {
				s += v * v
			}
			out[i] = make([]float64, len(r))
			if s > 0 {
				for j, v := range r {
					out[i][j] = v / math.Sqrt(s)
				}
			}
		}
		return out
	}
	t, l := unit(truth), unit(learned)
	cos := make([][]float64, len(t))
	for i := range t {
		cos[i] = make([]float64, len(l))
		for j := range l {
			var s float64
			for k := range t[i] {
				s += t[i][k] * l[j][k]
			}
			cos[i][j] = s
		}
	}
	return cos
}

// MMCS returns the mean max cosine similarity both ways for a cosine matrix
// [true][learned]: the best learned direction per true feature, averaged over
// the features, and the best true feature per learned direction, averaged
// over the learned ones.
func MMCS(cos [][]float64) (trueToLearned, learnedToTrue float64) {
	if len(cos) == 0 || len(cos[0]) == 0 {
		return 0, 0
	}
	best := make([]float64, len(cos[0]))
	for j := range best {
		best[j] = math.Inf(-1)
	}
	for _, row := range cos {
		m := math.Inf(-1)
		for j, c := range row {
			m = math.Max(m, c)
			best[j] = math.Max(best[j], c)
		}
		trueToLearned += m
	}
	for _, b := range best {
		learnedToTrue += b
	}
	return trueToLearned / float64(len(cos)), learnedToTrue / float64(len(best))
}

// Recovered returns the fraction of true features whose best learned
// direction has cosine ≥ min.
func Recovered(cos [][]float64, min float64) float64 {
	if len(cos) == 0 {
		return 0
	}
	n := 0
	for _, row := range cos {
		for _, c := range row {
			if c >= min {
				n++
				break
			}
		}
	}
	return float64(n) / float64(len(cos))
}

// MatchedCosine pairs true features with learned directions one to one so
// that the summed cosine is largest (the Hungarian algorithm) and returns the
// mean cosine over the true features (a feature left without a partner, when
// there are fewer learned directions, counts 0) and the match (−1: none).
func MatchedCosine(cos [][]float64) (float64, []int) {
	n := len(cos)
	if n == 0 {
		return 0, nil
	}
	l := len(cos[0])
	// Square cost matrix of size max(n, l), minimising −cos.
	size := max(n, l)
	cost := make([][]float64, size)
	for i := range cost {
		cost[i] = make([]float64, size)
		if i < n {
			for j := 0; j < l; j++ {
				cost[i][j] = -cos[i][j]
			}
		}
	}
	assign := hungarian(cost)
	match := make([]int, n)
	var total float64
	for i := 0; i < n; i++ {
		match[i] = -1
		if j := assign[i]; j < l {
			match[i] = j
			total += cos[i][j]
		}
	}
	return total / float64(n), match
}

// hungarian solves the square assignment problem min Σ cost[i][a[i]] in
// O(size³) (the potentials form of Kuhn–Munkres) and returns a.
func hungarian(cost [][]float64) []int {
	n := len(cost)
	u, v := make([]float64, n+1), make([]float64, n+1)
	p, way := make([]int, n+1), make([]int, n+1) // p[j]: row matched to column j (1-based)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = math.Inf(1)
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := cost[i0-1][j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	a := make([]int, n)
	for j := 1; j <= n; j++ {
		if p[j] > 0 {
			a[p[j]-1] = j - 1
		}
	}
	return a
}

// Firing returns, for latents f (row-major, latents columns), the mean number
// of nonzero latents per row (L0) and each latent's firing frequency.
func Firing(f []float32, latents int) (l0 float64, freq []float64) {
	freq = make([]float64, latents)
	rows := len(f) / latents
	if rows == 0 {
		return 0, freq
	}
	for i := 0; i < len(f); i += latents {
		for j, v := range f[i : i+latents] {
			if v != 0 {
				freq[j]++
			}
		}
	}
	for j := range freq {
		l0 += freq[j]
		freq[j] /= float64(rows)
	}
	return l0 / float64(rows), freq
}

// DenseFrequency is the firing frequency above which a latent counts as
// dense.
const DenseFrequency = 0.1

// DeadDense returns the fractions of latents that never fire (frequency 0)
// and that fire on more than DenseFrequency of the samples.
func DeadDense(freq []float64) (dead, dense float64) {
	if len(freq) == 0 {
		return 0, 0
	}
	for _, f := range freq {
		if f == 0 {
			dead++
		} else if f > DenseFrequency {
			dense++
		}
	}
	return dead / float64(len(freq)), dense / float64(len(freq))
}

// FVU returns the fraction of variance unexplained by the reconstruction xh
// of x (both row-major, d columns): Σ‖x − x̂‖² / Σ‖x − mean(x)‖².
func FVU(x, xh []float32, d int) float64 {
	rows := len(x) / d
	mean := make([]float64, d)
	for i := 0; i < len(x); i++ {
		mean[i%d] += float64(x[i]) / float64(rows)
	}
	var num, den float64
	for i := range x {
		e := float64(x[i]) - float64(xh[i])
		c := float64(x[i]) - mean[i%d]
		num += e * e
		den += c * c
	}
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

// LossRecovered is the fraction of the loss gap between ablating a layer
// (ablated) and keeping it (clean) that a replacement closes (patched): 1
// for a perfect replacement, 0 for one no better than ablation.
func LossRecovered(clean, patched, ablated float64) float64 {
	return (ablated - patched) / (ablated - clean)
}

// DensityPanel is one histogram of latent firing frequencies.
type DensityPanel struct {
	Title string
	Freq  []float64
	// Units names what is counted on the vertical axis (default "latents").
	Units string
}

// SaveDensityHistograms draws, for each panel, the histogram of log₁₀ firing
// frequency (its axis labelled with the frequencies themselves) over the latents that fire (the dead ones are counted in the
// title, and so are frequencies that are NaN, infinite or negative, which
// are not drawn), in a grid with cols columns, and writes the PNG to path
// atomically. A panel with no latent that fires says "no data".
func SaveDensityHistograms(path string, cols int, panels []DensityPanel) error {
	plots := make([]*plot.Plot, len(panels))
	for k, dp := range panels {
		p := plot.New()
		var vals plotter.Values
		dead, bad := 0, 0
		for _, f := range dp.Freq {
			switch {
			case f == 0:
				dead++
			case drawable(f, true):
				vals = append(vals, math.Log10(f))
			default:
				bad++
			}
		}
		p.Title.Text = dp.Title
		var counts []string
		if dead > 0 {
			counts = append(counts, strconv.Itoa(dead)+" dead")
		}
		if bad > 0 {
			counts = append(counts, strconv.Itoa(bad)+" NaN/Inf/negative not shown")
		}
		if len(counts) > 0 {
			p.Title.Text += " (" + strings.Join(counts, ", ") + ")"
		}
		p.X.Label.Text, p.Y.Label.Text = "firing frequency (log scale)", cmp.Or(dp.Units, "latents")
		p.X.Tick.Marker, p.Y.Tick.Marker = powerTicks{}, indexTicks{}
		if len(vals) == 0 {
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
			markNoData(p, 0.5, 0.5)
			plots[k] = p
			continue
		}
		sort.Float64s(vals)
		bins := max(5, min(30, len(vals)/2))
		h, err := plotter.NewHist(vals, bins)
		if err != nil {
			return fmt.Errorf("interp: density %q: %w", dp.Title, err)
		}
		h.FillColor = Color(0)
		p.Add(h)
		plots[k] = p
	}
	return saveGrid(path, cols, plots, 3*vg.Inch)
}

// powerTicks labels an axis of log₁₀ values with the values they stand for:
// 0.001 at −3. When no whole power falls in range the ends are labelled.
type powerTicks struct{}

func (powerTicks) Ticks(lo, hi float64) []plot.Tick {
	if !drawable(lo, false) || !drawable(hi, false) || lo > hi || hi-lo > 600 {
		return nil
	}
	label := func(e float64) string { return strconv.FormatFloat(math.Pow(10, e), 'g', 2, 64) }
	var ticks []plot.Tick
	for k := math.Ceil(lo); k <= hi; k++ {
		ticks = append(ticks, plot.Tick{Value: k, Label: label(k)})
		for i := 2; i < 10; i++ {
			if v := k + math.Log10(float64(i)); v <= hi {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	for i := 2; i < 10; i++ {
		if v := math.Floor(lo) + math.Log10(float64(i)); v >= lo && v < math.Ceil(lo) {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	if math.Ceil(lo) > hi {
		ticks = append(ticks, plot.Tick{Value: lo, Label: label(lo)}, plot.Tick{Value: hi, Label: label(hi)})
	}
	return ticks
}
