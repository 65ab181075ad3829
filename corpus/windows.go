package corpus

import (
	"fmt"

	"github.com/toymodels/superposition/graph"
)

// The names of the two inputs of a [Windows] source.
const (
	// Tokens is the input of a window's first ctx bytes [batch, ctx].
	Tokens = "tokens"
	// Targets is the input of the next byte of each position [batch, ctx]:
	// the window shifted by one.
	Targets = "targets"
)

// Windows is a [graph.Source] of training windows: each row is a window
// w = data[i : i+ctx+1] at a uniformly random start i in [0, len(data)−ctx−1)
// (the PyTorch peer's range, which leaves out the last possible start), with
// tokens w[:ctx] and targets w[1:], as byte values 0…255.
//
// The batch of step s (the s-th Fill, counting from 0) is a pure function of
// (seed, s): its starts are drawn in row order from a fresh
// graph.NewRand(seed, s). So a batch of r rows is the first r rows of a
// larger batch of the same step, and a resumed run continues the stream
// byte for byte once it has set the step with [Windows.Seek] (a
// graph.Trainer restoring a checkpoint replays the Fill calls instead, which
// gives the same stream).
//
// Fill, Seek and Step must not be called concurrently.
type Windows struct {
	data []byte
	ctx  int
	seed uint64
	step int
}

var _ graph.Source = (*Windows)(nil)

// NewWindows returns the training windows of ctx bytes of data, for seed.
// data must hold at least ctx+2 bytes; the source keeps it (unchanged).
func NewWindows(data []byte, ctx int, seed uint64) (*Windows, error) {
	if ctx < 1 {
		return nil, fmt.Errorf("corpus: windows: ctx %d: must be at least 1", ctx)
	}
	if len(data) < ctx+2 {
		return nil, fmt.Errorf("corpus: windows: %d bytes of data for ctx %d: need at least %d", len(data), ctx, ctx+2)
	}
	return &Windows{data: data, ctx: ctx, seed: seed}, nil
}

// Inputs declares [Tokens] and [Targets], Int inputs of width ctx.
func (w *Windows) Inputs() []graph.Input {
	return []graph.Input{
		{Name: Tokens, Kind: graph.Int, Width: w.ctx},
		{Name: Targets, Kind: graph.Int, Width: w.ctx},
	}
}

// Fill writes the batch of the current step into b (b.Rows windows) and
// moves to the next step.
func (w *Windows) Fill(b *graph.Batch) {
	tokens, targets := b.Ints(Tokens), b.Ints(Targets) // [rows, ctx] each
	for r, start := range w.Starts(w.step, b.Rows) {
		win := w.data[start:]
		row := r * w.ctx
		for j := range w.ctx {
			tokens[row+j] = int(win[j])
			targets[row+j] = int(win[j+1])
		}
	}
	w.step++
}

// Starts returns the offsets in the data of the rows windows of step: where
// every token of a batch came from (window r's token j is data[start+j]).
func (w *Windows) Starts(step, rows int) []int {
	rng := graph.NewRand(w.seed, uint64(step))
	out := make([]int, rows)
	for r := range out {
		out[r] = rng.IntN(len(w.data) - w.ctx - 1)
	}
	return out
}

// Step returns the step the next Fill writes.
func (w *Windows) Step() int { return w.step }

// Seek makes the next Fill write the batch of step (≥ 0): Seek(n) after a
// checkpoint taken after n Fill calls continues the stream where it was.
func (w *Windows) Seek(step int) {
	if step < 0 {
		panic(fmt.Sprintf("corpus: windows: seek to step %d", step))
	}
	w.step = step
}

// ValWindows returns the number of evaluation windows of ctx bytes in data:
// consecutive windows data[w·ctx : w·ctx+ctx+1] that overlap by one byte, so
// every byte after the first is a target exactly once, except a tail of
// fewer than ctx+1 bytes, which is dropped. ctx must be at least 1.
func ValWindows(data []byte, ctx int) int {
	if ctx < 1 {
		panic(fmt.Sprintf("corpus: val windows: ctx %d", ctx))
	}
	if len(data) < 1 {
		return 0
	}
	return (len(data) - 1) / ctx
}

// ValWindow writes evaluation window w (0 ≤ w < ValWindows(data, ctx)) into
// tokens and targets, ctx values each: tokens[j] = data[w·ctx+j] and
// targets[j] = data[w·ctx+j+1]. It panics if w is out of range or a slice
// is not ctx long.
func ValWindow(data []byte, ctx, w int, tokens, targets []int) {
	if n := ValWindows(data, ctx); w < 0 || w >= n {
		panic(fmt.Sprintf("corpus: val window %d of %d", w, n))
	}
	if len(tokens) != ctx || len(targets) != ctx {
		panic(fmt.Sprintf("corpus: val window: %d tokens and %d targets for ctx %d", len(tokens), len(targets), ctx))
	}
	win := data[w*ctx : w*ctx+ctx+1]
	for j := range ctx {
		tokens[j] = int(win[j])
		targets[j] = int(win[j+1])
	}
}
