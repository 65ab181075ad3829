package interp

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/internal/atomicfile"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatPanel is one heat map: a framed matrix with index ticks, coloured on a
// diverging blue–white–red scale centred at 0 over [−Limit, Limit], with a
// colour bar.
type HeatPanel struct {
	Title string
	// Z is drawn row by row from the top, column 0 at the left; short rows
	// are padded with NaN, and NaN cells are drawn light grey.
	Z [][]float64
	// Limit bounds the colour scale; 0 (or anything not a positive number
	// up to 1e300) means max |v| over Z and Side, rounded up to a round
	// number.
	Limit float64
	// Label is written above the matrix ("WᵀW"); XLabel and YLabel name its
	// columns and rows ("feature").
	Label, XLabel, YLabel string
	// Columns and Rows name the columns' and rows' ticks; nil (or a short
	// list) numbers them from 0.
	Columns, Rows []string
	// Side is a column drawn beside the matrix on the same scale, one value
	// per row, with SideLabel above it: the bias b beside WᵀW. Nil draws
	// none.
	Side      []float64
	SideLabel string
}

// GramWithBias is WᵀW [n, n] with the bias b [n] as a labelled column
// beside it, on the scale ±1: the paper's intro-figure layout.
func GramWithBias(title string, W [][]float64, b []float64) HeatPanel {
	return HeatPanel{Title: title, Z: Gram(W), Limit: 1, Label: "WᵀW", XLabel: "feature", YLabel: "feature",
		Side: append([]float64{}, b...), SideLabel: "b"}
}

// The heat maps' sizes, in points.
const (
	heatMaxWidth   = 10.5 * 72 // the whole figure, before any shared colour bar
	heatMaxMatrixH = 4 * 72
	heatMaxCell    = 28
	heatMinCell    = 1
	heatPad        = 5
	heatTick       = 3
	heatBarW       = 9
	heatBarGap     = 10
	heatMinBar     = 90 // a colour bar is at least this tall
	heatEmpty      = 110
)

var (
	heatTitle = textStyle(11, color.Black)
	heatLabel = textStyle(10, color.Black)
	heatTicks = textStyle(8, color.Gray{Y: 40})
	frameLine = draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(0.7)}
	cellLine  = draw.LineStyle{Color: color.Gray{Y: 215}, Width: vg.Points(0.3)}
	nanColor  = color.Gray{Y: 225}
)

// heatTile is a panel made ready to draw.
type heatTile struct {
	HeatPanel
	z          [][]float64 // [rows, cols], NaN-padded
	side       []float64   // [rows] when Side is set
	rows, cols int
	limit      float64
	beyond     bool // some value lies beyond ±limit
	empty      bool // no cell has a value
}

func newHeatTile(hp HeatPanel) heatTile {
	t := heatTile{HeatPanel: hp, z: rectangular(hp.Z)}
	if t.z != nil {
		t.rows, t.cols = len(t.z), len(t.z[0])
	}
	if hp.Side != nil {
		t.rows = max(t.rows, len(hp.Side))
		t.side = padNaN(hp.Side, t.rows)
	}
	for len(t.z) < t.rows && t.cols > 0 {
		t.z = append(t.z, padNaN(nil, t.cols))
	}
	m := matGrid(append(append([][]float64{}, t.z...), t.side)).absMax()
	t.empty = m < 0
	t.limit = hp.Limit
	if !(t.limit > 0 && t.limit <= maxDrawable) {
		t.limit = niceLimit(m)
	}
	if !(t.limit > 0) {
		t.limit = 1
	}
	for _, row := range append(append([][]float64{}, t.z...), t.side) {
		for _, v := range row {
			if math.Abs(v) > t.limit*(1+1e-9) { // false for NaN
				t.beyond = true
			}
		}
	}
	return t
}

// niceLimit rounds an automatic colour limit m > 0 up to a value whose half
// is as short to write (1.2, 1.4, …, 3, 4, 5, …, 10 times a power of ten), so
// that the colour bar's labels are exact.
func niceLimit(m float64) float64 {
	if !(m >= 1e-290) || m > maxDrawable/10 {
		return m
	}
	d := decadeBelow(m)
	for _, f := range []float64{1, 1.2, 1.4, 1.6, 1.8, 2, 2.4, 3, 4, 5, 6, 7, 8, 9, 10} {
		if f*d >= m*(1-1e-12) {
			return f * d
		}
	}
	return 10 * d
}

// padNaN copies v and pads it with NaN to length n.
func padNaN(v []float64, n int) []float64 {
	out := append(make([]float64, 0, max(n, len(v))), v...)
	for len(out) < n {
		out = append(out, math.NaN())
	}
	return out
}

// tickName is the i-th tick's name: names[i], or i.
func tickName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return strconv.Itoa(i)
}

// indexStep is how many rows or columns apart the labelled ticks of n of
// them are, when each label needs room (points) and a cell is cell points
// long: 1, 2, 5, 10, 20, 50, …, at most about ten labels.
func indexStep(n int, cell, room vg.Length) int {
	for mult := 1; ; mult *= 10 {
		for _, s := range []int{1, 2, 5} {
			step := s * mult
			few := n <= 12 || (n+step-1)/step <= 10
			if few && vg.Length(step)*cell >= room || step >= n {
				return step
			}
		}
	}
}

// tileMargins is the room a tile needs around its matrix, in points.
type tileMargins struct{ left, right, top, bottom vg.Length }

func (t heatTile) margins(bar vg.Length) tileMargins {
	var m tileMargins
	_, tickH := textBox(heatTicks, "0")
	yTickW := vg.Length(0)
	for i := 0; i < t.rows; i++ {
		w, _ := textBox(heatTicks, tickName(t.Rows, i))
		yTickW = max(yTickW, w)
	}
	m.left = heatPad + yTickW + heatTick + 2
	if t.YLabel != "" {
		_, h := textBox(heatLabel, "X")
		m.left += h + heatPad
	}
	m.bottom = heatTick + 2 + tickH + heatPad
	if t.XLabel != "" {
		_, h := textBox(heatLabel, t.XLabel)
		m.bottom += h + heatPad/2
	}
	m.top = heatPad
	if t.Label != "" || t.SideLabel != "" {
		_, h := textBox(heatLabel, t.Label+t.SideLabel+"X")
		m.top += h + heatPad/2
	}
	m.right = heatPad + bar
	return m
}

// matrixSize is the matrix's width and height at cell points a cell, the
// side column included.
func (t heatTile) matrixSize(cell vg.Length) (w, h vg.Length) {
	if t.empty {
		return heatEmpty, heatEmpty
	}
	w = vg.Length(t.cols) * cell
	if t.side != nil {
		w += sideGap(cell, t.cols) + cell
	}
	return w, vg.Length(t.rows) * cell
}

// sideGap is the space between the matrix and its side column.
func sideGap(cell vg.Length, cols int) vg.Length {
	if cols == 0 {
		return 0
	}
	return max(cell/2, 5)
}

// colorBarWidth is the room a colour bar of limit takes beside a matrix.
func colorBarWidth(limit float64, beyond bool) vg.Length {
	w := vg.Length(0)
	for _, l := range barLabels(limit, beyond) {
		lw, _ := textBox(heatTicks, l)
		w = max(w, lw)
	}
	return heatBarGap + heatBarW + heatTick + 2 + w
}

// barLabels are the colour bar's tick labels from −limit to limit.
func barLabels(limit float64, beyond bool) []string {
	out := make([]string, 5)
	for i := range out {
		out[i] = formatTick(limit * float64(i-2) / 2)
	}
	if beyond {
		out[0], out[4] = "≤ "+out[0], "≥ "+out[4]
	}
	return out
}

// formatTick writes v with 3 significant digits and a true minus sign.
func formatTick(v float64) string {
	if math.Abs(v) < 1e-300 {
		return "0"
	}
	return strings.Replace(strconv.FormatFloat(v, 'g', 3, 64), "-", "−", 1)
}

// SaveHeatmaps draws panels in a grid with cols columns and writes the PNG
// to path atomically. Every cell has the same size, so matrices compare; each
// matrix is framed, its rows and columns ticked by index (or by Rows and
// Columns), and a colour bar shows the scale: one beside the grid when every
// panel has the same limit, one per panel otherwise. Cells beyond ±Limit,
// infinite ones included, take the end colours and the bar's end labels say
// ≤ and ≥; a panel with no cell, or only NaN cells, is a frame saying "no
// data", and so is the figure when there are no panels.
func SaveHeatmaps(path string, cols int, panels []HeatPanel) error {
	tiles := make([]heatTile, len(panels))
	for i, hp := range panels {
		tiles[i] = newHeatTile(hp)
	}
	if len(tiles) == 0 {
		tiles = []heatTile{newHeatTile(HeatPanel{})}
	}
	shared := true
	var limit float64
	beyond := false
	first := true
	for _, t := range tiles {
		if t.empty {
			continue
		}
		if first {
			limit, first = t.limit, false
		} else if math.Abs(t.limit-limit) > 1e-9*limit {
			shared = false
		}
		beyond = beyond || t.beyond
	}
	sharedBar := vg.Length(0)
	if shared && !first {
		sharedBar = colorBarWidth(limit, beyond)
	}
	cols = max(1, min(cols, len(tiles)))
	rows := (len(tiles) + cols - 1) / cols
	// One cell size for the figure: as large as the widest and tallest
	// matrices allow.
	var mg tileMargins
	for _, t := range tiles {
		bar := vg.Length(0)
		if !shared && !t.empty {
			bar = colorBarWidth(t.limit, t.beyond)
		}
		m := t.margins(bar)
		mg.left, mg.right, mg.top, mg.bottom = max(mg.left, m.left), max(mg.right, m.right), max(mg.top, m.top), max(mg.bottom, m.bottom)
	}
	availW := (heatMaxWidth-sharedBar)/vg.Length(cols) - mg.left - mg.right
	cell := vg.Length(heatMaxCell)
	for _, t := range tiles {
		if t.empty {
			continue
		}
		wcells := vg.Length(t.cols)
		if t.side != nil {
			wcells += 1.5
		}
		if wcells > 0 {
			cell = min(cell, (availW-5)/wcells)
		}
		if t.rows > 0 {
			cell = min(cell, heatMaxMatrixH/vg.Length(t.rows))
		}
	}
	cell = max(cell, heatMinCell)
	// Tile size: the largest matrix (or colour bar) with its margins, and
	// room for the wrapped title and the axis labels.
	var matW, matH vg.Length
	for _, t := range tiles {
		w, h := t.matrixSize(cell)
		matW, matH = max(matW, w), max(matH, h)
	}
	if sharedBar > 0 || !shared {
		matH = max(matH, heatMinBar)
	}
	tileW := max(mg.left+matW+mg.right, 150)
	for _, t := range tiles {
		if w, _ := textBox(heatLabel, t.XLabel); mg.left+w+heatPad > tileW {
			tileW = mg.left + w + heatPad
		}
	}
	titles := make([]string, len(tiles))
	titleH := vg.Length(0)
	for i, t := range tiles {
		titles[i] = wrapText(heatTitle, t.Title, tileW-2*heatPad)
		_, h := textBox(heatTitle, titles[i])
		titleH = max(titleH, h)
	}
	top := mg.top + titleH
	if titleH > 0 {
		top += heatPad / 2
	}
	tileH := top + matH + mg.bottom
	width := tileW*vg.Length(cols) + sharedBar + heatPad
	height := tileH * vg.Length(rows)
	data, err := renderPNG("heat maps "+path, width, height, 96, func(c draw.Canvas) {
		c.SetColor(color.White)
		c.Fill(c.Rectangle.Path())
		for i, t := range tiles {
			x0 := c.Min.X + tileW*vg.Length(i%cols)
			y0 := c.Max.Y - tileH*vg.Length(i/cols)
			// The title is centred over the matrix, as far as the tile allows.
			mw, _ := t.matrixSize(cell)
			tw, _ := textBox(heatTitle, titles[i])
			cx := min(max(x0+mg.left+mw/2, x0+heatPad+tw/2), x0+tileW-heatPad-tw/2)
			drawText(c, heatTitle, vg.Point{X: cx, Y: y0 - heatPad}, 0.5, 1, titles[i])
			bar := !shared && !t.empty
			t.draw(c, vg.Point{X: x0 + mg.left, Y: y0 - top}, cell, mg, bar)
		}
		if sharedBar > 0 {
			_, h := tiles[0].matrixSize(cell)
			x := c.Min.X + tileW*vg.Length(cols)
			drawColorBar(c, vg.Point{X: x + heatBarGap, Y: c.Max.Y - top}, max(h, heatMinBar), limit, beyond)
		}
	})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}

// draw draws t with its matrix's top-left corner at tl.
func (t heatTile) draw(c draw.Canvas, tl vg.Point, cell vg.Length, mg tileMargins, bar bool) {
	w, h := t.matrixSize(cell)
	if t.empty {
		c.StrokeLines(frameLine, rect(tl.X, tl.Y-h, tl.X+w, tl.Y))
		drawText(c, textStyle(10, color.Gray{Y: 110}), vg.Point{X: tl.X + w/2, Y: tl.Y - h/2}, 0.5, 0.5, "no data")
		return
	}
	matW := vg.Length(t.cols) * cell
	sideX := tl.X + matW + sideGap(cell, t.cols)
	cellAt := func(x0 vg.Length, r, col int) []vg.Point {
		x, y := x0+vg.Length(col)*cell, tl.Y-vg.Length(r+1)*cell
		return rect(x, y, x+cell, y+cell)[:4]
	}
	for r := 0; r < t.rows; r++ {
		for col := 0; col < t.cols; col++ {
			c.FillPolygon(divergingColor(t.z[r][col], t.limit), cellAt(tl.X, r, col))
		}
		if t.side != nil {
			c.FillPolygon(divergingColor(t.side[r], t.limit), cellAt(sideX, r, 0))
		}
	}
	// Faint cell edges keep white (zero) cells visible as cells.
	if cell >= 6 {
		for r := 1; r < t.rows; r++ {
			y := tl.Y - vg.Length(r)*cell
			c.StrokeLine2(cellLine, tl.X, y, tl.X+matW, y)
			if t.side != nil {
				c.StrokeLine2(cellLine, sideX, y, sideX+cell, y)
			}
		}
		for col := 1; col < t.cols; col++ {
			x := tl.X + vg.Length(col)*cell
			c.StrokeLine2(cellLine, x, tl.Y-h, x, tl.Y)
		}
	}
	if t.cols > 0 {
		c.StrokeLines(frameLine, rect(tl.X, tl.Y-h, tl.X+matW, tl.Y))
	}
	if t.side != nil {
		c.StrokeLines(frameLine, rect(sideX, tl.Y-h, sideX+cell, tl.Y))
	}
	// Labels above.
	above := tl.Y + heatPad/2
	if t.Label != "" && t.cols > 0 {
		drawText(c, heatLabel, vg.Point{X: tl.X + matW/2, Y: above}, 0.5, 0, t.Label)
	}
	if t.SideLabel != "" && t.side != nil {
		drawText(c, heatLabel, vg.Point{X: sideX + cell/2, Y: above}, 0.5, 0, t.SideLabel)
	}
	// Index ticks.
	tickLine := draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(0.6)}
	_, tickH := textBox(heatTicks, "0")
	if t.cols > 0 {
		room := vg.Length(0)
		for i := 0; i < t.cols; i++ {
			w, _ := textBox(heatTicks, tickName(t.Columns, i))
			room = max(room, w+3)
		}
		step := indexStep(t.cols, cell, room)
		for i := 0; i < t.cols; i += step {
			x := tl.X + (vg.Length(i)+0.5)*cell
			c.StrokeLine2(tickLine, x, tl.Y-h, x, tl.Y-h-heatTick)
			drawText(c, heatTicks, vg.Point{X: x, Y: tl.Y - h - heatTick - 2}, 0.5, 1, tickName(t.Columns, i))
		}
	}
	step := indexStep(t.rows, cell, tickH+1)
	for i := 0; i < t.rows; i += step {
		y := tl.Y - (vg.Length(i)+0.5)*cell
		c.StrokeLine2(tickLine, tl.X, y, tl.X-heatTick, y)
		drawText(c, heatTicks, vg.Point{X: tl.X - heatTick - 2, Y: y}, 1, 0.5, tickName(t.Rows, i))
	}
	if t.XLabel != "" && t.cols > 0 {
		drawText(c, heatLabel, vg.Point{X: tl.X + matW/2, Y: tl.Y - h - heatTick - 2 - tickH - heatPad/2}, 0.5, 1, t.XLabel)
	}
	if t.YLabel != "" {
		sty := heatLabel
		sty.Rotation = math.Pi / 2
		drawText(c, sty, vg.Point{X: tl.X - mg.left + heatPad, Y: tl.Y - h/2}, 0, 0.5, t.YLabel)
	}
	if bar {
		drawColorBar(c, vg.Point{X: tl.X + w + heatBarGap, Y: tl.Y}, max(h, heatMinBar), t.limit, t.beyond)
	}
}

// drawColorBar draws a vertical colour bar of the diverging scale over
// [−limit, limit] with its top-left corner at tl, height tall, ticked at
// −limit, −limit/2, 0, limit/2 and limit.
func drawColorBar(c draw.Canvas, tl vg.Point, height vg.Length, limit float64, beyond bool) {
	cols := diverging{}.Colors()
	step := height / vg.Length(len(cols))
	for i, col := range cols {
		y := tl.Y - height + vg.Length(i)*step
		c.FillPolygon(col, rect(tl.X, y, tl.X+heatBarW, y+step+0.2)[:4])
	}
	c.StrokeLines(frameLine, rect(tl.X, tl.Y-height, tl.X+heatBarW, tl.Y))
	tickLine := draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(0.6)}
	for i, l := range barLabels(limit, beyond) {
		y := tl.Y - height + height*vg.Length(i)/4
		c.StrokeLine2(tickLine, tl.X+heatBarW, y, tl.X+heatBarW+heatTick, y)
		drawText(c, heatTicks, vg.Point{X: tl.X + heatBarW + heatTick + 2, Y: y}, 0, 0.5, l)
	}
}

// rect is the closed outline of a rectangle.
func rect(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}}
}

// divergingColor is v's colour on the diverging scale over [−limit, limit]:
// the end colours beyond it, light grey for NaN.
func divergingColor(v, limit float64) color.Color {
	if math.IsNaN(v) {
		return nanColor
	}
	cols := diverging{}.Colors()
	t := (math.Max(-1, math.Min(1, v/limit)) + 1) / 2
	return cols[int(math.Round(t*float64(len(cols)-1)))]
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
		out[i] = padNaN(row, n)
	}
	return out
}

// matGrid is a row-major matrix.
type matGrid [][]float64

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

// diverging is a blue–white–red palette of 101 colours (ColorBrewer's RdBu
// ends, readable with the common colour-vision deficiencies).
type diverging struct{}

var divergingColors = func() []color.Color {
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
}()

func (diverging) Colors() []color.Color { return divergingColors }
