package sae_test

import (
	"context"
	"fmt"
	"log"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// A TopK SAE on the hidden layer of a privileged-basis toy model (n = 12
// features on m = 5 neurons, so the neurons are polysemantic) finds the
// features: the public measurement compares its decoder with the true
// directions.
func Example_topKOnToyModel() {
	data := toy.Config{Features: 12, Probability: []float64{0.05}}
	toyModel, err := tms.New(tms.Config{Kind: tms.Privileged, Features: 12, Hidden: 5, Importance: toy.Geometric(12, 1)})
	if err != nil {
		log.Fatal(err)
	}
	src, err := toy.NewSource(data, graph.Stream(1, "toy.data"))
	if err != nil {
		log.Fatal(err)
	}
	toyParams := graph.NewParams(graph.StreamSeed(1, "toy.init"))
	cfg := graph.Config{Steps: 4000, LR: 3e-3}
	if _, err := graph.Train(context.Background(), toyModel, graph.FromFeatures(src), toyParams, cfg); err != nil {
		log.Fatal(err)
	}
	acts, err := sae.NewToySource(tms.Privileged, toyParams.Matrix(tms.ParamW), data, graph.Stream(1, "sae.data"))
	if err != nil {
		log.Fatal(err)
	}
	m, err := sae.New(sae.Config{Variant: sae.TopK, Inputs: 5, Latents: 18, K: 1, Train: graph.Config{Steps: 3000, Batch: 256, LR: 3e-3}})
	if err != nil {
		log.Fatal(err)
	}
	p := graph.NewParams(graph.StreamSeed(1, "sae.params"))
	if err := sae.Init(p, m, graph.Stream(1, "sae.init"), nil); err != nil {
		log.Fatal(err)
	}
	if _, _, err := sae.Train(context.Background(), m, acts, p, 1); err != nil {
		log.Fatal(err)
	}
	_, h := acts.Sample(1 << 14)
	meas, _, err := sae.Measure(m, p, acts.Truth(), h, 4096, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("recovered %.2f of the features, %.2f features per latent\n", meas.RecoveredFraction, meas.FeaturesPerLatent)
	// Output: recovered 1.00 of the features, 1.00 features per latent
}
