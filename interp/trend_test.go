package interp

import (
	"math"
	"testing"
)

func TestLossTrend(t *testing.T) {
	falling := make([]float64, 101) // 1/step: still falling 10% over the last tenth
	flat := make([]float64, 101)    // converged, with noise
	for i := range falling {
		falling[i] = 1 / (1 + float64(i)/10)
		flat[i] = 0.5 + 0.01*math.Sin(float64(7*i))
	}
	tests := []struct {
		name    string
		losses  []float64
		falling bool
	}{
		{"still falling", falling, true},
		{"flat with noise", flat, false},
		{"rising", []float64{1, 1, 1, 1, 2, 2}, false},
		{"too short", []float64{3, 2, 1}, false},
		{"NaN", []float64{1, 1, math.NaN(), 1, 1, 1}, false},
		{"noisy drop within the noise", []float64{1, 0.2, 1.8, 0.9, 0.1, 1.7}, false},
	}
	for _, tt := range tests {
		if got := LossTrend(tt.losses); got.StillFalling != tt.falling {
			t.Errorf("LossTrend(%s) = %+v; want StillFalling %v", tt.name, got, tt.falling)
		}
	}
}
