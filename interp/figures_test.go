package interp

import (
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

var (
	nan = math.NaN()
	inf = math.Inf(1)
)

// TestFiguresDegenerateInputs calls every figure function with the inputs a
// valid run can produce at its edges (one point, equal values, zeros,
// non-positive values on a log axis, NaN, Inf, nothing at all): each must
// return without panicking and leave a PNG that decodes, or, for programmer
// misuse, return an error naming the figure and write nothing.
func TestFiguresDegenerateInputs(t *testing.T) {
	one := func(x, y float64) Series { return Series{X: []float64{x}, Y: []float64{y}, Line: true, Points: true} }
	xy := func(x, y []float64) Series { return Series{Name: "s", X: x, Y: y, Line: true, Points: true} }
	chart := func(c Chart, s ...Series) func(string) error {
		return func(path string) error { return SaveChart(path, c, s...) }
	}
	logX := Chart{Title: "log x", LogX: true, YMin: 0, YMax: 1.1, HLines: []Guide{{Y: 1, Label: "1"}, {Y: 0.5, Label: "1/2"}}}
	logXY := Chart{Title: "log x and y", LogX: true, LogY: true}
	heat := func(panels ...HeatPanel) func(string) error {
		return func(path string) error { return SaveHeatmaps(path, 2, panels) }
	}
	dirs := func(panels ...DirectionPanel) func(string) error {
		return func(path string) error { return SaveDirections(path, 2, panels) }
	}
	dens := func(panels ...DensityPanel) func(string) error {
		return func(path string) error { return SaveDensityHistograms(path, 2, panels) }
	}
	bars := func(panels ...NeuronPanel) func(string) error {
		return func(path string) error { return SaveNeuronBars(path, 2, panels) }
	}
	tests := []struct {
		name string
		save func(path string) error
		// wantErr is a substring of the error for misuse; "" means the
		// figure must be drawn.
		wantErr string
	}{
		// SaveChart.
		{name: "chart/no series", save: chart(Chart{Title: "empty"})},
		{name: "chart/empty series", save: chart(Chart{Title: "empty"}, xy(nil, nil))},
		{name: "chart/empty series log", save: chart(logXY, xy(nil, nil))},
		{name: "chart/guides only", save: chart(logX, Series{Points: true})},
		{name: "chart/one point", save: chart(Chart{Title: "one"}, one(3, 0.5))},
		{name: "chart/one point log x (geometry -probabilities 1)", save: chart(logX, one(1, 1))},
		{name: "chart/one point log x and y", save: chart(logXY, one(5, 5))},
		{name: "chart/one point per series log x (saesweep -l1s 0.3)", save: chart(Chart{Title: "l1", LogX: true, YMin: 0, YMax: 1.02, HLines: []Guide{{Y: 0.9, Label: "0.9"}}},
			one(0.3, 0.8), one(0.3, 0.7))},
		{name: "chart/all equal", save: chart(Chart{Title: "equal"}, xy([]float64{2, 2, 2}, []float64{7, 7, 7}))},
		{name: "chart/all equal log", save: chart(logXY, xy([]float64{2, 2, 2}, []float64{7, 7, 7}))},
		{name: "chart/all zero", save: chart(Chart{Title: "zero"}, xy([]float64{0, 0}, []float64{0, 0}))},
		{name: "chart/all zero log", save: chart(logXY, xy([]float64{0, 0}, []float64{0, 0}))},
		{name: "chart/zeros on log axes", save: chart(logXY, xy([]float64{0, 1, 10}, []float64{1, 0, 100}))},
		{name: "chart/negatives on log axes", save: chart(logXY, xy([]float64{-1, 1, 10}, []float64{1, -5, 100}))},
		{name: "chart/all negative log y", save: chart(Chart{Title: "neg", LogY: true}, xy([]float64{1, 2, 3}, []float64{-1, -2, -3}))},
		{name: "chart/NaN", save: chart(Chart{Title: "nan"}, xy([]float64{1, nan, 3}, []float64{1, 2, nan}))},
		{name: "chart/all NaN", save: chart(logX, xy([]float64{nan, nan}, []float64{nan, nan}))},
		{name: "chart/Inf", save: chart(logXY, xy([]float64{1, inf, 3}, []float64{1, 2, -inf}))},
		{name: "chart/huge values", save: chart(Chart{Title: "huge"}, xy([]float64{-math.MaxFloat64, math.MaxFloat64}, []float64{math.MaxFloat64, -math.MaxFloat64}))},
		{name: "chart/tiny values", save: chart(Chart{Title: "tiny"}, xy([]float64{5e-324, 1e-310}, []float64{1e-320, 1e-320}))},
		{name: "chart/tiny values log", save: chart(logXY, xy([]float64{5e-324, 1e-300}, []float64{5e-324, 5e-324}))},
		{name: "chart/guides at zero and NaN on log y", save: chart(Chart{Title: "guides", LogY: true, HLines: []Guide{{Y: 0}, {Y: nan}, {Y: inf}, {Y: 10, Label: "10"}}}, one(1, 1))},
		{name: "chart/fixed range non-positive on log", save: chart(Chart{Title: "fixed", LogX: true, LogY: true, XMin: -1, XMax: 10, YMin: 0, YMax: 1}, xy([]float64{1, 2}, []float64{0.5, 0.7}))},
		{name: "chart/fixed range NaN and Inf", save: chart(Chart{Title: "fixed", XMin: nan, XMax: 1, YMin: -inf, YMax: inf}, xy([]float64{1, 2}, []float64{0.5, 0.7}))},
		{name: "chart/odd size and radius", save: chart(Chart{Title: "size", Width: 5, Height: -1}, Series{X: []float64{1, 2}, Y: []float64{1, 2}, Points: true, Radius: nan})},
		{name: "chart/mismatched series", save: chart(Chart{Title: "bad"}, xy([]float64{1, 2}, []float64{1})), wantErr: `"bad"`},

		// SaveHeatmaps.
		{name: "heatmaps/no panels", save: heat()},
		{name: "heatmaps/empty", save: heat(HeatPanel{Title: "nil"}, HeatPanel{Title: "empty rows", Z: [][]float64{{}, {}}})},
		{name: "heatmaps/one cell", save: heat(HeatPanel{Title: "one", Z: [][]float64{{0.3}}})},
		{name: "heatmaps/one row and one column", save: heat(HeatPanel{Z: [][]float64{{1, 2, 3}}}, HeatPanel{Z: [][]float64{{1}, {2}, {3}}})},
		{name: "heatmaps/all zero", save: heat(HeatPanel{Title: "zero", Z: [][]float64{{0, 0}, {0, 0}}})},
		{name: "heatmaps/all equal", save: heat(HeatPanel{Title: "equal", Z: [][]float64{{-4, -4}, {-4, -4}}})},
		{name: "heatmaps/ragged", save: heat(HeatPanel{Title: "ragged", Z: [][]float64{{1}, {1, 2, 3}, {}}})},
		{name: "heatmaps/NaN and Inf", save: heat(HeatPanel{Title: "nan", Z: [][]float64{{nan, nan}, {nan, nan}}}, HeatPanel{Title: "inf", Z: [][]float64{{inf, -inf}, {1, nan}}})},
		{name: "heatmaps/huge", save: heat(HeatPanel{Z: [][]float64{{math.MaxFloat64, -math.MaxFloat64}}}, HeatPanel{Z: [][]float64{{1, 2}}, Limit: math.MaxFloat64})},
		{name: "heatmaps/bad limits", save: heat(HeatPanel{Z: [][]float64{{1}}, Limit: nan}, HeatPanel{Z: [][]float64{{1}}, Limit: -2}, HeatPanel{Z: [][]float64{{1}}, Limit: inf})},
		{name: "heatmaps/gram with bias of nothing", save: heat(GramWithBias("empty", [][]float64{{}, {}}, nil))},
		{name: "heatmaps/gram with bias", save: heat(GramWithBias("gram", [][]float64{{1, 0, 0.5}, {0, 1, 0.5}}, []float64{-0.2, 0, 3}))},
		{name: "heatmaps/side only", save: heat(HeatPanel{Title: "side", Side: []float64{1, -1}, SideLabel: "b"})},
		{name: "heatmaps/side longer than Z and NaN", save: heat(HeatPanel{Z: [][]float64{{1}}, Side: []float64{nan, 2, inf}, SideLabel: "b"})},
		{name: "heatmaps/tiny values", save: heat(HeatPanel{Z: [][]float64{{5e-324, -1e-310}}}, HeatPanel{Z: [][]float64{{1e-300}}})},
		{name: "heatmaps/short tick names", save: heat(HeatPanel{Z: [][]float64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}, Columns: []string{"a"}, Rows: []string{"x"}, XLabel: "x", YLabel: "y"})},
		{name: "heatmaps/long title and labels", save: heat(HeatPanel{Title: strings.Repeat("a very long title ", 20) + strings.Repeat("x", 200), Z: [][]float64{{1}}, Label: strings.Repeat("L", 80), XLabel: strings.Repeat("X", 300), YLabel: strings.Repeat("Y", 300)})},
		{name: "heatmaps/large", save: heat(HeatPanel{Title: "200 × 300", Z: noise(200, 300)}, HeatPanel{Title: "1 × 500", Z: noise(1, 500)})},

		// SaveDirections.
		{name: "directions/no panels", save: dirs()},
		{name: "directions/no features", save: dirs(DirectionPanel{Title: "none", W: [][]float64{{}, {}}})},
		{name: "directions/one feature at the origin", save: dirs(DirectionPanel{Title: "origin", W: [][]float64{{0}, {0}}})},
		{name: "directions/all equal", save: dirs(DirectionPanel{Title: "equal", W: [][]float64{{0.5, 0.5}, {0.5, 0.5}}})},
		{name: "directions/NaN and Inf", save: dirs(DirectionPanel{Title: "nan", W: [][]float64{{nan, 1, inf}, {0, nan, 1}}})},
		{name: "directions/huge", save: dirs(DirectionPanel{Title: "huge", W: [][]float64{{math.MaxFloat64, -math.MaxFloat64}, {1, 1}}})},
		{name: "directions/one row", save: dirs(DirectionPanel{Title: "1-D", W: [][]float64{{1, 2}}}), wantErr: `"1-D"`},
		{name: "directions/ragged", save: dirs(DirectionPanel{Title: "ragged", W: [][]float64{{1, 2}, {1}}}), wantErr: `"ragged"`},

		// SaveDensityHistograms.
		{name: "density/no panels", save: dens()},
		{name: "density/no latents", save: dens(DensityPanel{Title: "none"})},
		{name: "density/all dead", save: dens(DensityPanel{Title: "dead", Freq: []float64{0, 0, 0}})},
		{name: "density/one latent", save: dens(DensityPanel{Title: "one", Freq: []float64{0.2}})},
		{name: "density/all equal", save: dens(DensityPanel{Title: "equal", Freq: []float64{0.1, 0.1, 0.1, 0.1}})},
		{name: "density/NaN, Inf and negative", save: dens(DensityPanel{Title: "bad", Freq: []float64{nan, inf, -0.5, 0.01, 1}})},
		{name: "density/only NaN", save: dens(DensityPanel{Title: "nan", Freq: []float64{nan, nan}})},

		// SaveNeuronBars.
		{name: "neurons/no panels", save: bars()},
		{name: "neurons/no neurons", save: bars(NeuronPanel{Title: "none"})},
		{name: "neurons/no features", save: bars(NeuronPanel{Title: "no features", W: [][]float64{{}, {}}})},
		{name: "neurons/one weight", save: bars(NeuronPanel{Title: "one", W: [][]float64{{0.7}}})},
		{name: "neurons/all zero", save: bars(NeuronPanel{Title: "zero", W: [][]float64{{0, 0}, {0, 0}}})},
		{name: "neurons/negative unsigned", save: bars(NeuronPanel{Title: "negative", W: [][]float64{{-1, -2}, {-3, -4}}})},
		{name: "neurons/NaN and Inf", save: bars(NeuronPanel{Title: "nan", W: [][]float64{{nan, 1}, {inf, -inf}}, Signed: true})},
		{name: "neurons/ragged", save: bars(NeuronPanel{Title: "ragged", W: [][]float64{{1, 2, 3}, {1}, {}}})},
		{name: "neurons/many features and neurons", save: bars(NeuronPanel{Title: "n = 100, m = 40", W: noise(40, 100), Signed: true}, NeuronPanel{Title: "one neuron", W: noise(1, 3)})},
		{name: "neurons/thousands of neurons", save: bars(NeuronPanel{Title: "m = 2000", W: noise(2000, 2)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "figure.png")
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
						t.Errorf("%s panicked: %v", tt.name, r)
					}
				}()
				return tt.save(path)
			}()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v; want one containing %s", err, tt.wantErr)
				}
				if _, serr := os.Stat(path); serr == nil {
					t.Errorf("%s was written despite the error", path)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v; want none", err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("no figure: %v", err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("figure is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() == 0 || b.Dy() == 0 {
				t.Errorf("figure is %d×%d; want a non-empty image", b.Dx(), b.Dy())
			}
		})
	}
}

// noise is a seeded [rows, cols] matrix of values in [−1, 1).
func noise(rows, cols int) [][]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	z := make([][]float64, rows)
	for i := range z {
		z[i] = make([]float64, cols)
		for j := range z[i] {
			z[i][j] = 2*rng.Float64() - 1
		}
	}
	return z
}

// TestFigureSizes draws the largest figures the experiments make, with
// noise for data (the worst case for PNG compression), and checks that each
// stays within MaxPNGBytes.
func TestFigureSizes(t *testing.T) {
	grams := make([]HeatPanel, 7)
	for i := range grams {
		grams[i] = GramWithBias(fmt.Sprintf("p = %d", i), noise(20, 100), noise(1, 100)[0])
	}
	bars := make([]NeuronPanel, 7)
	for i := range bars {
		bars[i] = NeuronPanel{Title: fmt.Sprintf("p = %d", i), W: noise(40, 100), Signed: true}
	}
	var xs, ys []float64
	for i := range 2000 {
		xs, ys = append(xs, float64(i)), append(ys, math.Sin(float64(i)))
	}
	tests := []struct {
		name string
		save func(path string) error
	}{
		{"basic with -features 100: 7 Gram matrices", func(path string) error { return SaveHeatmaps(path, 5, grams) }},
		{"absval's neurons, n = 100, m = 40", func(path string) error { return SaveNeuronBars(path, 4, bars) }},
		{"a chart of 2,000 points", func(path string) error {
			return SaveChart(path, Chart{Title: "many"}, Series{Name: "sin", X: xs, Y: ys, Points: true})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "figure.png")
			if err := tt.save(path); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() > MaxPNGBytes {
				t.Errorf("%s: %d bytes; want at most %d", tt.name, fi.Size(), MaxPNGBytes)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		log    bool
		lo, hi float64
	}{
		{name: "empty", lo: 0, hi: 1},
		{name: "empty log", log: true, lo: 1, hi: 10},
		{name: "zero", values: []float64{0, 0}, lo: -1, hi: 1},
		{name: "one value", values: []float64{5}, lo: 4.5, hi: 5.5},
		{name: "negative value", values: []float64{-2}, lo: -2.2, hi: -1.8},
		{name: "range", values: []float64{3, 1, 2}, lo: 1, hi: 3},
		{name: "log one value", values: []float64{0.3}, log: true, lo: 0.1, hi: 1},
		{name: "log power of ten", values: []float64{1000}, log: true, lo: 100, hi: 10000},
		{name: "log no decade inside", values: []float64{0.15, 0.6}, log: true, lo: 0.1, hi: 1},
		{name: "log decade inside", values: []float64{2, 20}, log: true, lo: 2, hi: 20},
		{name: "log decade at an end", values: []float64{1, 20}, log: true, lo: 1, hi: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e extent
			for _, v := range tt.values {
				e.add(v)
			}
			lo, hi := e.span(tt.log)
			if math.Abs(lo-tt.lo) > 1e-12*math.Abs(tt.lo) || math.Abs(hi-tt.hi) > 1e-12*math.Abs(tt.hi) {
				t.Errorf("span(%v, log %v) = [%v, %v]; want [%v, %v]", tt.values, tt.log, lo, hi, tt.lo, tt.hi)
			}
		})
	}
}

// TestLogTicksLabels checks which values logTicks labels: the powers of ten
// in range (and the 2s and 5s on two decades or less), or the ends when none
// of these is.
func TestLogTicksLabels(t *testing.T) {
	tests := []struct {
		min, max float64
		want     []float64
	}{
		{min: 0.1, max: 1, want: []float64{0.1, 0.2, 0.5, 1}},
		{min: 1, max: 100, want: []float64{1, 2, 5, 10, 20, 50, 100}},
		{min: 1, max: 1000, want: []float64{1, 10, 100, 1000}},
		{min: 0.9, max: 22, want: []float64{1, 2, 5, 10, 20}},
		{min: 0.03, max: 1, want: []float64{0.05, 0.1, 0.2, 0.5, 1}},
		{min: 1e-5, max: 1e-4, want: []float64{1e-5, 2e-5, 5e-5, 1e-4}},
		{min: 1e-6, max: 1e-3, want: []float64{1e-6, 1e-5, 1e-4, 1e-3}},
		{min: 0.15, max: 0.6, want: []float64{0.2, 0.5}},
		{min: 0.21, max: 0.45, want: []float64{0.21, 0.45}},
		{min: 0, max: 1},
		{min: 1, max: inf},
	}
	for _, tt := range tests {
		var got []float64
		for _, tk := range (logTicks{}).Ticks(tt.min, tt.max) {
			if tk.Label != "" {
				got = append(got, tk.Value)
			}
		}
		ok := len(got) == len(tt.want)
		for i := 0; ok && i < len(got); i++ {
			ok = math.Abs(got[i]-tt.want[i]) <= 1e-12*tt.want[i]
		}
		if !ok {
			t.Errorf("logTicks.Ticks(%v, %v) labels %v; want %v", tt.min, tt.max, got, tt.want)
		}
	}
}

// TestSpread checks the placement of guide labels: labels far apart stay
// where they are, colliding ones move apart to exactly one height between
// them, centred on their mean, and all stay within the bounds when they fit.
func TestSpread(t *testing.T) {
	tests := []struct {
		name      string
		want, got []vg.Length
		h, lo, hi vg.Length
	}{
		{name: "apart", want: []vg.Length{10, 50, 90}, got: []vg.Length{10, 50, 90}, h: 10, lo: 0, hi: 100},
		{name: "two collide", want: []vg.Length{50, 52}, got: []vg.Length{46, 56}, h: 10, lo: 0, hi: 100},
		{name: "unsorted", want: []vg.Length{52, 50}, got: []vg.Length{56, 46}, h: 10, lo: 0, hi: 100},
		{name: "chain", want: []vg.Length{40, 45, 50, 80}, got: []vg.Length{35, 45, 55, 80}, h: 10, lo: 0, hi: 100},
		{name: "against the top", want: []vg.Length{99, 100}, got: []vg.Length{85, 95}, h: 10, lo: 0, hi: 100},
		{name: "against the bottom", want: []vg.Length{0, 1}, got: []vg.Length{5, 15}, h: 10, lo: 0, hi: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := spread(tt.want, tt.h, tt.lo, tt.hi)
			for i := range got {
				if math.Abs(float64(got[i]-tt.got[i])) > 1e-9 {
					t.Fatalf("spread(%v, h %v, [%v, %v]) = %v; want %v", tt.want, tt.h, tt.lo, tt.hi, got, tt.got)
				}
			}
		})
	}
}
