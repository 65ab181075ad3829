package graph

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pairSource gives two named float inputs, x and y = 2x, and an int input of
// row numbers that no model reads.
type pairSource struct{ rng *rand.Rand }

func (s pairSource) Inputs() []Input {
	return []Input{{Name: "x", Kind: Float, Width: 3}, {Name: "y", Kind: Float, Width: 3}, {Name: "row", Kind: Int, Width: 1}}
}

func (s pairSource) Fill(b *Batch) {
	x, y, row := b.Floats("x"), b.Floats("y"), b.Ints("row")
	for i := range x {
		x[i] = float32(s.rng.NormFloat64())
		y[i] = 2 * x[i]
	}
	for i := range row {
		row[i] = i
	}
}

// scaleModel fits y ≈ x ⊙ w, reading both inputs by name.
type scaleModel struct{ name string }

func (m scaleModel) Loss(b *Builder, in Inputs) []Term {
	x, y := in.Node("x"), in.Node(m.name)
	w := b.Param("w", Zeros, 3)
	return []Term{{Name: "mse", Node: b.WeightedSqErr(y, b.MulRow(x, w), b.Const([]float64{1, 1, 1}))}}
}

func TestNamedInputs(t *testing.T) {
	p := NewParams(1)
	tr, err := NewTrainer(scaleModel{"y"}, pairSource{NewRand(1, 0)}, p, Config{Steps: 400, Batch: 16, LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for !tr.Done() {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range p.Float64s("w") {
		if w < 1.99 || w > 2.01 {
			t.Errorf("w[%d] = %.4f; want 2 (y = 2x read by name)", i, w)
		}
	}
	rows := tr.Input("row").Data().([]int)
	if want := []int{0, 1, 2, 3}; !slices.Equal(rows[:4], want) {
		t.Errorf("int input rows = %v; want %v", rows[:4], want)
	}
}

func TestMissingInputIsAnError(t *testing.T) {
	_, err := Train(context.Background(), scaleModel{"targets"}, pairSource{NewRand(1, 0)}, NewParams(1), Config{Steps: 1, Batch: 4, LR: 0.1})
	if err == nil || !strings.Contains(err.Error(), `no input "targets"`) {
		t.Errorf("Train with a model reading a missing input: %v; want an error naming it", err)
	}
}
