package interp

import (
	"math"
	"testing"
)

// TestLabelScorer builds three units over a stream where byte 'a' is always
// label 0, byte 'b' label 1, and byte ' ' label 0 or 1 by context:
//   - unit 0 fires on every 'a': pure label 0, but the byte alone says so
//     (baseline 1): a byte detector, not label-specific;
//   - unit 1 fires on ' ' only where its label is 1: pure by context
//     (baseline 0.5): label-specific;
//   - unit 2 fires everywhere with the same value: specificity = the
//     larger label's share.
func TestLabelScorer(t *testing.T) {
	bytes := []byte("a b a b ")
	labels := []uint8{0, 1, 1, 0, 0, 1, 1, 0}
	// ' ' at positions 1, 3, 5, 7 with labels 1, 0, 1, 0.
	act := make([]float32, len(bytes)*3)
	for r, c := range bytes {
		if c == 'a' {
			act[r*3] = 2
		}
		if c == ' ' && labels[r] == 1 {
			act[r*3+1] = 1
		}
		act[r*3+2] = 1
	}
	s := NewLabelScorer(3, 2)
	if err := s.Add(act, bytes, labels); err != nil {
		t.Fatal(err)
	}
	got := s.Scores()
	tests := []struct {
		unit                      int
		spec, base, share         float64
		label                     int
		labelSpecific, byteDetect bool
	}{
		{0, 1, 1, 1, 0, false, true},
		{1, 1, 0.5, 1, 1, true, true},
		{2, 0.5, 0.5, 0.5, 0, false, false},
	}
	for _, tt := range tests {
		u := got[tt.unit]
		if math.Abs(u.Specificity-tt.spec) > 1e-12 || math.Abs(u.Baseline-tt.base) > 1e-12 || math.Abs(u.ByteShare-tt.share) > 1e-12 || u.TopLabel != tt.label {
			t.Errorf("unit %d: specificity %v, baseline %v, byte share %v, label %d; want %v, %v, %v, %d",
				tt.unit, u.Specificity, u.Baseline, u.ByteShare, u.TopLabel, tt.spec, tt.base, tt.share, tt.label)
		}
		if u.LabelSpecific() != tt.labelSpecific || u.ByteDetector() != tt.byteDetect {
			t.Errorf("unit %d: label-specific %v, byte detector %v; want %v, %v", tt.unit, u.LabelSpecific(), u.ByteDetector(), tt.labelSpecific, tt.byteDetect)
		}
	}
	if got[2].Density != 1 || got[1].Fired != 2 {
		t.Errorf("density %v, fired %d; want 1 and 2", got[2].Density, got[1].Fired)
	}
	if err := s.Add(act[:3], bytes, labels); err == nil {
		t.Error("Add with mismatched lengths succeeded; want an error")
	}
}

func TestSummarise(t *testing.T) {
	scores := []UnitScore{
		{Fired: 100, Specificity: 0.95, Baseline: 0.5, ByteShare: 0.2},
		{Fired: 100, Specificity: 0.95, Baseline: 0.95, ByteShare: 0.9},
		{Fired: 100, Specificity: 0.4},
		{Fired: 5, Specificity: 1}, // dead: not counted
	}
	s := Summarise(scores)
	if s.Units != 4 || s.Alive != 3 || s.LabelSpecific != 1 || s.ByteDetectors != 1 || s.Pure != 2 || s.MedianSpecificity != 0.95 {
		t.Errorf("Summarise = %+v; want 4 units, 3 alive, 1 label-specific, 1 byte detector, 2 pure, median 0.95", s)
	}
}
