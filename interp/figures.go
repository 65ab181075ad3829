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

// HeatPanel is one heat map: Z is drawn row by row from the top, NaN cells
// are left blank. Values are coloured on a diverging blue–white–red scale over
// [−Limit, Limit] (Limit 0 means max |Z|).
type HeatPanel struct {
	Title string
	Z     [][]float64
	Limit float64
}

// GramWithBias stacks WᵀW [n, n], a blank row and b [n] into one panel, the
// paper's intro-figure layout.
func GramWithBias(title string, W [][]float64, b []float64) HeatPanel {
	z := Gram(W)
	blank := make([]float64, len(b))
	for i := range blank {
		blank[i] = math.NaN()
	}
	z = append(z, blank, append([]float64(nil), b...))
	return HeatPanel{Title: title, Z: z, Limit: 1}
}

// DirectionPanel is one picture of feature directions in a 2-D hidden space:
// W [2, n], one arrow from the origin per feature.
type DirectionPanel struct {
	Title string
	W     [][]float64
	// Colors, one per feature, override the default importance colouring.
	Colors []color.Color
}

// SaveHeatmaps draws panels in a grid with cols columns and writes the PNG to
// path atomically. Short rows are padded with blank cells; a Limit that is
// not a positive number up to 1e300 means max |Z| over the cells within
// ±1e300; cells beyond ±Limit, infinite ones included, take the end
// colours; a panel with no cell, or only NaN cells, is an empty frame
// saying "no data", and so is the figure when there are no panels.
func SaveHeatmaps(path string, cols int, panels []HeatPanel) error {
	plots := make([]*plot.Plot, len(panels))
	for i, hp := range panels {
		p := plot.New()
		p.Title.Text = hp.Title
		p.HideAxes()
		g := matGrid(rectangular(hp.Z))
		if g.absMax() < 0 {
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
			markNoData(p, 0.5, 0.5)
			plots[i] = p
			continue
		}
		// Beyond ±maxDrawable the palette arithmetic overflows.
		limit := hp.Limit
		if !(limit > 0 && limit <= maxDrawable) {
			limit = g.absMax()
		}
		if limit == 0 {
			limit = 1
		}
		h := plotter.NewHeatMap(g, diverging{})
		h.Min, h.Max = -limit, limit
		h.NaN = color.White
		h.Underflow, h.Overflow = diverging{}.Colors()[0], diverging{}.Colors()[len(diverging{}.Colors())-1]
		p.Add(h)
		plots[i] = p
	}
	return saveGrid(path, cols, plots, 3*vg.Inch)
}

// rectangular copies z with every row padded with NaN to the longest; it
// returns nil when z has no cell.
func rectangular(z [][]float64) [][]float64 {
	n := 0
	for _, row := range z {
		n = max(n, len(row))
	}
	if n == 0 {
		return nil
	}
	out := make([][]float64, len(z))
	for i, row := range z {
		out[i] = make([]float64, n)
		copy(out[i], row)
		for j := len(row); j < n; j++ {
			out[i][j] = math.NaN()
		}
	}
	return out
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
	data, err := renderPNG(filepath.Base(path), tile*vg.Length(cols), tile*vg.Length(rows), 96, func(dc draw.Canvas) {
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter, PadY: vg.Millimeter,
			PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
		canvases := plot.Align(grid, tiles, dc)
		for r := range grid {
			for c, p := range grid[r] {
				if p != nil {
					p.Draw(canvases[r][c])
				}
			}
		}
	})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}

// matGrid adapts a row-major matrix to plotter.GridXYZ, row 0 on top.
type matGrid [][]float64

func (g matGrid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g matGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g matGrid) X(c int) float64    { return float64(c) }
func (g matGrid) Y(r int) float64    { return float64(r) }

// absMax is max |z| over the cells within ±maxDrawable, or −1 when every
// cell is NaN (infinite and larger cells still count as drawn: they take
// the end colours).
func (g matGrid) absMax() float64 {
	m, seen := 0.0, false
	for _, row := range g {
		for _, v := range row {
			if math.IsNaN(v) {
				continue
			}
			seen = true
			if drawable(v, false) {
				m = math.Max(m, math.Abs(v))
			}
		}
	}
	if !seen {
		return -1
	}
	return m
}

// diverging is a blue–white–red palette of 101 colours.
type diverging struct{}

func (diverging) Colors() []color.Color {
	const k = 101
	out := make([]color.Color, k)
	for i := range out {
		t := 2*float64(i)/(k-1) - 1 // −1 … 1
		a := math.Abs(t)
		w := func(c float64) uint8 { return uint8(math.Round(255 + (c-255)*a)) }
		if t < 0 {
			out[i] = color.RGBA{R: w(33), G: w(102), B: w(172), A: 255}
		} else {
			out[i] = color.RGBA{R: w(178), G: w(24), B: w(43), A: 255}
		}
	}
	return out
}
