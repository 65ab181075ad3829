package toy

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var gapProbabilities = []float64{0.999999, 0.99, 0.9, 0.75, 0.5, 0.3, 0.1, 0.05, 0.01, 1e-4, 1e-7}

// TestGapSamplerIsExact: with and without its table, the sampler must give
// exactly ⌊log u / log(1−p)⌋ for every draw, including the draws right at
// the table's split points and slice edges, where random draws rarely land.
func TestGapSamplerIsExact(t *testing.T) {
	for _, p := range gapProbabilities {
		for _, withTable := range []bool{false, true} {
			g := newGapSampler(p)
			if withTable {
				g.table = newGapTable(g.logq)
			}
			a, b := newRand(9), newRand(9)
			for i := 0; i < 200000; i++ {
				got := g.draw(a)
				u := 1 - b.Float64()
				if want := int(math.Floor(math.Log(u) / g.logq)); got != want {
					t.Fatalf("p=%v table=%v draw %d (u=%v): gap %d; want %d", p, withTable, i, u, got, want)
				}
			}
			if !withTable {
				continue
			}
			var edges []float64
			for j := range gapBuckets {
				edge := float64(j) / gapBuckets
				edges = append(edges, edge, edge+ulp53, edge-ulp53)
				if s := g.table.split[j]; s > 0 {
					edges = append(edges, s, s+ulp53, s-ulp53)
				}
			}
			for _, u := range edges {
				if u <= 0 || u > 1 {
					continue
				}
				if got, want := g.table.gap(u, g.logq), gapOf(u, g.logq); got != want {
					t.Fatalf("p=%v: table gap at u=%v is %d; want %d", p, u, got, want)
				}
			}
		}
	}
}

// TestGapTableCoverage: for the probabilities the experiments use, the table
// must answer nearly every draw without a logarithm, or it does not pay.
func TestGapTableCoverage(t *testing.T) {
	for _, p := range []float64{0.9, 0.5, 0.1, 0.05, 0.02} {
		tab := newGapTable(math.Log1p(-p))
		var exact float64 // probability mass of slices that use the formula
		for j := range gapBuckets {
			if tab.lo[j] < 0 {
				exact += 1.0 / gapBuckets
			}
		}
		if exact > 0.05 {
			t.Errorf("p=%v: %.1f%% of draws fall back to the logarithm; want ≤ 5%%", p, 100*exact)
		}
	}
}

// referenceFill is the direct implementation of Fill: every gap from the
// formula. The fast Fill must produce the same batches, draw for draw.
func referenceFill(s *Source, x []float32) {
	n := s.cfg.Features
	rows := len(x) / n
	clear(x)
	gap := func(p float64) int {
		logq := math.Log1p(-p)
		if math.IsInf(logq, -1) {
			return 0
		}
		return gapOf(1-s.rng.Float64(), logq)
	}
	for _, u := range s.units {
		for r := gap(u.p); r < rows; r += 1 + gap(u.p) {
			row := x[r*n : (r+1)*n]
			if u.one {
				row[u.members[s.rng.IntN(len(u.members))]] = s.value()
				continue
			}
			for _, f := range u.members {
				row[f] = s.value()
			}
		}
	}
}

func TestFillMatchesReference(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"dense", Config{Features: 3, Probability: []float64{1}}},
		{"dense signed", Config{Features: 3, Probability: []float64{1}, Signed: true}},
		{"p=0.3", Config{Features: 20, Probability: []float64{0.3}}},
		{"p=0.05 signed", Config{Features: 20, Probability: []float64{0.05}, Signed: true}},
		{"per feature", Config{Features: 4, Probability: []float64{1, 0.7, 0.2, 0.05}}},
		{"sets", Config{Features: 7, Probability: []float64{0.2}, Correlated: [][]int{{0, 1}}, Anticorrelated: [][]int{{2, 3, 4}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fast, err := NewSource(tt.cfg, newRand(3))
			if err != nil {
				t.Fatal(err)
			}
			direct, err := NewSourcePCG(tt.cfg, rand.NewPCG(3, 7)) // newRand(3)'s source
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := NewSource(tt.cfg, newRand(3))
			const rows = 4096
			got, want := make([]float32, rows*tt.cfg.Features), make([]float32, rows*tt.cfg.Features)
			gotDirect := make([]float32, rows*tt.cfg.Features)
			// Enough batches that every probability's table gets built and
			// is then used for a few batches.
			built := -1
			for batch := 0; batch < 1000 && (built < 0 || batch < built+3); batch++ {
				fast.Fill(got)
				direct.Fill(gotDirect)
				referenceFill(ref, want)
				if i := firstDiff(got, want); i >= 0 {
					t.Fatalf("batch %d: x[%d] = %v; want %v", batch, i, got[i], want[i])
				}
				if i := firstDiff(gotDirect, want); i >= 0 {
					t.Fatalf("batch %d, drawing from the PCG directly: x[%d] = %v; want %v", batch, i, gotDirect[i], want[i])
				}
				if built < 0 && allTables(fast) {
					built = batch
				}
			}
			if built < 0 {
				t.Errorf("tables never all built")
			}
		})
	}
}

func allTables(s *Source) bool {
	for _, g := range s.samplers {
		if g.logq != math.Inf(-1) && g.table == nil {
			return false
		}
	}
	return true
}

func firstDiff(a, b []float32) int {
	if slices.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

func BenchmarkFill(b *testing.B) {
	for _, p := range []float64{1, 0.3, 0.05} {
		b.Run(formatP(p), func(b *testing.B) {
			src, err := NewSourcePCG(Config{Features: 200, Probability: []float64{p}}, rand.NewPCG(1, 2))
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float32, 1024*200)
			src.Fill(x)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				src.Fill(x)
			}
		})
	}
}

func formatP(p float64) string {
	switch p {
	case 1:
		return "p=1"
	case 0.3:
		return "p=0.3"
	}
	return "p=0.05"
}

func BenchmarkFillRand(b *testing.B) {
	for _, p := range []float64{1, 0.3, 0.05} {
		b.Run(formatP(p), func(b *testing.B) {
			src, err := NewSource(Config{Features: 200, Probability: []float64{p}}, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float32, 1024*200)
			src.Fill(x)
			for range b.N {
				src.Fill(x)
			}
		})
	}
}
