package interp

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"github.com/toymodels/superposition/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DirectionPanel is one picture of feature directions in a 2-D hidden space:
// W [2, n], one arrow from the origin per feature.
type DirectionPanel struct {
	Title string
	W     [][]float64
	// Colors, one per feature, override the default importance colouring.
	Colors []color.Color
}

// SaveDirections draws the feature directions of each panel (arrows from the
// origin, coloured from the first feature, dark, to the last, light) in a grid
// with cols columns, and writes the PNG to path atomically. A feature with a
// NaN or infinite coordinate is left out and counted in the panel's title; a
// panel with no feature to draw says "no data". W must have two rows of equal
// length.
func SaveDirections(path string, cols int, panels []DirectionPanel) error {
	plots := make([]*plot.Plot, len(panels))
	for i, dp := range panels {
		if len(dp.W) != 2 {
			return fmt.Errorf("interp: directions %q: W has %d rows; want 2", dp.Title, len(dp.W))
		}
		if len(dp.W[0]) != len(dp.W[1]) {
			return fmt.Errorf("interp: directions %q: W's rows have %d and %d values; want equal", dp.Title, len(dp.W[0]), len(dp.W[1]))
		}
		p := plot.New()
		p.Title.Text = dp.Title
		p.X.Label.Text, p.Y.Label.Text = "hidden dimension 1", "hidden dimension 2"
		n := len(dp.W[0])
		lim := 1.0
		drawn, skipped := 0, 0
		for f := 0; f < n; f++ {
			x, y := dp.W[0][f], dp.W[1][f]
			if !drawable(x, false) || !drawable(y, false) {
				skipped++
				continue
			}
			lim = math.Max(lim, math.Max(math.Abs(x), math.Abs(y)))
			col := featureColor(f, n)
			if f < len(dp.Colors) && dp.Colors[f] != nil {
				col = dp.Colors[f]
			}
			line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: x, Y: y}})
			if err != nil {
				return fmt.Errorf("interp: directions %q: %w", dp.Title, err)
			}
			line.Color, line.Width = col, vg.Points(2)
			dot, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
			if err != nil {
				return fmt.Errorf("interp: directions %q: %w", dp.Title, err)
			}
			dot.Color, dot.Shape, dot.Radius = col, draw.CircleGlyph{}, vg.Points(3)
			p.Add(line, dot)
			drawn++
		}
		if skipped > 0 {
			p.Title.Text += " (" + plural(skipped, "NaN/Inf feature") + " not shown)"
		}
		if drawn == 0 {
			markNoData(p, 0, 0)
		}
		lim *= 1.1
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -lim, lim, -lim, lim
		p.Add(plotter.NewGrid())
		plots[i] = p
	}
	return saveGrid(path, cols, plots, 2.5*vg.Inch)
}

// featureColor runs from dark purple (feature 0, most important) to yellow.
func featureColor(i, n int) color.Color {
	t := 0.0
	if n > 1 {
		t = float64(i) / float64(n-1)
	}
	lerp := func(a, b float64) uint8 { return uint8(math.Round(a + (b-a)*t)) }
	return color.RGBA{R: lerp(68, 240), G: lerp(1, 200), B: lerp(84, 30), A: 255}
}

// saveGrid lays plots out in a grid of square tiles and writes a PNG; with
// no plots it draws one empty frame saying "no data".
func saveGrid(path string, cols int, plots []*plot.Plot, tile vg.Length) error {
	return saveGridLegend(path, cols, plots, tile, tile, nil)
}

// saveGridLegend lays plots out in a grid of tileW × tileH tiles, with leg
// (when it has entries) beside the grid, top right, outside every plot's
// data, and writes a PNG; with no plots it draws one empty frame saying "no
// data".
func saveGridLegend(path string, cols int, plots []*plot.Plot, tileW, tileH vg.Length, leg *plot.Legend) error {
	if len(plots) == 0 {
		p := plot.New()
		p.HideAxes()
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		markNoData(p, 0.5, 0.5)
		plots = []*plot.Plot{p}
	}
	cols = max(1, min(cols, len(plots)))
	rows := (len(plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for c := range grid[r] {
			if i := r*cols + c; i < len(plots) {
				grid[r][c] = plots[i]
			}
		}
	}
	legW := legendWidth(leg)
	gridW := tileW * vg.Length(cols)
	data, err := renderPNG(filepath.Base(path), gridW+legW, tileH*vg.Length(rows), 96, func(dc draw.Canvas) {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		gc := draw.Crop(dc, 0, -legW, 0, 0)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter, PadY: vg.Millimeter,
			PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
		canvases := plot.Align(grid, tiles, gc)
		for r := range grid {
			for c, p := range grid[r] {
				if p != nil {
					p.Draw(canvases[r][c])
				}
			}
		}
		if legW > 0 {
			top := canvases[0][0]
			if grid[0][0] != nil {
				top = grid[0][0].DataCanvas(top)
			}
			lc := draw.Crop(dc, gridW+legendPad, 0, 0, 0)
			lc.Max.Y = top.Max.Y
			leg.Draw(lc)
		}
	})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}

// legendPad is the space between a legend and what it stands beside.
const legendPad = 8

// legendWidth is the width a legend beside a figure takes, 0 for none.
func legendWidth(leg *plot.Legend) vg.Length {
	if leg == nil {
		return 0
	}
	r := leg.Rectangle(draw.Canvas{})
	if w := r.Max.X - r.Min.X; w > 0 {
		return w + 2*legendPad
	}
	return 0
}
