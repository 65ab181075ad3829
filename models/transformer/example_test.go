package transformer_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/transformer"
)

// A small one-layer transformer trained for a few steps on a repetitive
// text, evaluated by the exact validation rule with and without its MLP.
func Example() {
	m, err := transformer.New(transformer.Config{DModel: 32, Heads: 2, DMLP: 64, Ctx: 16})
	if err != nil {
		log.Fatal(err)
	}
	text := []byte(strings.Repeat("if err != nil { return err }\n", 200))
	src := &windows{data: text, ctx: 16}
	p := graph.NewParams(1)
	cfg := graph.Config{Steps: 200, Batch: 16, LR: 1e-2, Schedule: graph.WarmupCosine, Warmup: 20, ClipNorm: 1}
	if _, err := graph.Train(context.Background(), m, src, p, cfg); err != nil {
		log.Fatal(err)
	}
	clean, err := transformer.BitsPerByte(context.Background(), m, p, text, 32, 0, nil)
	if err != nil {
		log.Fatal(err)
	}
	zero, err := transformer.BitsPerByte(context.Background(), m, p, text, 32, 0, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, _, _ int) error { clear(x); return nil }})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("clean below 0.5 bits per byte: %v; zero-ablating the MLP costs bits: %v\n", clean < 0.5, zero > clean)
	// Output: clean below 0.5 bits per byte: true; zero-ablating the MLP costs bits: true
}

// windows feeds consecutive training windows of data (tokens and the next
// bytes as targets), cycling.
type windows struct {
	data []byte
	ctx  int
	next int
}

func (w *windows) Inputs() []graph.Input {
	return []graph.Input{{Name: transformer.Tokens, Kind: graph.Int, Width: w.ctx}, {Name: transformer.Targets, Kind: graph.Int, Width: w.ctx}}
}

func (w *windows) Fill(b *graph.Batch) {
	tok, tgt := b.Ints(transformer.Tokens), b.Ints(transformer.Targets)
	for r := 0; r < b.Rows; r++ {
		start := (w.next * 7) % (len(w.data) - w.ctx - 1)
		w.next++
		for j := 0; j < w.ctx; j++ {
			tok[r*w.ctx+j], tgt[r*w.ctx+j] = int(w.data[start+j]), int(w.data[start+j+1])
		}
	}
}
