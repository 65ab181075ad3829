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
// path atomically.
func SaveHeatmaps(path string, cols int, panels []HeatPanel) error {
	plots := make([]*plot.Plot, len(panels))
	for i, hp := range panels {
		p := plot.New()
		p.Title.Text = hp.Title
		p.HideAxes()
		g := matGrid(hp.Z)
		limit := hp.Limit
		if limit == 0 {
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

// SaveDirections draws the feature directions of each panel (arrows from the
// origin, coloured from the first feature, dark, to the last, light) in a grid
// with cols columns, and writes the PNG to path atomically.
func SaveDirections(path string, cols int, panels []DirectionPanel) error {
	plots := make([]*plot.Plot, len(panels))
	for i, dp := range panels {
		if len(dp.W) != 2 {
			return fmt.Errorf("interp: directions %q: W has %d rows; want 2", dp.Title, len(dp.W))
		}
		p := plot.New()
		p.Title.Text = dp.Title
		n := len(dp.W[0])
		lim := 1.0
		for f := 0; f < n; f++ {
			lim = math.Max(lim, math.Max(math.Abs(dp.W[0][f]), math.Abs(dp.W[1][f])))
			col := featureColor(f, n)
			if f < len(dp.Colors) {
				col = dp.Colors[f]
			}
			line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: dp.W[0][f], Y: dp.W[1][f]}})
			if err != nil {
				return err
			}
			line.Color, line.Width = col, vg.Points(2)
			dot, err := plotter.NewScatter(plotter.XYs{{X: dp.W[0][f], Y: dp.W[1][f]}})
			if err != nil {
				return err
			}
			dot.Color, dot.Shape, dot.Radius = col, draw.CircleGlyph{}, vg.Points(3)
			p.Add(line, dot)
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

// saveGrid lays plots out in a grid of square tiles and writes a PNG.
func saveGrid(path string, cols int, plots []*plot.Plot, tile vg.Length) error {
	if len(plots) == 0 {
		return fmt.Errorf("interp: %s: nothing to draw", path)
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
	img := vgimg.NewWith(vgimg.UseWH(tile*vg.Length(cols), tile*vg.Length(rows)), vgimg.UseDPI(96))
	dc := draw.New(img)
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
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("interp: render %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

// matGrid adapts a row-major matrix to plotter.GridXYZ, row 0 on top.
type matGrid [][]float64

func (g matGrid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g matGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g matGrid) X(c int) float64    { return float64(c) }
func (g matGrid) Y(r int) float64    { return float64(r) }
func (g matGrid) absMax() float64 {
	var m float64
	for _, row := range g {
		for _, v := range row {
			if !math.IsNaN(v) {
				m = math.Max(m, math.Abs(v))
			}
		}
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
