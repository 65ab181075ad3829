package graph

import "fmt"

// stackedSource fills a [K·r, n] batch block by block, block k from source
// k: the input of a graph of K stacked instances ([Builder.StackedTiedProduct]).
type stackedSource struct {
	srcs  []Features
	width int
}

// StackSources returns the feature source of K stacked instances: each batch is K
// row blocks of equal size, block k drawn from srcs[k], so every instance
// sees exactly the batches its own source would give it alone. The sources
// must have the same width.
func StackSources(srcs ...Features) (Features, error) {
	if len(srcs) == 0 {
		return nil, fmt.Errorf("graph: stack sources: none given")
	}
	w := srcs[0].Width()
	for i, s := range srcs {
		if s.Width() != w {
			return nil, fmt.Errorf("graph: stack sources: source %d has width %d, source 0 %d", i, s.Width(), w)
		}
	}
	return &stackedSource{srcs: srcs, width: w}, nil
}

func (s *stackedSource) Width() int { return s.width }

// Fill fills block k of x from source k. len(x) must split into K blocks of
// whole rows (a Trainer's batch is K times the instances' batch).
func (s *stackedSource) Fill(x []float32) {
	block := len(x) / len(s.srcs)
	for k, src := range s.srcs {
		src.Fill(x[k*block : (k+1)*block])
	}
}
