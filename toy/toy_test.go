package toy

import (
	"math"
	"math/rand/v2"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

func TestMarginalStatistics(t *testing.T) {
	const rows = 200000
	tests := []struct {
		name   string
		cfg    Config
		signed bool
	}{
		{"dense", Config{Features: 4, Probability: []float64{1}}, false},
		{"p=0.3", Config{Features: 4, Probability: []float64{0.3}}, false},
		{"p=0.02", Config{Features: 4, Probability: []float64{0.02}}, false},
		{"per feature", Config{Features: 4, Probability: []float64{1, 0.5, 0.1, 0.01}}, false},
		{"signed p=0.3", Config{Features: 4, Probability: []float64{0.3}, Signed: true}, true},
		{"correlated", Config{Features: 4, Probability: []float64{0.2}, Correlated: [][]int{{0, 1}, {2, 3}}}, false},
		{"anticorrelated", Config{Features: 4, Probability: []float64{0.2}, Anticorrelated: [][]int{{0, 1}, {2, 3}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewSource(tt.cfg, newRand(1))
			if err != nil {
				t.Fatal(err)
			}
			n := tt.cfg.Features
			x := make([]float32, rows*n)
			src.Fill(x)
			for f := 0; f < n; f++ {
				p := tt.cfg.prob(f)
				var active, sum, sumSq float64
				for r := 0; r < rows; r++ {
					v := float64(x[r*n+f])
					if v != 0 {
						active++
					}
					sum += v
					sumSq += v * v
				}
				mean := sum / rows
				variance := sumSq/rows - mean*mean
				wantMean, wantVar := p/2, p/3-p*p/4
				if tt.signed {
					wantMean, wantVar = 0, p/3
				}
				// Tolerances are 5 standard errors of each estimate.
				if got, se := active/rows, math.Sqrt(p*(1-p)/rows); math.Abs(got-p) > 5*se+1e-9 {
					t.Errorf("feature %d: P(x≠0) = %v; want %v ± %v", f, got, p, 5*se)
				}
				if se := math.Sqrt(wantVar / rows); math.Abs(mean-wantMean) > 5*se {
					t.Errorf("feature %d: mean = %v; want %v ± %v", f, mean, wantMean, 5*se)
				}
				if se := math.Sqrt((p/5)/rows) + 1e-9; math.Abs(variance-wantVar) > 5*se {
					t.Errorf("feature %d: variance = %v; want %v ± %v", f, variance, wantVar, 5*se)
				}
			}
		})
	}
}

func TestSets(t *testing.T) {
	const rows = 50000
	cfg := Config{Features: 6, Probability: []float64{0.3},
		Correlated: [][]int{{0, 1}}, Anticorrelated: [][]int{{2, 3, 4}}}
	src, err := NewSource(cfg, newRand(2))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, rows*6)
	src.Fill(x)
	var both int
	for r := 0; r < rows; r++ {
		row := x[r*6 : (r+1)*6]
		if (row[0] != 0) != (row[1] != 0) {
			t.Fatalf("row %d: correlated features 0, 1 not co-active: %v", r, row)
		}
		if row[0] != 0 {
			both++
		}
		active := 0
		for _, f := range []int{2, 3, 4} {
			if row[f] != 0 {
				active++
			}
		}
		if active > 1 {
			t.Fatalf("row %d: %d anticorrelated features active at once: %v", r, active, row)
		}
	}
	if got := float64(both) / rows; math.Abs(got-0.3) > 0.02 {
		t.Errorf("P(correlated set active) = %v; want 0.3", got)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Features: 5, Probability: []float64{0.1}}
	a, _ := NewSource(cfg, newRand(9))
	b, _ := NewSource(cfg, newRand(9))
	xa, xb := make([]float32, 5000), make([]float32, 5000)
	for k := 0; k < 3; k++ {
		a.Fill(xa)
		b.Fill(xb)
		for i := range xa {
			if xa[i] != xb[i] {
				t.Fatalf("batch %d: x[%d] = %v and %v from the same seed", k, i, xa[i], xb[i])
			}
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no features", Config{Features: 0, Probability: []float64{1}}},
		{"p zero", Config{Features: 2, Probability: []float64{0}}},
		{"p above one", Config{Features: 2, Probability: []float64{1.5}}},
		{"p NaN", Config{Features: 2, Probability: []float64{math.NaN()}}},
		{"wrong count", Config{Features: 3, Probability: []float64{1, 1}}},
		{"set out of range", Config{Features: 2, Probability: []float64{1}, Correlated: [][]int{{0, 2}}}},
		{"overlapping sets", Config{Features: 3, Probability: []float64{0.1}, Correlated: [][]int{{0, 1}}, Anticorrelated: [][]int{{1, 2}}}},
		{"anticorrelated too dense", Config{Features: 2, Probability: []float64{0.6}, Anticorrelated: [][]int{{0, 1}}}},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); err == nil {
			t.Errorf("Validate(%s) = nil; want an error", tt.name)
		}
	}
}

func TestPowers(t *testing.T) {
	got := Powers(20, 0, 1, 10)
	if got[0] != 1 || math.Abs(got[9]-0.05) > 1e-15 {
		t.Errorf("Powers(20, 0, 1, 10) ends = %v, %v; want 1, 0.05", got[0], got[9])
	}
	if g := Geometric(3, 0.9); g[0] != 1 || math.Abs(g[2]-0.81) > 1e-15 {
		t.Errorf("Geometric(3, 0.9) = %v; want [1 0.9 0.81]", g)
	}
}
