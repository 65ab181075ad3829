package graph_test

import (
	"context"
	"fmt"
	"log"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/toy"
)

// Untied is x′ = ReLU(W₂ W₁ x + b): the ReLU-output toy model without tied
// weights. A model is its parameters plus its loss.
type Untied struct {
	N, M       int       // features, hidden
	Importance []float64 // Iᵢ
}

func (u Untied) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	x := in.X()
	W1 := b.Param("W1", graph.XavierNormal, u.M, u.N) // [hidden, features]
	W2 := b.Param("W2", graph.XavierNormal, u.N, u.M) // [features, hidden]
	bias := b.Param("b", graph.Zeros, u.N)            // [features]
	h := b.MatMulT(x, W1)                             // [batch, hidden]
	out := b.ReLU(b.AddRow(b.MatMulT(h, W2), bias))   // [batch, features]
	sq := b.MulRow(b.Square(b.Sub(x, out)), b.Const(u.Importance))
	return []graph.Term{{Name: "loss", Node: b.Scale(b.Sum(sq), 1/float64(x.Shape()[0]))}}
}

func Example_untied() {
	data := toy.Config{Features: 5, Probability: []float64{0.05}}
	src, err := toy.NewSource(data, graph.NewRand(1, 0)) // seeded batches
	if err != nil {
		log.Fatal(err)
	}
	params := graph.NewParams(1) // seeded initialisation
	cfg := graph.DefaultConfig() // Adam 1e-3, batch 1024
	cfg.Steps = 3000
	model := Untied{N: 5, M: 2, Importance: toy.Geometric(5, 0.9)}
	if _, err := graph.Train(context.Background(), model, graph.FromFeatures(src), params, cfg); err != nil {
		log.Fatal(err)
	}
	loss, err := graph.Evaluate(context.Background(), model, graph.FromFeatures(src), params, 1<<18, 1<<14)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %.3f, W1 norms %.1f\n", loss[0].Name, loss[0].Value, interp.Norms(params.Matrix("W1")))
	// Output: loss 0.012, W1 norms [0.9 0.7 0.9 1.1 0.0]
}
