package interp

import (
	"math"
	"testing"
)

func TestPhaseTheory(t *testing.T) {
	// The three losses are equal at the triple point r = 1, s = 4/7.
	r, s := 1.0, 4.0/7
	li, ld, ls := LossIgnored(r, s), LossDedicated(r, s), LossSuperposition(r, s)
	if math.Abs(li-ls) > 1e-15 || math.Abs(ld-ls) > 1e-15 {
		t.Errorf("losses at the triple point: ignored %v, dedicated %v, superposition %v; want equal", li, ld, ls)
	}
	if b := Boundary(1); math.Abs(b-4.0/7) > 1e-15 {
		t.Errorf("Boundary(1) = %v; want 4/7", b)
	}
	// On the boundary superposition ties the better of the other two.
	for _, r := range []float64{0.1, 0.3, 0.7, 1, 1.5, 4, 10} {
		s := Boundary(r)
		best := math.Min(LossIgnored(r, s), LossDedicated(r, s))
		if got := LossSuperposition(r, s); math.Abs(got-best) > 1e-12 {
			t.Errorf("r=%v: superposition loss on the boundary %v; want %v", r, got, best)
		}
	}
	tests := []struct {
		r, s float64
		want Phase
	}{
		{0.5, 0.01, Superposition},
		{0.5, 0.9, Ignored},
		{2, 0.9, Dedicated},
		{2, 0.05, Superposition},
		{0.1, 0.3, Ignored},
		{10, 0.3, Dedicated},
	}
	for _, tt := range tests {
		if got := TheoryPhase(tt.r, tt.s); got != tt.want {
			t.Errorf("TheoryPhase(%v, %v) = %s; want %s", tt.r, tt.s, got, tt.want)
		}
		// The theory phase is the one of lowest loss.
		losses := map[Phase]float64{Ignored: LossIgnored(tt.r, tt.s), Dedicated: LossDedicated(tt.r, tt.s), Superposition: LossSuperposition(tt.r, tt.s)}
		for p, l := range losses {
			if l < losses[tt.want] {
				t.Errorf("r=%v s=%v: %s loss %v below %s loss %v", tt.r, tt.s, p, l, tt.want, losses[tt.want])
			}
		}
	}
}

func TestClassifyPhase(t *testing.T) {
	tests := []struct {
		W    [][]float64
		want Phase
	}{
		{[][]float64{{1, 0.01}}, Ignored},
		{[][]float64{{0.02, -1}}, Dedicated},
		{[][]float64{{1, -0.95}}, Superposition},
		{[][]float64{{1, 0.9}}, Other},
	}
	for _, tt := range tests {
		if got := ClassifyPhase(tt.W); got != tt.want {
			t.Errorf("ClassifyPhase(%v) = %s; want %s", tt.W, got, tt.want)
		}
	}
	extra := []struct {
		W    [][]float64
		want Phase
	}{
		{[][]float64{{1, 0, 0.1}, {0, 1, 0}}, Ignored},
		{[][]float64{{1, 0, 0}, {0, 0.1, 1}}, Dedicated},
		{polygon(3), Superposition},
	}
	for _, tt := range extra {
		if got := ClassifyExtra(tt.W); got != tt.want {
			t.Errorf("ClassifyExtra(%v) = %s; want %s", tt.W, got, tt.want)
		}
	}
}
