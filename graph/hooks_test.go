package graph

import (
	"testing"
)

// hookModel is Σ ReLU(x·W)·2 with the hidden layer as hook point "h".
type hookModel struct{}

func (hookModel) Loss(b *Builder, in Inputs) []Term {
	h := b.Hook("h", b.ReLU(b.MatMul(in.X(), b.Param("W", Full(1), 2, 2))))
	b.Watch("h", h)
	return []Term{{Name: "loss", Node: b.Sum(b.Scale(h, 2))}}
}

func TestRunnerHookPoints(t *testing.T) {
	p := NewParams(1)
	if err := p.Set("W", []int{2, 2}, []float64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	src := FromFeatures(fixedSource{width: 2, x: []float64{1, 1}})
	// x·W = [4, 6]; the loss is 2·Σh.
	var cached []float32
	tests := []struct {
		name  string
		hooks HookPoints
		want  float64
	}{
		{"no hook function is the identity", HookPoints{}, 20},
		{"caching leaves the value", HookPoints{"h": func(x []float32, rows, cols int) error {
			cached = append(cached[:0], x...)
			return nil
		}}, 20},
		{"zero-ablation", HookPoints{"h": func(x []float32, _, _ int) error { clear(x); return nil }}, 0},
		{"replacement", HookPoints{"h": func(x []float32, rows, cols int) error {
			if rows != 1 || cols != 2 {
				t.Errorf("hook sees %d×%d; want 1×2", rows, cols)
			}
			x[0], x[1] = 1, -1
			return nil
		}}, 0},
	}
	for _, tt := range tests {
		r, err := NewRunner(hookModel{}, src, p, 1, tt.hooks)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Run()
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != tt.want {
			t.Errorf("%s: loss = %v; want %v", tt.name, got[0], tt.want)
		}
		if w := r.Watched("h").Float32s(); tt.name == "zero-ablation" && (w[0] != 0 || w[1] != 0) {
			t.Errorf("%s: watched hook point = %v; want the ablated value", tt.name, w)
		}
		r.Close()
	}
	if len(cached) != 2 || cached[0] != 4 || cached[1] != 6 {
		t.Errorf("cached hook_point = %v; want [4 6]", cached)
	}
	// Functions can change between runs of one runner.
	hooks := HookPoints{}
	r, err := NewRunner(hookModel{}, src, p, 1, hooks)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	hooks["h"] = func(x []float32, _, _ int) error { clear(x); return nil }
	if got, _ := r.Run(); got[0] != 0 {
		t.Errorf("after adding a hook function: loss = %v; want 0", got[0])
	}
}

func TestRunnerRefusesMissingParams(t *testing.T) {
	src := FromFeatures(fixedSource{width: 2, x: []float64{1, 1}})
	if _, err := NewRunner(hookModel{}, src, NewParams(1), 1, nil); err == nil {
		t.Error("NewRunner on empty parameters succeeded; want an error")
	}
}

// TestHookIsFreeInTraining: without hook points, Hook adds no node and the
// gradient is the plain one.
func TestHookIsFreeInTraining(t *testing.T) {
	b := NewBuilder(NewParams(1))
	x := b.Param("x", Full(1), 2, 2)
	if h := b.Hook("h", x); h != x {
		t.Error("Hook without hook points made a node; want x itself")
	}
}
