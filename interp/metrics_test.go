package interp

import (
	"math"
	"strings"
	"testing"
)

// polygon returns k unit vectors at angles 2πi/k as W [2, k].
func polygon(k int) [][]float64 {
	W := [][]float64{make([]float64, k), make([]float64, k)}
	for i := 0; i < k; i++ {
		a := 2 * math.Pi * float64(i) / float64(k)
		W[0][i], W[1][i] = math.Cos(a), math.Sin(a)
	}
	return W
}

// fromColumns builds W [m, n] from n feature directions of length m.
func fromColumns(cols ...[]float64) [][]float64 {
	W := make([][]float64, len(cols[0]))
	for r := range W {
		W[r] = make([]float64, len(cols))
		for i, c := range cols {
			W[r][i] = c[r]
		}
	}
	return W
}

func scaled(W [][]float64, s float64) [][]float64 {
	out := make([][]float64, len(W))
	for r, row := range W {
		out[r] = make([]float64, len(row))
		for i, v := range row {
			out[r][i] = s * v
		}
	}
	return out
}

var geometries = []struct {
	name string
	W    [][]float64
	want []float64 // Dᵢ
}{
	{"digon", fromColumns([]float64{1, 0}, []float64{-1, 0}), []float64{0.5, 0.5}},
	{"orthogonal pair", fromColumns([]float64{1, 0}, []float64{0, 1}), []float64{1, 1}},
	{"triangle", polygon(3), []float64{2. / 3, 2. / 3, 2. / 3}},
	{"pentagon", polygon(5), []float64{0.4, 0.4, 0.4, 0.4, 0.4}},
	{"hexagon", polygon(6), []float64{1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3}},
	{"tetrahedron", fromColumns(
		[]float64{1, 1, 1}, []float64{1, -1, -1}, []float64{-1, 1, -1}, []float64{-1, -1, 1}),
		[]float64{0.75, 0.75, 0.75, 0.75}},
	{"octahedron", fromColumns(
		[]float64{1, 0, 0}, []float64{-1, 0, 0}, []float64{0, 1, 0},
		[]float64{0, -1, 0}, []float64{0, 0, 1}, []float64{0, 0, -1}),
		[]float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}},
	{"triangular bipyramid", fromColumns(
		[]float64{1, 0, 0},
		[]float64{math.Cos(2 * math.Pi / 3), math.Sin(2 * math.Pi / 3), 0},
		[]float64{math.Cos(4 * math.Pi / 3), math.Sin(4 * math.Pi / 3), 0},
		[]float64{0, 0, 1}, []float64{0, 0, -1}),
		[]float64{2. / 3, 2. / 3, 2. / 3, 0.5, 0.5}},
	{"one zero column", fromColumns([]float64{1, 0}, []float64{0, 0}), []float64{1, 0}},
}

func TestDimensionality(t *testing.T) {
	for _, tt := range geometries {
		for _, s := range []float64{1, 0.3, 2.5} {
			W := scaled(tt.W, s)
			got := Dimensionality(W)
			for i := range tt.want {
				if math.Abs(got[i]-tt.want[i]) > 1e-12 {
					t.Errorf("Dimensionality(%s × %v)[%d] = %v; want %v", tt.name, s, i, got[i], tt.want[i])
				}
			}
			var sum float64
			for _, d := range got {
				sum += d
			}
			if m := float64(len(W)); sum > m+1e-12 {
				t.Errorf("Σ Dᵢ(%s) = %v; want ≤ m = %v", tt.name, sum, m)
			}
		}
	}
}

func TestInterferenceAndNorms(t *testing.T) {
	tests := []struct {
		name  string
		W     [][]float64
		inter float64 // of feature 0
		norm  float64 // of feature 0
		dstar float64
	}{
		{"orthogonal pair", fromColumns([]float64{1, 0}, []float64{0, 1}), 0, 1, 1},
		{"digon", fromColumns([]float64{1, 0}, []float64{-1, 0}), 1, 1, 1},
		{"pentagon", polygon(5), 1.5, 1, 0.4},
		{"long digon", fromColumns([]float64{2, 0}, []float64{-2, 0}), 4, 2, 2. / 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Interference(tt.W)[0]; math.Abs(got-tt.inter) > 1e-12 {
				t.Errorf("Interference[0] = %v; want %v", got, tt.inter)
			}
			if got := Norms(tt.W)[0]; math.Abs(got-tt.norm) > 1e-12 {
				t.Errorf("Norms[0] = %v; want %v", got, tt.norm)
			}
			if got := DimsPerFeature(tt.W); math.Abs(got-tt.dstar) > 1e-12 {
				t.Errorf("DimsPerFeature = %v; want %v", got, tt.dstar)
			}
		})
	}
}

func TestRepresented(t *testing.T) {
	W := fromColumns([]float64{1, 0}, []float64{0.3, 0.3}, []float64{0, 0.51}, []float64{0, 0})
	got := Represented(W)
	want := []int{0, 2}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Represented = %v; want %v", got, want)
	}
	if c := Cosine(polygon(5), 0, 1); math.Abs(c-math.Cos(2*math.Pi/5)) > 1e-12 {
		t.Errorf("Cosine(pentagon, 0, 1) = %v; want %v", c, math.Cos(2*math.Pi/5))
	}
}

func TestDescribe(t *testing.T) {
	r := ToyRun{Features: 5, Hidden: 2, FeatureProbability: 0.05, W: polygon(5), B: []float64{-0.2, -0.2, -0.2, -0.2, -0.2}, Loss: 0.007}
	r.Measure()
	got := r.Describe()
	for _, part := range []string{"5 of 5 features represented [0 1 2 3 4]", "Dᵢ from 0.40 to 0.40", "mean bias of represented features -0.20"} {
		if !strings.Contains(got, part) {
			t.Errorf("Describe(pentagon) = %q; want it to say %q", got, part)
		}
	}
	if strings.Contains(got, "antipodal") {
		t.Errorf("Describe(pentagon) = %q; a pentagon has no antipodal pair", got)
	}
	d := ToyRun{Features: 2, Hidden: 1, FeatureProbability: 0.3, W: fromColumns([]float64{1}, []float64{-1}), B: []float64{0, 0}}
	d.Measure()
	if got := d.Describe(); !strings.Contains(got, "1 antipodal pair(s) (0,1)") {
		t.Errorf("Describe(digon) = %q; want it to name the antipodal pair (0,1)", got)
	}
}
