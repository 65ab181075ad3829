package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Kind is the element type of a named input.
type Kind int

// The kinds of input.
const (
	// Float is a float32 feature (converted to the graph's dtype).
	Float Kind = iota
	// Int is an integer: a token id, a target class.
	Int
)

func (k Kind) String() string {
	if k == Int {
		return "int"
	}
	return "float"
}

// Input declares one named input of a batch: Width values per row.
type Input struct {
	Name  string
	Kind  Kind
	Width int
}

// X is the name of the input of a [Features] source: the feature matrix
// [batch, width] of a toy model or the activations of an SAE.
const X = "x"

// Batch holds one step's inputs, each a row-major [Rows, Width] buffer that
// a [Source] overwrites.
type Batch struct {
	// Rows is the number of rows of every input.
	Rows   int
	inputs []Input
	floats [][]float32 // by input index; nil for Int inputs
	ints   [][]int     // by input index; nil for Float inputs
}

// NewBatch allocates a batch of rows rows for the declared inputs.
func NewBatch(rows int, inputs []Input) *Batch {
	b := &Batch{Rows: rows, inputs: append([]Input(nil), inputs...)}
	b.floats = make([][]float32, len(inputs))
	b.ints = make([][]int, len(inputs))
	for i, in := range inputs {
		if in.Kind == Int {
			b.ints[i] = make([]int, rows*in.Width)
		} else {
			b.floats[i] = make([]float32, rows*in.Width)
		}
	}
	return b
}

// Inputs returns the batch's declared inputs.
func (b *Batch) Inputs() []Input { return b.inputs }

func (b *Batch) index(name string, k Kind) int {
	for i, in := range b.inputs {
		if in.Name == name {
			if in.Kind != k {
				panic(fmt.Sprintf("graph: input %q is %v, not %v", name, in.Kind, k))
			}
			return i
		}
	}
	panic(fmt.Sprintf("graph: batch has no input %q", name))
}

// Floats returns the buffer of the Float input name [Rows, Width]. It panics
// if there is none: a source and its model disagree, a programming error.
func (b *Batch) Floats(name string) []float32 { return b.floats[b.index(name, Float)] }

// Ints returns the buffer of the Int input name [Rows, Width]; it panics if
// there is none.
func (b *Batch) Ints(name string) []int { return b.ints[b.index(name, Int)] }

// copyFrom overwrites b's buffers with o's (same inputs and rows).
func (b *Batch) copyFrom(o *Batch) {
	for i := range b.inputs {
		copy(b.floats[i], o.floats[i])
		copy(b.ints[i], o.ints[i])
	}
}

// Source writes batches of named inputs: features, token ids, targets.
type Source interface {
	// Inputs declares the inputs the source fills (the same every call).
	Inputs() []Input
	// Fill overwrites every input of b with fresh samples. It must draw only
	// from the source's own seeded generator. A Trainer calls it from its own
	// prefetching goroutine, one batch after the other, up to two batches
	// ahead of the step being computed.
	Fill(b *Batch)
}

// Features is a source of one float matrix, the input [X]: toy data, SAE
// activations. [FromFeatures] makes it a [Source].
type Features interface {
	// Width is the number of columns of a batch row.
	Width() int
	// Fill overwrites x, a row-major [len(x)/Width(), Width()] batch, with
	// fresh samples, drawing only from the source's own seeded generator.
	Fill(x []float32)
}

// FromFeatures returns the Source whose only input, X, is f's matrix.
func FromFeatures(f Features) Source { return featureSource{f} }

type featureSource struct{ f Features }

func (s featureSource) Inputs() []Input { return []Input{{Name: X, Kind: Float, Width: s.f.Width()}} }
func (s featureSource) Fill(b *Batch)   { s.f.Fill(b.floats[0]) }

// Inputs are the input nodes of one graph, by name, as a model's loss
// receives them.
type Inputs struct {
	b     *Builder
	names []string
	nodes []*Node
}

// Node returns the input called name, [batch, width] (float in the graph's
// dtype, or int), or nil after recording an error in the builder.
func (in Inputs) Node(name string) *Node {
	for i, n := range in.names {
		if n == name {
			return in.nodes[i]
		}
	}
	in.b.fail("input", fmt.Errorf("no input %q (the source gives %v)", name, in.names))
	return nil
}

// X is the feature matrix [batch, width] of a [Features] source.
func (in Inputs) X() *Node { return in.Node(X) }

// inputNodes declares the graph inputs of src for batches of rows rows and
// returns them with their tensors.
func (b *Builder) inputNodes(src Source, rows int) (Inputs, []*tensor.Dense) {
	decl := src.Inputs()
	in := Inputs{b: b}
	ts := make([]*tensor.Dense, len(decl))
	for i, d := range decl {
		if d.Width < 1 || d.Name == "" {
			b.fail("input", fmt.Errorf("input %d %q of width %d: want a name and a positive width", i, d.Name, d.Width))
			return in, nil
		}
		var n *Node
		if d.Kind == Int {
			n, ts[i] = b.intInput(d.Name, rows, d.Width)
		} else {
			n, ts[i] = b.Input(d.Name, rows, d.Width)
		}
		in.names = append(in.names, d.Name)
		in.nodes = append(in.nodes, n)
	}
	return in, ts
}

// intInput is Input for integer data.
func (b *Builder) intInput(name string, rows, cols int) (*Node, *tensor.Dense) {
	if b.err != nil {
		return nil, nil
	}
	t := tensor.New(tensor.Of(tensor.Int), tensor.WithShape(rows, cols))
	n := G.NewMatrix(b.g, tensor.Int, G.WithShape(rows, cols), G.WithName(name), G.WithValue(t))
	b.fixed[n] = true
	return n, t
}
