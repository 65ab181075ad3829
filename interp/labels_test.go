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

// TestLabelScorerF1 checks the F1 scores, the coverage and the union of
// specific units on the stream of TestLabelScorer, with a fourth unit that
// separates the labels only above a threshold: 2 on label-1 bytes, 0.1 on
// label-0 bytes.
func TestLabelScorerF1(t *testing.T) {
	bytes := []byte("a b a b ")
	labels := []uint8{0, 1, 1, 0, 0, 1, 1, 0}
	const units = 4
	act := make([]float32, len(bytes)*units)
	for r, c := range bytes {
		if c == 'a' {
			act[r*units] = 2
		}
		if c == ' ' && labels[r] == 1 {
			act[r*units+1] = 1
		}
		act[r*units+2] = 1
		act[r*units+3] = 0.1
		if labels[r] == 1 {
			act[r*units+3] = 2
		}
	}
	s := NewLabelScorer(units, 2)
	if err := s.Add(act, bytes, labels); err != nil {
		t.Fatal(err)
	}
	got := s.Scores()
	tests := []struct {
		unit  int
		f1    float64
		label int
		// The best threshold lies in [lo, hi].
		lo, hi float32
	}{
		{0, 2.0 / 3, 0, 0, 1},   // 'a': 2 of label 0's 4 bytes, no false positive
		{1, 2.0 / 3, 1, 0, 0.5}, // ' ' of label 1: 2 of 4
		{2, 2.0 / 3, 0, 0, 0.5}, // everywhere: 2·4/(8+4)
		{3, 1, 1, 0.25, 1},      // above 0.1: exactly label 1
	}
	for _, tt := range tests {
		u := got[tt.unit]
		if math.Abs(u.F1-tt.f1) > 1e-12 || u.F1Label != tt.label || u.F1Threshold < tt.lo || u.F1Threshold > tt.hi {
			t.Errorf("unit %d: F1 %v for label %d at θ %v; want %v for label %d at θ in [%v, %v]", tt.unit, u.F1, u.F1Label, u.F1Threshold, tt.f1, tt.label, tt.lo, tt.hi)
		}
	}
	// Every unit fired on fewer than AliveMin bytes: coverage needs alive
	// units, so mark them alive for this check.
	for i := range got {
		got[i].Fired = AliveMin
	}
	cov := Coverage(got, []string{"zero", "one"})
	if cov[0].Unit != 0 || math.Abs(cov[0].F1-2.0/3) > 1e-12 || cov[1].Unit != 3 || cov[1].F1 != 1 {
		t.Errorf("coverage %+v; want unit 0 (2/3) for label 0 and unit 3 (1) for label 1", cov)
	}
	sets := SpecificSets(got, 2)
	if len(sets[0]) != 0 || len(sets[1]) != 2 || sets[1][0] != 1 || sets[1][1] != 3 {
		t.Fatalf("specific sets %v; want [] and [1 3]", sets)
	}
	us := NewUnionScorer(units, sets)
	if err := us.Add(act, labels); err != nil {
		t.Fatal(err)
	}
	us.Fill(cov)
	// "Active" in a union is any positive activation: unit 3's 0.1 on
	// label-0 bytes makes the union fire everywhere, 2·4/(8+4).
	if cov[1].Union != 2 || math.Abs(cov[1].UnionF1-2.0/3) > 1e-12 || cov[0].Union != 0 || cov[0].UnionF1 != 0 {
		t.Errorf("unions %+v; want label 1: 2 units, F1 2/3; label 0: none", cov)
	}
	if err := us.Add(act[:3], labels); err == nil {
		t.Error("UnionScorer.Add with mismatched lengths succeeded; want an error")
	}
}
