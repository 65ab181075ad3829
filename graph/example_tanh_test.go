package graph_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
)

// TwoTanh is a new model graph, written with the builder alone (no Gorgonia
// import): an autoencoder x′ = W₃ tanh(W₂ tanh(W₁x + b₁) + b₂) + b₃ with two
// hidden layers.
type TwoTanh struct{ N, H1, H2 int }

func (m TwoTanh) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	x := in.X() // [batch, n]
	W1, b1 := b.Param("W1", graph.XavierNormal, m.H1, m.N), b.Param("b1", graph.Zeros, m.H1)
	W2, b2 := b.Param("W2", graph.XavierNormal, m.H2, m.H1), b.Param("b2", graph.Zeros, m.H2)
	W3, b3 := b.Param("W3", graph.XavierNormal, m.N, m.H2), b.Param("b3", graph.Zeros, m.N)
	h1 := b.Tanh(b.AddRow(b.MatMulT(x, W1), b1))  // [batch, h1]
	h2 := b.Tanh(b.AddRow(b.MatMulT(h1, W2), b2)) // [batch, h2]
	out := b.AddRow(b.MatMulT(h2, W3), b3)        // [batch, n]
	mse := b.WeightedSqErr(x, out, b.Const(slices.Repeat([]float64{1}, m.N)))
	return []graph.Term{{Name: "mse", Node: mse}}
}

func Example_twoLayerTanh() {
	src, err := toy.NewSource(toy.Config{Features: 6, Probability: []float64{0.2}}, graph.Stream(1, "data"))
	if err != nil {
		log.Fatal(err)
	}
	cfg := graph.Config{Steps: 2000, LR: 3e-3}
	hist, err := graph.Train(context.Background(), TwoTanh{N: 6, H1: 8, H2: 4}, graph.FromFeatures(src), graph.NewParams(1), cfg)
	if err != nil {
		log.Fatal(err)
	}
	first, last := hist.Records[0].Terms[0], hist.Last()[0]
	fmt.Printf("mse %.3f -> %.3f\n", first, last)
	// Output: mse 0.669 -> 0.106
}
