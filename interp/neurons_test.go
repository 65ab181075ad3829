package interp

import (
	"slices"
	"testing"
)

func TestNeurons(t *testing.T) {
	W := [][]float64{
		{1, 0.05, -0.8},  // monosemantic: −0.8 only inhibits with non-negative inputs
		{0.9, 0.5, 0},    // polysemantic: 0, 1
		{0.02, 0.05, 0},  // dead
		{0.2, 0.6, 0.55}, // polysemantic: 1, 2, 0 (0.2 ≥ 0.15)
	}
	v := Neurons(W, false)
	if v.Monosemantic != 1 || v.Polysemantic != 2 || v.Dead != 1 {
		t.Errorf("counts mono %d, poly %d, dead %d; want 1, 2, 1", v.Monosemantic, v.Polysemantic, v.Dead)
	}
	want := [][]int{{0}, {0, 1}, {}, {1, 2, 0}}
	for j, nr := range v.Neurons {
		if !slices.Equal(nr.Features, want[j]) {
			t.Errorf("neuron %d carries %v; want %v", j, nr.Features, want[j])
		}
	}
	if got := v.FeaturesPerNeuron; got != 2 {
		t.Errorf("FeaturesPerNeuron = %v; want (1+2+3)/3 = 2", got)
	}
	signed := Neurons(W, true)
	if got := signed.Neurons[0].Features; !slices.Equal(got, []int{0, 2}) {
		t.Errorf("signed inputs: neuron 0 carries %v; want [0 2]", got)
	}
	if got := v.MonosemanticFeatures(); !slices.Equal(got, []int{0}) {
		t.Errorf("MonosemanticFeatures = %v; want [0]", got)
	}
}

func TestAsymmetricMotifs(t *testing.T) {
	W1 := [][]float64{{1, 0.3}, {1, 0.9}} // [m=2, n=2]
	W2 := [][]float64{{0.2, 1}, {1, 1}}   // [n=2, m=2]
	got := AsymmetricMotifs(W1, W2)
	if len(got) != 1 || got[0].Neuron != 0 || got[0].Strong != 0 || got[0].Weak != 1 {
		t.Fatalf("AsymmetricMotifs = %+v; want neuron 0 with strong 0, weak 1", got)
	}
	if got[0].InRatio < 3.3 || got[0].OutRatio != 1/0.2 {
		t.Errorf("ratios in %v, out %v; want 1/0.3 and 5", got[0].InRatio, got[0].OutRatio)
	}
}
