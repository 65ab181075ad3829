package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Init fills vals (a parameter of the given shape, row-major) from rng.
// Implementations must draw only from rng so that runs are reproducible.
type Init func(rng *rand.Rand, shape []int, vals []float64)

// Zeros initialises every entry to 0.
func Zeros(_ *rand.Rand, _ []int, vals []float64) {
	for i := range vals {
		vals[i] = 0
	}
}

// Full returns an Init that sets every entry to c.
func Full(c float64) Init {
	return func(_ *rand.Rand, _ []int, vals []float64) {
		for i := range vals {
			vals[i] = c
		}
	}
}

// Normal returns an Init drawing from N(0, std²).
func Normal(std float64) Init {
	return func(rng *rand.Rand, _ []int, vals []float64) {
		for i := range vals {
			vals[i] = std * rng.NormFloat64()
		}
	}
}

// Uniform returns an Init drawing from U[lo, hi).
func Uniform(lo, hi float64) Init {
	return func(rng *rand.Rand, _ []int, vals []float64) {
		for i := range vals {
			vals[i] = lo + (hi-lo)*rng.Float64()
		}
	}
}

// XavierNormal draws from N(0, 2/(fan_in+fan_out)) with fan_out = shape[0]
// and fan_in = shape[1] for a matrix, as torch.nn.init.xavier_normal_ does
// for one instance of the paper's W [hidden, features]. Vectors use
// fan_in = fan_out = len.
func XavierNormal(rng *rand.Rand, shape []int, vals []float64) {
	fanOut, fanIn := shape[0], shape[0]
	if len(shape) > 1 {
		fanIn = 1
		for _, d := range shape[1:] {
			fanIn *= d
		}
	}
	Normal(math.Sqrt(2/float64(fanIn+fanOut)))(rng, shape, vals)
}

// KaimingUniform draws from U[-b, b] with b = sqrt(6/fan_in), fan_in =
// shape[1] (torch's kaiming_uniform_ default for ReLU layers uses
// gain √2: b = √2·√(3/fan_in)).
func KaimingUniform(rng *rand.Rand, shape []int, vals []float64) {
	fanIn := shape[0]
	if len(shape) > 1 {
		fanIn = shape[1]
	}
	b := math.Sqrt(6 / float64(fanIn))
	Uniform(-b, b)(rng, shape, vals)
}

// Params is an ordered store of named parameter tensors. Parameters are
// created the first time a [Builder] asks for them, initialised from the
// store's seeded source, and shared by every graph built over the same store
// (a training graph and a larger evaluation graph, say). Values are updated in
// place by the solver. A Params must not be used by two goroutines at once.
type Params struct {
	dtype tensor.Dtype
	rng   *rand.Rand
	names []string
	vals  map[string]*tensor.Dense
}

// NewParams returns an empty store of float32 parameters whose initial values
// are drawn from a PCG source seeded with seed.
func NewParams(seed uint64) *Params { return NewParamsOf(tensor.Float32, seed) }

// NewParamsOf is NewParams for a chosen dtype (tensor.Float32 or
// tensor.Float64). Float64 is for exact tests such as gradient checks.
func NewParamsOf(dt tensor.Dtype, seed uint64) *Params {
	if dt != tensor.Float32 && dt != tensor.Float64 {
		panic(fmt.Sprintf("graph: unsupported dtype %v", dt))
	}
	return &Params{dtype: dt, rng: NewRand(seed, 0), vals: map[string]*tensor.Dense{}}
}

// Dtype is the element type of every parameter in the store.
func (p *Params) Dtype() tensor.Dtype { return p.dtype }

// Names lists the parameters in the order they were created.
func (p *Params) Names() []string { return append([]string(nil), p.names...) }

// Tensor returns the named parameter, or nil if it does not exist.
func (p *Params) Tensor(name string) *tensor.Dense { return p.vals[name] }

// Shape returns the shape of the named parameter, or nil if it does not exist.
func (p *Params) Shape(name string) []int {
	t := p.vals[name]
	if t == nil {
		return nil
	}
	return append([]int(nil), t.Shape()...)
}

// Float64s returns a copy of the named parameter's values (row-major), or nil
// if it does not exist.
func (p *Params) Float64s(name string) []float64 {
	t := p.vals[name]
	if t == nil {
		return nil
	}
	return Values(t)
}

// Matrix returns the named 2-D parameter as rows of float64 values, or nil.
func (p *Params) Matrix(name string) [][]float64 {
	shape := p.Shape(name)
	if len(shape) != 2 {
		return nil
	}
	flat := p.Float64s(name)
	rows := make([][]float64, shape[0])
	for i := range rows {
		rows[i] = flat[i*shape[1] : (i+1)*shape[1] : (i+1)*shape[1]]
	}
	return rows
}

// Set overwrites the named parameter with vals (row-major), creating it with
// the given shape if it does not exist yet. It is how weights are loaded.
func (p *Params) Set(name string, shape []int, vals []float64) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(vals) != n {
		return fmt.Errorf("graph: set %s: %d values for shape %v", name, len(vals), shape)
	}
	t := p.vals[name]
	if t == nil {
		t = tensor.New(tensor.Of(p.dtype), tensor.WithShape(shape...))
		p.vals[name] = t
		p.names = append(p.names, name)
	} else if !sameShape(t.Shape(), shape) {
		return fmt.Errorf("graph: set %s: shape %v, have %v", name, shape, t.Shape())
	}
	switch d := backing(t).(type) {
	case []float32:
		for i, v := range vals {
			d[i] = float32(v)
		}
	case []float64:
		copy(d, vals)
	}
	return nil
}

// Clone returns a deep copy of the store (values and creation order); the
// clone draws any new parameters from a fresh source seeded with seed.
func (p *Params) Clone(seed uint64) *Params {
	q := NewParamsOf(p.dtype, seed)
	for _, name := range p.names {
		q.names = append(q.names, name)
		q.vals[name] = p.vals[name].Clone().(*tensor.Dense)
	}
	return q
}

// param returns the named parameter, creating and initialising it if needed.
func (p *Params) param(name string, init Init, shape []int) (*tensor.Dense, error) {
	if t, ok := p.vals[name]; ok {
		if !sameShape(t.Shape(), shape) {
			return nil, fmt.Errorf("param %s: shape %v requested, %v stored", name, shape, t.Shape())
		}
		return t, nil
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return nil, fmt.Errorf("param %s: bad shape %v", name, shape)
		}
		n *= d
	}
	vals := make([]float64, n)
	init(p.rng, shape, vals)
	if err := p.Set(name, shape, vals); err != nil {
		return nil, err
	}
	return p.vals[name], nil
}

func sameShape(a tensor.Shape, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// backing returns the flat backing slice of t ([]float32 or []float64), even
// for one-element tensors, whose Data() is a scalar.
func backing(t *tensor.Dense) any {
	if t.Dtype() == tensor.Float32 {
		return t.Float32s()
	}
	return t.Float64s()
}
