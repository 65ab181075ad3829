package interp

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMMCSAndRecovered(t *testing.T) {
	truth := [][]float64{{1, 0}, {0, 1}}
	learned := [][]float64{{2, 0}, {1, 1}, {0, 0}}
	cos := Cosines(truth, learned)
	s := math.Sqrt(0.5)
	want := [][]float64{{1, s, 0}, {0, s, 0}}
	for i := range want {
		for j := range want[i] {
			if math.Abs(cos[i][j]-want[i][j]) > 1e-12 {
				t.Fatalf("Cosines[%d][%d] = %v; want %v", i, j, cos[i][j], want[i][j])
			}
		}
	}
	tl, lt := MMCS(cos)
	if math.Abs(tl-(1+s)/2) > 1e-12 || math.Abs(lt-(1+s+0)/3) > 1e-12 {
		t.Errorf("MMCS = %v, %v; want %v, %v", tl, lt, (1+s)/2, (1+s)/3)
	}
	if got := Recovered(cos, 0.9); got != 0.5 {
		t.Errorf("Recovered(0.9) = %v; want 0.5", got)
	}
}

// TestMatchedCosineIsOptimal compares the Hungarian match with every
// assignment on small random matrices, square and rectangular.
func TestMatchedCosineIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n, l := 1+rng.IntN(5), 1+rng.IntN(5)
		cos := make([][]float64, n)
		for i := range cos {
			cos[i] = make([]float64, l)
			for j := range cos[i] {
				cos[i][j] = 2*rng.Float64() - 1
			}
		}
		got, match := MatchedCosine(cos)
		want := bruteMatch(cos, 0, make([]bool, l)) / float64(n)
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("MatchedCosine(%v) = %v; best assignment %v", cos, got, want)
		}
		used := map[int]bool{}
		var sum float64
		for i, j := range match {
			if j < 0 {
				continue
			}
			if used[j] {
				t.Fatalf("match %v uses latent %d twice", match, j)
			}
			used[j] = true
			sum += cos[i][j]
		}
		if math.Abs(sum/float64(n)-got) > 1e-12 {
			t.Fatalf("match %v sums to %v; reported %v", match, sum/float64(n), got)
		}
	}
}

// bruteMatch is the best summed cosine of rows i… matched to unused
// columns, a row may stay unmatched (0) only when columns run out.
func bruteMatch(cos [][]float64, i int, used []bool) float64 {
	if i == len(cos) {
		return 0
	}
	best := math.Inf(-1)
	free := 0
	for j := range used {
		if used[j] {
			continue
		}
		free++
		used[j] = true
		best = math.Max(best, cos[i][j]+bruteMatch(cos, i+1, used))
		used[j] = false
	}
	if free < len(cos)-i { // more rows than free columns: some row goes without
		best = math.Max(best, bruteMatch(cos, i+1, used))
	}
	return best
}

func TestFiringFVULossRecovered(t *testing.T) {
	f := []float32{1, 0, 0, 0, 2, 0, 3, 0, 0}
	l0, freq := Firing(f, 3)
	if l0 != 1 || freq[0] != 2.0/3 || freq[1] != 1.0/3 || freq[2] != 0 {
		t.Errorf("Firing = %v, %v; want 1, [2/3 1/3 0]", l0, freq)
	}
	dead, dense := DeadDense(freq)
	if dead != 1.0/3 || dense != 2.0/3 {
		t.Errorf("DeadDense = %v, %v; want 1/3, 2/3", dead, dense)
	}
	x := []float32{1, 3}  // variance about the mean 2: 1 + 1
	xh := []float32{2, 2} // error: 1 + 1
	if got := FVU(x, xh, 1); got != 1 {
		t.Errorf("FVU = %v; want 1", got)
	}
	if got := FVU(x, x, 1); got != 0 {
		t.Errorf("FVU of a perfect reconstruction = %v; want 0", got)
	}
	if got := LossRecovered(1, 1.5, 3); got != 0.75 {
		t.Errorf("LossRecovered(1, 1.5, 3) = %v; want 0.75", got)
	}
}
