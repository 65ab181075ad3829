package interp

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// textStyle is the figures' font (gonum/plot's default) at size points.
func textStyle(size vg.Length, col color.Color) text.Style {
	return text.Style{Color: col, Font: font.From(plot.DefaultFont, size), Handler: plot.DefaultTextHandler}
}

// textBox is the width and height of txt drawn in sty, rotation included.
func textBox(sty text.Style, txt string) (w, h vg.Length) {
	if txt == "" {
		return 0, 0
	}
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	r := sty.Rectangle(txt)
	return r.Max.X - r.Min.X, r.Max.Y - r.Min.Y
}

// drawText draws txt in sty so that the point (ax, ay) of its bounding box,
// in fractions of its width and height from the bottom left, lies at pt:
// (0.5, 1) hangs the text centred below pt. Lines of unrotated text are
// aligned by ax among themselves too (centred for ax = 0.5).
func drawText(c draw.Canvas, sty text.Style, pt vg.Point, ax, ay float64, txt string) {
	if txt == "" {
		return
	}
	if lines := strings.Split(txt, "\n"); len(lines) > 1 && sty.Rotation == 0 {
		_, h := textBox(sty, txt)
		top := pt.Y + vg.Length(1-ay)*h
		for _, line := range lines {
			_, lh := textBox(sty, line+"X")
			drawText(c, sty, vg.Point{X: pt.X, Y: top}, ax, 1, line)
			top -= lh
		}
		return
	}
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	r := sty.Rectangle(txt)
	w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	c.FillText(sty, vg.Point{X: pt.X - r.Min.X - vg.Length(ax)*w, Y: pt.Y - r.Min.Y - vg.Length(ay)*h}, txt)
}

// wrapText breaks txt at spaces into lines no wider than width (a word
// wider than width gets a line of its own), joined by newlines.
func wrapText(sty text.Style, txt string, width vg.Length) string {
	var out []string
	for _, para := range strings.Split(txt, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line == "" {
				line = word
				continue
			}
			if w, _ := textBox(sty, line+" "+word); w > width {
				out = append(out, line)
				line = word
				continue
			}
			line += " " + word
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
