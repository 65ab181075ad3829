package interp

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one set of points on a [Chart]: drawn as a line, as points, or
// both.
type Series struct {
	Name   string
	X, Y   []float64
	Line   bool
	Points bool
	// Color; nil picks one from the palette by the series' index.
	Color color.Color
	// Radius of the points in points; 0 (or anything outside (0, 100])
	// means 2.5.
	Radius float64
}

// Chart describes an x–y chart.
type Chart struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	// HLines are dashed horizontal guide lines, labelled right of the plot.
	HLines []Guide
	// XMin… set the axis ranges when Min < Max; data beyond them widens
	// them (with the usual margin), so that no point is hidden.
	XMin, XMax, YMin, YMax float64
	// Width and Height in inches; 0 (or anything outside (0, 100]) means 6
	// and 4.
	Width, Height float64
}

// Guide is a labelled horizontal guide line.
type Guide struct {
	Y     float64
	Label string
}

// palette is a colour-blind-friendly qualitative palette (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255},
}

// Color returns the i-th colour of the palette used by charts.
func Color(i int) color.Color { return palette[i%len(palette)] }

// SaveChart draws series on c and writes the PNG to path atomically. The
// legend (one entry per named series) and the guides' labels stand beside
// the plot, outside the data; labels of guides too close to read apart are
// spread out with leader lines to their guides; automatic axis ranges leave
// a 4% margin so that no mark sits on an axis. It draws whatever data it is
// given: points with a NaN or infinite coordinate
// (beyond ±1e300 counts as infinite) and points at or below 0 on a log axis
// are left out (a line breaks there) and counted in a note under the title; a log axis with no positive value
// at all is drawn linear instead, with a note; an axis whose values are all
// equal is widened around them; a fixed range that the axis cannot show
// (Min ≥ Max, not finite, or ≤ 0 on a log axis) is ignored; and a chart with
// nothing left to draw is an empty frame saying "no data". Series of unequal
// X and Y lengths are an error.
func SaveChart(path string, c Chart, series ...Series) error {
	for _, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("interp: chart %q: series %q has %d x and %d y values", c.Title, s.Name, len(s.X), len(s.Y))
		}
	}
	var notes []string
	// A log axis with no positive value is drawn linear: leaving every
	// point out would hide the data for the axis' sake.
	logX, logY := c.LogX, c.LogY
	if anyDrawable(series, false, false) {
		if logX && !anyDrawable(series, true, false) {
			logX = false
			notes = append(notes, "x axis linear: no positive values")
		}
		if logY && !anyDrawable(series, false, true) {
			logY = false
			notes = append(notes, "y axis linear: no positive values")
		}
	}
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = c.Title, c.XLabel, c.YLabel
	setScale(&p.X, logX)
	setScale(&p.Y, logY)
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Left, leg.Top, leg.Padding = true, true, vg.Points(3)
	var xs, ys extent
	var nonFinite, nonPositive int
	for i, s := range series {
		col := s.Color
		if col == nil {
			col = Color(i)
		}
		// runs are the stretches of drawable points; a line breaks between them.
		var runs []plotter.XYs
		var run plotter.XYs
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if !drawable(x, logX) || !drawable(y, logY) {
				if drawable(x, false) && drawable(y, false) {
					nonPositive++
				} else {
					nonFinite++
				}
				if len(run) > 0 {
					runs, run = append(runs, run), nil
				}
				continue
			}
			run = append(run, plotter.XY{X: x, Y: y})
			xs.add(x)
			ys.add(y)
		}
		if len(run) > 0 {
			runs = append(runs, run)
		}
		var all plotter.XYs
		for _, r := range runs {
			all = append(all, r...)
		}
		var thumbs []plot.Thumbnailer
		if s.Line {
			for k, r := range runs {
				l, err := plotter.NewLine(r)
				if err != nil {
					return fmt.Errorf("interp: chart %q: %w", c.Title, err)
				}
				l.Color, l.Width = col, vg.Points(1.5)
				p.Add(l)
				if k == 0 {
					thumbs = append(thumbs, l)
				}
			}
		}
		if s.Points && len(all) > 0 {
			sc, err := plotter.NewScatter(all)
			if err != nil {
				return fmt.Errorf("interp: chart %q: %w", c.Title, err)
			}
			r := s.Radius
			if !(r > 0 && r <= 100) {
				r = 2.5
			}
			sc.Color, sc.Shape, sc.Radius = col, draw.CircleGlyph{}, vg.Points(r)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if s.Name != "" && len(thumbs) > 0 {
			leg.Add(s.Name, thumbs...)
		}
	}
	empty := xs.n == 0
	if nonFinite > 0 {
		notes = append(notes, plural(nonFinite, "NaN/Inf point")+" not shown")
	}
	if nonPositive > 0 {
		notes = append(notes, plural(nonPositive, "point")+" ≤ 0 not shown on a log axis")
	}
	var guides []Guide
	for _, g := range c.HLines {
		if drawable(g.Y, logY) {
			guides = append(guides, g)
			ys.add(g.Y)
		}
	}
	// Automatic ranges leave a margin, so that no mark sits on an axis.
	xmin, xmax := axisRange(xs, c.XMin, c.XMax, logX, empty)
	ymin, ymax := axisRange(ys, c.YMin, c.YMax, logY, empty)
	var labelled []Guide
	for _, g := range guides {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: g.Y}, {X: xmax, Y: g.Y}})
		if err != nil {
			return fmt.Errorf("interp: chart %q: guide: %w", c.Title, err)
		}
		l.Color, l.Dashes, l.Width = color.Gray{Y: 120}, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(0.8)
		p.Add(l)
		if g.Label != "" && g.Y >= ymin && g.Y <= ymax {
			labelled = append(labelled, g)
		}
	}
	if empty {
		markNoData(p, middle(xmin, xmax, logX), middle(ymin, ymax, logY))
	}
	if len(notes) > 0 {
		p.Title.Text += "\n(" + strings.Join(notes, "; ") + ")"
	}
	// Added plotters widen the axes to their data; the ranges chosen above
	// are the ones gonum can draw.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	w, h := c.Width, c.Height
	if !(w > 0 && w <= 100) {
		w = 6
	}
	if !(h > 0 && h <= 100) {
		h = 4
	}
	// The guides' labels and the legend stand in strips right of the
	// plot, outside the data.
	guideW := vg.Length(0)
	for _, g := range labelled {
		lw, _ := textBox(guideStyle, g.Label)
		guideW = max(guideW, lw+guideLead+4)
	}
	legW := legendWidth(&leg)
	if guideW > 0 && legW > 0 {
		legW -= legendPad
	}
	width := vg.Length(w)*vg.Inch + guideW + legW
	data, err := renderPNG(fmt.Sprintf("chart %q", c.Title), width, vg.Length(h)*vg.Inch, 110, func(dc draw.Canvas) {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		pc := draw.Crop(dc, 0, -(guideW + legW), 0, 0)
		p.Draw(pc)
		da := p.DataCanvas(pc)
		_, trY := p.Transforms(&da)
		drawGuideLabels(dc, da, trY, labelled)
		if legW > 0 {
			lc := draw.Crop(dc, da.Max.X-dc.Min.X+guideW+legendPad, 0, 0, 0)
			lc.Max.Y = da.Max.Y
			leg.Draw(lc)
		}
	})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}

// guideStyle is the font of guide labels; guideLead the length of the
// leader line from the data's right edge to a label.
var guideStyle = textStyle(10, color.Gray{Y: 70})

const guideLead = 12

// drawGuideLabels writes each guide's label right of the data canvas da, at
// its guide's height where labels do not collide and, where they would,
// spread apart around their mean height, with a leader line back to the
// guide.
func drawGuideLabels(c draw.Canvas, da draw.Canvas, trY func(float64) vg.Length, guides []Guide) {
	if len(guides) == 0 {
		return
	}
	want := make([]vg.Length, len(guides))
	for i, g := range guides {
		want[i] = trY(g.Y)
	}
	_, lh := textBox(guideStyle, "1/2")
	at := spread(want, lh+1, da.Min.Y, da.Max.Y+lh/2)
	lead := draw.LineStyle{Color: color.Gray{Y: 150}, Width: vg.Points(0.6)}
	x := da.Max.X
	for i, g := range guides {
		c.StrokeLines(lead, []vg.Point{{X: x, Y: want[i]}, {X: x + guideLead*0.4, Y: want[i]}, {X: x + guideLead - 2, Y: at[i]}})
		drawText(c, guideStyle, vg.Point{X: x + guideLead, Y: at[i]}, 0, 0.5, g.Label)
	}
}

// spread places labels of height h as near as it can to the heights want
// without overlapping, within [lo, hi] when they fit: labels that would
// collide form a group centred on their mean wanted height.
func spread(want []vg.Length, h, lo, hi vg.Length) []vg.Length {
	order := make([]int, len(want))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return want[order[a]] < want[order[b]] })
	type group struct {
		first, n int       // indices into order
		centre   vg.Length // of the group
	}
	bottom := func(g group) vg.Length { return g.centre - h*vg.Length(g.n)/2 }
	top := func(g group) vg.Length { return g.centre + h*vg.Length(g.n)/2 }
	clamp := func(g group) group {
		if top(g) > hi {
			g.centre -= top(g) - hi
		}
		if bottom(g) < lo {
			g.centre += lo - bottom(g)
		}
		return g
	}
	var gs []group
	for k, i := range order {
		gs = append(gs, clamp(group{first: k, n: 1, centre: want[i]}))
		for len(gs) > 1 && top(gs[len(gs)-2]) > bottom(gs[len(gs)-1]) {
			a, b := gs[len(gs)-2], gs[len(gs)-1]
			var sum vg.Length
			for _, j := range order[a.first : b.first+b.n] {
				sum += want[j]
			}
			m := group{first: a.first, n: a.n + b.n}
			m.centre = sum / vg.Length(m.n)
			gs = append(gs[:len(gs)-2], clamp(m))
		}
	}
	out := make([]vg.Length, len(want))
	for _, g := range gs {
		for k := 0; k < g.n; k++ {
			out[order[g.first+k]] = bottom(g) + h*(vg.Length(k)+0.5)
		}
	}
	return out
}

// axisRange is the range of an axis holding e: [lo, hi] when that is a
// range the axis can show, widened (with a margin) on a side where data lies
// beyond it; else e's span with a margin.
func axisRange(e extent, lo, hi float64, log, empty bool) (float64, float64) {
	dlo, dhi := e.span(log)
	if !empty {
		dlo, dhi = pad(dlo, dhi, log)
	}
	if !(lo < hi && drawable(lo, log) && drawable(hi, log)) {
		return dlo, dhi
	}
	if !empty && e.lo < lo {
		lo = dlo
	}
	if !empty && e.hi > hi {
		hi = dhi
	}
	return lo, hi
}

// pad widens an automatic axis range by 4% at each end (in log space on a
// log axis), so that marks at the extremes stay clear of the axes.
func pad(lo, hi float64, log bool) (float64, float64) {
	if log {
		f := math.Pow(hi/lo, 0.04)
		if nlo, nhi := lo/f, hi*f; drawable(nlo, true) && drawable(nhi, true) {
			return nlo, nhi
		}
		return lo, hi
	}
	d := 0.04 * (hi - lo)
	if nlo, nhi := lo-d, hi+d; drawable(nlo, false) && drawable(nhi, false) && !math.IsInf(d, 0) {
		return nlo, nhi
	}
	return lo, hi
}

// anyDrawable reports whether some point of series can be placed on axes of
// the given scales.
func anyDrawable(series []Series, logX, logY bool) bool {
	for _, s := range series {
		for j := range s.X {
			if drawable(s.X[j], logX) && drawable(s.Y[j], logY) {
				return true
			}
		}
	}
	return false
}

// middle is the centre of [lo, hi] on a linear or a log axis.
func middle(lo, hi float64, log bool) float64 {
	if log {
		return math.Sqrt(lo) * math.Sqrt(hi)
	}
	return lo/2 + hi/2
}

// plural formats n and noun, adding an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
