package interp

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// gonum/plot panics on a log axis whose range touches 0, widens a zero-width
// range to ±1 (which on a log axis reaches 0 again), refuses NaN and Inf
// points, and never finishes drawing values near ±MaxFloat64 (their
// differences overflow). The figures therefore place only values that
// drawable accepts, and set every axis range themselves through span.

// maxDrawable bounds the magnitude of a value placed on an axis, so that
// differences, padding and tick arithmetic stay finite.
const maxDrawable = 1e300

// drawable reports whether v can be placed on an axis: finite, within
// ±maxDrawable, and on a log axis within [1/maxDrawable, maxDrawable].
func drawable(v float64, log bool) bool {
	if log {
		return v >= 1/maxDrawable && v <= maxDrawable
	}
	return math.Abs(v) <= maxDrawable // false for NaN
}

// extent is the range of the values seen so far; empty until the first add.
type extent struct {
	lo, hi float64
	n      int
}

func (e *extent) add(v float64) {
	if e.n == 0 || v < e.lo {
		e.lo = v
	}
	if e.n == 0 || v > e.hi {
		e.hi = v
	}
	e.n++
}

// span returns an axis range gonum can draw that holds e: [0, 1], or [1, 10]
// on a log axis, when e is empty. On a linear axis a range of zero (or
// negligible) width is widened by ±10 % of its value (±1 around 0). On a
// log axis a range with no power of ten inside, a single value included,
// is widened to the powers of ten around it, since gonum labels only those.
func (e extent) span(log bool) (lo, hi float64) {
	switch {
	case e.n == 0 && log:
		return 1, 10
	case e.n == 0:
		return 0, 1
	case log:
		single := e.hi <= e.lo*(1+1e-9)
		if !single && decadeAbove(e.lo) <= e.hi {
			return e.lo, e.hi
		}
		lo, hi = decadeBelow(e.lo), decadeAbove(e.hi)
		if lo == hi {
			lo, hi = lo/10, hi*10
		}
		return lo, hi
	case e.hi-e.lo <= 1e-9*math.Max(math.Abs(e.lo), math.Abs(e.hi)):
		d := 0.1 * math.Abs(e.lo)
		if d < 1e-290 {
			d = 1
		}
		return e.lo - d, e.hi + d
	}
	return e.lo, e.hi
}

// decadeBelow and decadeAbove are the largest power of ten ≤ v and the
// smallest ≥ v, for v > 0; math.Log10 can be an ulp off at exact powers.
func decadeBelow(v float64) float64 {
	d := math.Pow10(int(math.Floor(math.Log10(v))))
	for d > v {
		d /= 10
	}
	for d*10 <= v {
		d *= 10
	}
	return d
}

func decadeAbove(v float64) float64 {
	d := math.Pow10(int(math.Ceil(math.Log10(v))))
	for d < v {
		d *= 10
	}
	for d/10 >= v {
		d /= 10
	}
	return d
}

// setScale makes ax logarithmic or linear.
func setScale(ax *plot.Axis, log bool) {
	if log {
		ax.Scale, ax.Tick.Marker = plot.LogScale{}, logTicks{}
		return
	}
	ax.Scale, ax.Tick.Marker = plot.LinearScale{}, plot.DefaultTicks{}
}

// logTicks labels the powers of ten in a log axis' range and marks their
// multiples; on a range of at most two decades, where two labels would leave
// the reader guessing, it labels the 2s and 5s too (1, 2, 5, 10, 20). gonum's
// LogTicks truncates log₁₀ min toward zero, so below 1 it starts a decade
// late (no 0.1 on [0.1, 1]; nothing on [0.15, 0.6]). When nothing labelled
// falls inside, which only a fixed range can cause, the ends are labelled
// instead.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !drawable(min, true) || !drawable(max, true) || min > max {
		return nil
	}
	var ticks []plot.Tick
	labelled := false
	short := max/min <= 100*(1+1e-9)
	for k := int(math.Round(math.Log10(decadeBelow(min)))); math.Pow10(k) <= max; k++ {
		for i := 1; i < 10; i++ {
			v := float64(i) * math.Pow10(k)
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case i == 1:
				t.Label, labelled = powerLabel(k), true
			case short && (i == 2 || i == 5):
				t.Label, labelled = multipleLabel(i, k), true
			}
			ticks = append(ticks, t)
		}
	}
	if !labelled {
		ticks = append(ticks,
			plot.Tick{Value: min, Label: strconv.FormatFloat(min, 'g', 3, 64)},
			plot.Tick{Value: max, Label: strconv.FormatFloat(max, 'g', 3, 64)})
	}
	return ticks
}

// powerLabel writes 10^k as a tick label: 0.001 … 10000 in full, 1e5 and
// 1e−5 beyond.
func powerLabel(k int) string {
	if k >= -4 && k <= 4 {
		return strconv.FormatFloat(math.Pow10(k), 'f', -1, 64)
	}
	return strings.Replace("1e"+strconv.Itoa(k), "-", "−", 1)
}

// multipleLabel writes i·10^k as powerLabel writes 10^k.
func multipleLabel(i, k int) string {
	if k >= -4 && k <= 4 {
		return strconv.FormatFloat(float64(i)*math.Pow10(k), 'f', -1, 64)
	}
	return strings.Replace(strconv.Itoa(i)+"e"+strconv.Itoa(k), "-", "−", 1)
}

// markNoData writes "no data" at (x, y) in p's data coordinates, so that an
// empty figure says so instead of looking broken.
func markNoData(p *plot.Plot, x, y float64) {
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{"no data"}})
	if err != nil {
		return // (x, y) not finite: the caller's ranges are finite, so not reached
	}
	lab.TextStyle[0].Color = color.Gray{Y: 110}
	lab.TextStyle[0].XAlign, lab.TextStyle[0].YAlign = draw.XCenter, draw.YCenter
	p.Add(lab)
}

// MaxPNGBytes is the most a figure's PNG should take: a figure that comes
// out larger is drawn again at a lower resolution, down to minDPI.
const MaxPNGBytes = 300 << 10

// minDPI is the lowest resolution renderPNG falls back to.
const minDPI = 40

// renderPNG draws a w × h image at dpi with paint and encodes it as PNG,
// again at three quarters of the resolution while it is over MaxPNGBytes
// (a figure of many noisy cells, say) and above minDPI.
// figure names the figure in errors. A panic inside gonum/plot, which the
// figures' checks are meant to rule out, comes back as an error, so that a
// drawing bug costs one figure rather than the run.
func renderPNG(figure string, w, h vg.Length, dpi int, paint func(draw.Canvas)) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("interp: draw %s: gonum/plot panicked: %v", figure, r)
		}
	}()
	for {
		img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
		paint(draw.New(img))
		var buf bytes.Buffer
		if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("interp: render %s: %w", figure, err)
		}
		if buf.Len() <= MaxPNGBytes || dpi <= minDPI {
			return buf.Bytes(), nil
		}
		dpi = max(dpi*3/4, minDPI)
	}
}
