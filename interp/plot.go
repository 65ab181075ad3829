package interp

import (
	"fmt"
	"image/color"
	"math"
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
	// HLines are dashed horizontal guide lines, with labels.
	HLines []Guide
	// XMin… fix the axis ranges when Min < Max.
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

// SaveChart draws series on c and writes the PNG to path atomically. It
// draws whatever data it is given: points with a NaN or infinite coordinate
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
		if s.Line {
			for k, r := range runs {
				l, err := plotter.NewLine(r)
				if err != nil {
					return fmt.Errorf("interp: chart %q: %w", c.Title, err)
				}
				l.Color, l.Width = col, vg.Points(1.5)
				p.Add(l)
				if k == 0 && s.Name != "" && !s.Points {
					p.Legend.Add(s.Name, l)
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
			if s.Name != "" {
				p.Legend.Add(s.Name, sc)
			}
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
	xmin, xmax := xs.span(logX)
	if c.XMin < c.XMax && drawable(c.XMin, logX) && drawable(c.XMax, logX) {
		xmin, xmax = c.XMin, c.XMax
	}
	ymin, ymax := ys.span(logY)
	if c.YMin < c.YMax && drawable(c.YMin, logY) && drawable(c.YMax, logY) {
		ymin, ymax = c.YMin, c.YMax
	}
	for _, g := range guides {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: g.Y}, {X: xmax, Y: g.Y}})
		if err != nil {
			return fmt.Errorf("interp: chart %q: guide: %w", c.Title, err)
		}
		l.Color, l.Dashes, l.Width = color.Gray{Y: 120}, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(0.8)
		p.Add(l)
		if g.Label != "" {
			lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: xmax, Y: g.Y}}, Labels: []string{g.Label}})
			if err == nil {
				lab.TextStyle[0].Color = color.Gray{Y: 90}
				lab.TextStyle[0].XAlign = draw.XLeft
				p.Add(lab)
			}
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
	p.Legend.Top = true
	w, h := c.Width, c.Height
	if !(w > 0 && w <= 100) {
		w = 6
	}
	if !(h > 0 && h <= 100) {
		h = 4
	}
	data, err := renderPNG(fmt.Sprintf("chart %q", c.Title), vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch, 110, p.Draw)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
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
