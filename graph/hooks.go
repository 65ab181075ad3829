package graph

import (
	"errors"
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// HookFunc sees the value of a hook point after each run's forward pass has
// computed it, as a row-major rows × cols float32 matrix, and may overwrite
// it in place: whatever it leaves is what the rest of the graph reads. It
// may keep a copy (caching an activation), leave x alone, zero it
// (zero-ablation) or write a reconstruction (an SAE spliced in). x is the
// graph's own buffer: copy what you keep.
type HookFunc func(x []float32, rows, cols int) error

// HookPoints maps hook-point names (TransformerLens' names, such as
// blocks.0.mlp.hook_post) to their functions. A program reads the map at
// every run, so entries may be added, changed or removed between runs.
type HookPoints map[string]HookFunc

// Hook marks x as the hook point name. In a program compiled with hook
// points ([NewRunner]) it becomes an op that copies x and runs the hook
// point's function, if any, on the copy; otherwise (training) it returns x
// itself and costs nothing. Its gradient is passed straight through, as if
// the hook were the identity.
func (b *Builder) Hook(name string, x *Node) *Node {
	if b.hooks == nil || !b.ok("hook "+name, x) {
		return x
	}
	if x.Dims() != 2 {
		return b.fail("hook "+name, fmt.Errorf("shape %v: want a matrix", x.Shape()))
	}
	return b.apply("hook "+name, hookOp(name, b.hooks), x)
}

func hookOp(name string, hooks HookPoints) *kernelOp {
	o := &kernelOp{name: "Hook " + name, arity: 1, typ: hm.NewFnType(matType, matType), diffs: []bool{true}}
	o.shape = func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
	o.run = func(out *tensor.Dense, in []*tensor.Dense) error {
		x, ok := in[0].Data().([]float32)
		if !ok {
			return fmt.Errorf("hook points need float32 values, not %v", in[0].Dtype())
		}
		y := out.Data().([]float32)
		copy(y, x)
		if f := hooks[name]; f != nil {
			s := out.Shape()
			if err := f(y, s[0], s[1]); err != nil {
				return fmt.Errorf("hook %s: %w", name, err)
			}
		}
		return nil
	}
	o.diff = func(_ G.Nodes, _, g *G.Node) (G.Nodes, error) { return G.Nodes{g}, nil }
	return o
}

// Runner runs the forward pass of a model (no gradients) on batches from a
// source, with hook points: the tool of evaluation and of activation
// caching. Use it from one goroutine.
type Runner struct {
	prog *program
	src  Source
}

// NewRunner compiles the forward-only program of m over p for batches of
// rows samples from src, with the model's [Builder.Hook] points running the
// functions of hooks (nil: none, and the hooks cost nothing). p must hold
// every parameter m uses: a runner creates none.
func NewRunner(m Model, src Source, p *Params, rows int, hooks HookPoints) (*Runner, error) {
	if rows < 1 {
		return nil, fmt.Errorf("graph: runner: %d rows: want at least 1", rows)
	}
	before := len(p.Names())
	prog, err := compileHooked(m, src, p, rows, false, hooks)
	if err != nil {
		return nil, fmt.Errorf("graph: runner: %w", err)
	}
	if len(p.Names()) != before {
		prog.vm.Close()
		return nil, errors.New("graph: runner: the model asked for parameters the given ones do not have (train or load them first)")
	}
	return &Runner{prog: prog, src: src}, nil
}

// Run fills one batch from the source, runs the forward pass and returns
// the model's loss terms.
func (r *Runner) Run() ([]float64, error) {
	vals, err := r.prog.run(r.src)
	if err != nil {
		return nil, fmt.Errorf("graph: runner: %w", err)
	}
	return vals, nil
}

// Terms returns the names of the model's loss terms, in Run's order.
func (r *Runner) Terms() []string { return r.prog.termNames }

// Watched returns the value, at the last run, of the node the model watched
// under name ([Builder.Watch]), or nil. The tensor is the graph's own
// buffer: read it before the next run.
func (r *Runner) Watched(name string) *tensor.Dense { return r.prog.watched(name) }

// Input returns the named input of the last run (the graph's own buffer).
func (r *Runner) Input(name string) *tensor.Dense { return r.prog.input(name) }

// Close releases the program's machine.
func (r *Runner) Close() error { return r.prog.vm.Close() }
