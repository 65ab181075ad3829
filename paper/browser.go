package paper

import (
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/interp"
)

// The feature browser's pages are gathered in two passes over a set of
// units' activations on the validation stream: the first finds each unit's
// top activations and its maximum, the second records the activations
// around them, the histogram and the F1 of the unit's top label.

const (
	pageTop     = 12 // top-activating contexts per unit
	pageSamples = 4  // contexts from evenly spaced activation intervals
	pageHalf    = 32 // bytes each side of a context's peak
	pageBins    = 20 // histogram bins
	pageSpacing = 16 // two contexts of a unit peak at least this far apart
)

// example is one activation of a unit at a byte of the stream.
type example struct {
	act float32
	pos int
}

// unitPages collects the browser's data of units units.
type unitPages struct {
	units int
	top   [][]example // per unit, at most pageTop, unsorted
	// samples[u][b] is a fixed draw from activation interval b: the first
	// activation seen in it.
	samples [][]example
	max     []float32
	hist    [][]int
	// tp counts the bytes where the unit fires and the label is its top
	// label; labelCount the bytes of each label.
	tp         []int
	labelCount []int
	acts       [][][]float32 // [unit][context][byte]
}

func newUnitPages(units, labels int) *unitPages {
	return &unitPages{units: units, top: make([][]example, units), max: make([]float32, units), hist: make([][]int, units),
		tp: make([]int, units), labelCount: make([]int, labels), samples: make([][]example, units)}
}

// first takes a batch of activations [rows, units] at stream positions
// base… base+rows−1.
func (u *unitPages) first(act []float32, rows, base int) {
	for r := 0; r < rows; r++ {
		row := act[r*u.units : (r+1)*u.units]
		for j, a := range row {
			if a <= 0 {
				continue
			}
			if a > u.max[j] {
				u.max[j] = a
			}
			u.top[j] = pushTop(u.top[j], example{a, base + r})
		}
	}
}

// pushTop keeps the pageTop largest activations, at least pageSpacing bytes
// apart.
func pushTop(top []example, e example) []example {
	lo := -1
	for i, t := range top {
		if d := t.pos - e.pos; d > -pageSpacing && d < pageSpacing {
			if e.act > t.act {
				top[i] = e
			}
			return top
		}
		if lo < 0 || t.act < top[lo].act {
			lo = i
		}
	}
	if len(top) < pageTop {
		return append(top, e)
	}
	if e.act > top[lo].act {
		top[lo] = e
	}
	return top
}

// prepare sorts each unit's top activations, highest first, and sizes the
// second pass's buffers.
func (u *unitPages) prepare() {
	u.acts = make([][][]float32, u.units)
	for j := range u.top {
		sort.Slice(u.top[j], func(a, b int) bool {
			if u.top[j][a].act != u.top[j][b].act {
				return u.top[j][a].act > u.top[j][b].act
			}
			return u.top[j][a].pos < u.top[j][b].pos
		})
		u.samples[j] = make([]example, pageSamples)
		for s := range u.samples[j] {
			u.samples[j][s].pos = -1
		}
		u.acts[j] = make([][]float32, len(u.top[j])+pageSamples)
		for c := range u.acts[j] {
			u.acts[j][c] = make([]float32, 2*pageHalf+1)
		}
		u.hist[j] = make([]int, pageBins)
	}
}

// second takes the same batches again, with each row's label and each
// unit's top label.
func (u *unitPages) second(act []float32, rows, base int, labels []uint8, topLabel []int) {
	for r := 0; r < rows; r++ {
		u.labelCount[labels[r]]++
		row := act[r*u.units : (r+1)*u.units]
		for j, a := range row {
			if a <= 0 {
				continue
			}
			if int(labels[r]) == topLabel[j] {
				u.tp[j]++
			}
			b := min(int(float64(a)/float64(u.max[j])*pageBins), pageBins-1)
			u.hist[j][b]++
			// The first activation of each of the lower intervals is a
			// sample (the top interval is the top contexts').
			if s := b * (pageSamples + 1) / pageBins; s < pageSamples && u.samples[j][s].pos < 0 && !nearTop(u.top[j], base+r) {
				u.samples[j][s] = example{a, base + r}
			}
		}
	}
	// Activations around the peaks that fall in this batch.
	for j := 0; j < u.units; j++ {
		for c, e := range u.top[j] {
			u.copyContext(u.acts[j][c], act, rows, base, j, e.pos)
		}
		for s, e := range u.samples[j] {
			if e.pos >= 0 {
				u.copyContext(u.acts[j][len(u.top[j])+s], act, rows, base, j, e.pos)
			}
		}
	}
}

func nearTop(top []example, pos int) bool {
	for _, t := range top {
		if d := t.pos - pos; d > -pageSpacing && d < pageSpacing {
			return true
		}
	}
	return false
}

// copyContext copies unit j's activations at positions peak−pageHalf …
// peak+pageHalf that lie in the batch [base, base+rows).
func (u *unitPages) copyContext(dst, act []float32, rows, base, j, peak int) {
	lo, hi := max(peak-pageHalf, base), min(peak+pageHalf+1, base+rows)
	for p := lo; p < hi; p++ {
		dst[p-(peak-pageHalf)] = act[(p-base)*u.units+j]
	}
}

// pages builds the browser units from the passes, the units' scores, the
// stream with its files, and each unit's direct logit effects.
func (u *unitPages) pages(scores []interp.UnitScore, val []byte, c *corpus.Corpus, logits func(j int) []float64) []interp.BrowserUnit {
	var files []corpus.File
	for _, f := range c.Files {
		if f.Val {
			files = append(files, f)
		}
	}
	context := func(j, slot int, e example) interp.BrowserContext {
		lo, hi := max(e.pos-pageHalf, 0), min(e.pos+pageHalf+1, len(val))
		bc := interp.BrowserContext{Offset: lo, Text: string(val[lo:hi]), Peak: e.pos - lo}
		acts := u.acts[j][slot]
		bc.Acts = append([]float32(nil), acts[lo-(e.pos-pageHalf):hi-(e.pos-pageHalf)]...)
		if i := sort.Search(len(files), func(i int) bool { return files[i].Offset+files[i].Len > lo }); i < len(files) {
			bc.File, bc.FileOffset = files[i].Path, lo-files[i].Offset
		}
		return bc
	}
	out := make([]interp.BrowserUnit, u.units)
	for j := range out {
		sc := scores[j]
		bu := interp.BrowserUnit{Index: j, Density: sc.Density, MaxAct: float64(u.max[j]), TopLabel: sc.TopLabel,
			Specificity: sc.Specificity, Baseline: sc.Baseline, TopByte: sc.TopByte, ByteShare: sc.ByteShare, Histogram: u.hist[j]}
		if n := sc.Fired + u.labelCount[sc.TopLabel]; n > 0 {
			bu.F1 = 2 * float64(u.tp[j]) / float64(n)
		}
		bu.LabelShare = sc.LabelShare
		for c, e := range u.top[j] {
			bu.Contexts = append(bu.Contexts, context(j, c, e))
		}
		for s, e := range u.samples[j] {
			if e.pos >= 0 {
				bu.Samples = append(bu.Samples, context(j, len(u.top[j])+s, e))
			}
		}
		if logits != nil {
			bu.LogitTop, bu.LogitBottom = topBottom(logits(j), 10)
		}
		out[j] = bu
	}
	return out
}

// topBottom returns the n largest and n smallest entries of v as byte
// effects.
func topBottom(v []float64, n int) (top, bottom []interp.LogitEffect) {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] > v[b]:
			return -1
		case v[a] < v[b]:
			return 1
		}
		return 0
	})
	n = min(n, len(v))
	for _, i := range idx[:n] {
		top = append(top, interp.LogitEffect{Byte: i, Value: round4(v[i])})
	}
	for k := len(idx) - 1; k >= len(idx)-n; k-- {
		bottom = append(bottom, interp.LogitEffect{Byte: idx[k], Value: round4(v[idx[k]])})
	}
	return top, bottom
}

// directLogits returns the function giving, for an output direction dir
// [d_mlp] of the MLP, its direct effect on the logits: dir · W_out, scaled
// by the final LayerNorm's gain, · W_U.
func directLogits(wOut []float64, lnGain []float64, wU []float64, dMLP, d, vocab int) func(dir []float64) []float64 {
	return func(dir []float64) []float64 {
		h := make([]float64, d)
		for i, a := range dir {
			if a == 0 {
				continue
			}
			row := wOut[i*d : (i+1)*d]
			for k := range h {
				h[k] += a * row[k]
			}
		}
		out := make([]float64, vocab)
		for k, a := range h {
			a *= lnGain[k]
			row := wU[k*vocab : (k+1)*vocab]
			for t := range out {
				out[t] += a * row[t]
			}
		}
		return out
	}
}

// nearest returns, for each row of a [n, d], the index and cosine of the
// most similar row of b [m, d].
func nearest(a, b []float64, d int) ([]int, []float64) {
	n, m := len(a)/d, len(b)/d
	norm := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v * v
		}
		return math.Sqrt(s)
	}
	bn := make([]float64, m)
	for j := range bn {
		bn[j] = norm(b[j*d : (j+1)*d])
	}
	idx, cos := make([]int, n), make([]float64, n)
	for i := 0; i < n; i++ {
		x := a[i*d : (i+1)*d]
		xn := norm(x)
		best, bi := math.Inf(-1), 0
		for j := 0; j < m; j++ {
			y := b[j*d : (j+1)*d]
			var dot float64
			for k, v := range x {
				dot += v * y[k]
			}
			if c := dot / (xn*bn[j] + 1e-12); c > best {
				best, bi = c, j
			}
		}
		idx[i], cos[i] = bi, best
	}
	return idx, cos
}

// splitFamilies finds, for each pair of dictionaries of one variant (smaller,
// larger), the smaller one's latent with the most children in the larger.
func splitFamilies(saes []MonoSAE, b interp.Browser, decoders [][]float64) []SplitFamily {
	var out []SplitFamily
	for a := range saes {
		for c := range saes {
			if saes[a].Variant != saes[c].Variant || saes[a].Latents >= saes[c].Latents {
				continue
			}
			parent, child := b.Dictionaries[a+1], b.Dictionaries[c+1]
			kids := map[int][]SplitItem{}
			for j, u := range child.Units {
				for _, f := range u.Family {
					if f.Dict == parent.Name && f.Cosine >= 0.5 {
						kids[f.Index] = append(kids[f.Index], SplitItem{Index: j, Cosine: f.Cosine, Label: b.Labels[u.TopLabel], Specificity: round4(u.Specificity)})
					}
				}
			}
			best := -1
			for p, k := range kids {
				if best < 0 || len(k) > len(kids[best]) || (len(k) == len(kids[best]) && p < best) {
					best = p
				}
			}
			if best < 0 {
				continue
			}
			k := kids[best]
			sort.Slice(k, func(i, j int) bool { return k[i].Cosine > k[j].Cosine })
			out = append(out, SplitFamily{Parent: parent.Name + "/" + itoa(best), ParentLabel: b.Labels[parent.Units[best].TopLabel],
				Child: child.Name, Count: len(k), Children: k[:min(len(k), 12)]})
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
