package paper_test

import (
	"context"
	"fmt"
	"log"

	"github.com/toymodels/superposition/paper"
)

// The intro figure's two ends in one call: five features of importance
// 0.9ⁱ in two dimensions. Dense, the ReLU-output model keeps the two most
// important features; sparse, it packs all five into superposition.
func ExampleRunToy() {
	cfg := paper.Toy{
		Common:   paper.Common{Seed: 1, Steps: 3000, Restarts: 2},
		Features: 5, Hidden: 2, Importance: 0.9, Probabilities: []float64{1, 0.03}, Model: "relu",
		Training: paper.Training{Batch: 1024, LR: 3e-3, EvalSamples: 1 << 16},
	}
	runs, err := paper.RunToy(context.Background(), paper.Run{}, "intro", cfg)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		fmt.Printf("p = %v: %d of %d features represented\n", r.FeatureProbability, r.Represented, r.Features)
	}
	// Output:
	// p = 1: 2 of 5 features represented
	// p = 0.03: 5 of 5 features represented
}
