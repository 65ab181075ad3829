package tms_test

import (
	"context"
	"fmt"
	"log"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// A ReLU-output toy model with n = 5 features in m = 2 dimensions at
// p = 0.05: WᵀW shows all five packed into the plane as a pentagon (cosines
// of 72° and 144° times the squared norms on the diagonal).
func Example_reluOutput() {
	model, err := tms.New(tms.Config{Kind: tms.ReLUOutput, Features: 5, Hidden: 2, Importance: toy.Geometric(5, 0.9)})
	if err != nil {
		log.Fatal(err)
	}
	src, err := toy.NewSource(toy.Config{Features: 5, Probability: []float64{0.05}}, graph.Stream(1, "data"))
	if err != nil {
		log.Fatal(err)
	}
	params := graph.NewParams(graph.StreamSeed(1, "init"))
	cfg := graph.DefaultConfig()
	cfg.Steps = 3000
	if _, err := graph.Train(context.Background(), model, graph.FromFeatures(src), params, cfg); err != nil {
		log.Fatal(err)
	}
	for _, row := range interp.Gram(params.Matrix(tms.ParamW)) {
		for _, v := range row {
			fmt.Printf("%5.1f", v)
		}
		fmt.Println()
	}
	// Output:
	//   1.3 -1.1 -1.0  0.4  0.4
	//  -1.1  1.3  0.4  0.4 -1.0
	//  -1.0  0.4  1.3 -1.0  0.4
	//   0.4  0.4 -1.0  1.3 -1.0
	//   0.4 -1.0  0.4 -1.0  1.2
}
