package interp

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"github.com/toymodels/superposition/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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
	// Radius of the points in points; 0 means 2.5.
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
	// Width and Height in inches; 0 means 6 × 4.
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

// SaveChart draws series on c and writes the PNG to path atomically.
func SaveChart(path string, c Chart, series ...Series) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = c.Title, c.XLabel, c.YLabel
	if c.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if c.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("interp: chart %q: series %q has %d x and %d y values", c.Title, s.Name, len(s.X), len(s.Y))
		}
		xy := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xy[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
			xmin, xmax = math.Min(xmin, s.X[j]), math.Max(xmax, s.X[j])
		}
		col := s.Color
		if col == nil {
			col = Color(i)
		}
		if s.Line {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("interp: chart %q: %w", c.Title, err)
			}
			l.Color, l.Width = col, vg.Points(1.5)
			p.Add(l)
			if s.Name != "" && !s.Points {
				p.Legend.Add(s.Name, l)
			}
		}
		if s.Points {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return fmt.Errorf("interp: chart %q: %w", c.Title, err)
			}
			r := s.Radius
			if r == 0 {
				r = 2.5
			}
			sc.Color, sc.Shape, sc.Radius = col, draw.CircleGlyph{}, vg.Points(r)
			p.Add(sc)
			if s.Name != "" {
				p.Legend.Add(s.Name, sc)
			}
		}
	}
	if c.XMin < c.XMax {
		xmin, xmax = c.XMin, c.XMax
		p.X.Min, p.X.Max = c.XMin, c.XMax
	}
	if c.YMin < c.YMax {
		p.Y.Min, p.Y.Max = c.YMin, c.YMax
	}
	for _, g := range c.HLines {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: g.Y}, {X: xmax, Y: g.Y}})
		if err != nil {
			return err
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
	p.Legend.Top = true
	w, h := c.Width, c.Height
	if w == 0 {
		w, h = 6, 4
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch), vgimg.UseDPI(110))
	p.Draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("interp: render %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}
