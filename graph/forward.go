package graph

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Forward runs f, a forward-only graph over p, on the rows of x (row-major,
// width columns) in batches of batch rows, and returns every output of f as a
// row-major matrix with one row per row of x. Each output must have one row
// per input row. The last batch is padded with zero rows, so f must treat
// rows independently. p is not changed.
func Forward(p *Params, x []float32, width, batch int, f func(b *Builder, x *Node) []*Node) ([][]float32, error) {
	if width < 1 || batch < 1 || len(x)%width != 0 {
		return nil, fmt.Errorf("graph: forward: %d values, width %d, batch %d: want positive sizes and whole rows", len(x), width, batch)
	}
	rows := len(x) / width
	if rows == 0 {
		return nil, errors.New("graph: forward: no rows")
	}
	batch = min(batch, rows)
	b := NewBuilder(p)
	in, xt := b.Input("x", batch, width)
	outs := f(b, in)
	if b.Err() != nil {
		return nil, fmt.Errorf("graph: forward: %w", b.Err())
	}
	vals := make([]G.Value, len(outs))
	cols := make([]int, len(outs))
	for i, o := range outs {
		if o == nil || o.Dims() != 2 || o.Shape()[0] != batch {
			return nil, fmt.Errorf("graph: forward: output %d is not a [%d, cols] matrix", i, batch)
		}
		cols[i] = o.Shape()[1]
		G.Read(o, &vals[i])
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	res := make([][]float32, len(outs))
	for i := range res {
		res[i] = make([]float32, rows*cols[i])
	}
	for r0 := 0; r0 < rows; r0 += batch {
		n := min(batch, rows-r0)
		chunk := x[r0*width : (r0+n)*width]
		switch d := backing(xt).(type) {
		case []float32:
			copy(d, chunk)
			clear(d[len(chunk):])
		case []float64:
			for i := range d {
				d[i] = 0
				if i < len(chunk) {
					d[i] = float64(chunk[i])
				}
			}
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			return nil, fmt.Errorf("graph: forward: %w", err)
		}
		for i, v := range vals {
			t, ok := v.(*tensor.Dense)
			if !ok {
				return nil, fmt.Errorf("graph: forward: output %d has no value", i)
			}
			dst := res[i][r0*cols[i] : (r0+n)*cols[i]]
			switch d := backing(t).(type) {
			case []float32:
				copy(dst, d)
			case []float64:
				for j := range dst {
					dst[j] = float32(d[j])
				}
			}
		}
	}
	return res, nil
}
