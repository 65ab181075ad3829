package toy_test

import (
	"fmt"
	"log"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
)

// A seeded source of sparse features: each of 5 features is active with
// probability 0.1 at a U[0,1) value, otherwise 0.
func Example() {
	src, err := toy.NewSource(toy.Config{Features: 5, Probability: []float64{0.1}}, graph.NewRand(1, 0))
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 5*100000)
	src.Fill(x)
	active := 0
	for _, v := range x {
		if v != 0 {
			active++
		}
	}
	fmt.Printf("%.2f of the values are active; importances %.3f\n", float64(active)/float64(len(x)), toy.Geometric(3, 0.9))
	// Output: 0.10 of the values are active; importances [1.000 0.900 0.810]
}
