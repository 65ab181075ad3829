package graph

import (
	"testing"

	"gorgonia.org/tensor"
)

// TestForwardPadsTheLastBatch runs x·W on 5 rows in batches of 2: the last
// batch is padded, and every row must come back once, in order.
func TestForwardPadsTheLastBatch(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		p := NewParamsOf(dt, 1)
		if err := p.Set("W", []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}); err != nil {
			t.Fatal(err)
		}
		x := []float32{1, 0, 0, 1, 1, 1, 2, 0, 0, -1}
		out, err := Forward(p, x, 2, 2, func(b *Builder, x *Node) []*Node {
			return []*Node{b.MatMul(x, b.Param("W", Zeros, 2, 3))}
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []float32{1, 2, 3, 4, 5, 6, 5, 7, 9, 2, 4, 6, -4, -5, -6}
		for i := range want {
			if out[0][i] != want[i] {
				t.Fatalf("%v: Forward = %v; want %v", dt, out[0], want)
			}
		}
	}
}

func TestForwardRejectsRaggedInput(t *testing.T) {
	_, err := Forward(NewParams(1), []float32{1, 2, 3}, 2, 4, func(b *Builder, x *Node) []*Node { return []*Node{x} })
	if err == nil {
		t.Error("Forward on 3 values of width 2 succeeded; want an error")
	}
}

type watchModel struct{}

func (watchModel) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	h := b.ReLU(b.MatMul(x, b.Param("W", Full(1), 2, 2)))
	b.Watch("h", h)
	return []Term{{Name: "loss", Node: b.Sum(h)}}
}

func TestTrainerWatched(t *testing.T) {
	src := fixedSource{width: 2, x: []float64{1, -2}}
	tr, err := NewTrainer(watchModel{}, FromFeatures(src), NewParams(1), Config{Steps: 1, Batch: 1, LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	h := tr.Watched("h")
	if h == nil || h.Float32s()[0] != 0 || h.Float32s()[1] != 0 {
		t.Errorf("watched h = %v; want ReLU([1 −2]·1) = [0 0]", h)
	}
	if tr.Watched("nothing") != nil {
		t.Error("Watched(unknown name) is not nil")
	}
}
