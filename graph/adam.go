package graph

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/toymodels/superposition/graph/internal/kernels"
	"gorgonia.org/tensor"
)

// AdamConfig holds Adam's hyper-parameters. Zero values take the defaults of
// torch.optim.Adam (β₁ 0.9, β₂ 0.999, ε 1e-8); weight decay 0 means none.
type AdamConfig struct {
	// Beta1 is the decay of the first-moment estimate; 0 means 0.9.
	Beta1 float64 `json:"beta1,omitempty"`
	// Beta2 is the decay of the second-moment estimate; 0 means 0.999.
	Beta2 float64 `json:"beta2,omitempty"`
	// Eps is added to √v̂ in the denominator; 0 means 1e-8.
	Eps float64 `json:"eps,omitempty"`
	// WeightDecay is the decoupled (AdamW) decay rate: each step multiplies
	// every parameter by (1 − lr·WeightDecay) before the Adam update. 0: none.
	WeightDecay float64 `json:"weight_decay,omitempty"`
}

func (c AdamConfig) withDefaults() AdamConfig {
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	return c
}

// Validate reports the first out-of-range field.
func (c AdamConfig) Validate() error {
	switch {
	case c.Beta1 < 0 || c.Beta1 >= 1:
		return fmt.Errorf("beta1 %v outside [0, 1)", c.Beta1)
	case c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("beta2 %v outside [0, 1)", c.Beta2)
	case c.Eps < 0:
		return fmt.Errorf("eps %v is negative", c.Eps)
	case c.WeightDecay < 0:
		return fmt.Errorf("weight_decay %v is negative", c.WeightDecay)
	}
	return nil
}

// Adam is the Adam solver with optional decoupled weight decay, updating
// parameters in place. It matches torch.optim.Adam (and AdamW when
// WeightDecay > 0) step for step. Gorgonia's own AdamW never updates the
// weights, which is why this one exists.
type Adam struct {
	cfg AdamConfig
	// Step counts the updates taken so far.
	Step int
	// M and V are the first and second moment estimates, by parameter name.
	M, V map[string][]float64
}

// NewAdam returns a solver with zeroed moments.
func NewAdam(cfg AdamConfig) *Adam {
	return &Adam{cfg: cfg.withDefaults(), M: map[string][]float64{}, V: map[string][]float64{}}
}

// Update applies one step with learning rate lr to each named parameter given
// its gradient. It returns an error naming the parameter if a gradient holds
// NaN or ±Inf, before changing anything.
func (a *Adam) Update(lr float64, names []string, params, grads []*tensor.Dense) error {
	for i, g := range grads {
		if j := firstNonFinite(g); j >= 0 {
			return fmt.Errorf("parameter %s: gradient[%d] is %v", names[i], j, at(g, j))
		}
	}
	a.Step++
	c := a.cfg
	bc1 := 1 - math.Pow(c.Beta1, float64(a.Step))
	bc2 := 1 - math.Pow(c.Beta2, float64(a.Step))
	decay := 1 - lr*c.WeightDecay
	for i, name := range names {
		m, v := a.M[name], a.V[name]
		if m == nil {
			m = make([]float64, params[i].Size())
			v = make([]float64, params[i].Size())
			a.M[name], a.V[name] = m, v
		}
		switch w := backing(params[i]).(type) {
		case []float32:
			u := adamStep32{w: w, g: backing(grads[i]).([]float32), m: m, v: v, c: c, lr: lr, bc1: bc1, bc2: bc2, decay: decay}
			if len(w) < parallelForMin {
				u.run(0, len(w)) // no closure, no allocation
			} else {
				parallelFor(len(w), u.run)
			}
		case []float64:
			g := backing(grads[i]).([]float64)
			for j := range w {
				gj := g[j]
				m[j] = c.Beta1*m[j] + (1-c.Beta1)*gj
				v[j] = c.Beta2*v[j] + (1-c.Beta2)*gj*gj
				w[j] = w[j]*decay - lr*(m[j]/bc1)/(math.Sqrt(v[j]/bc2)+c.Eps)
			}
		}
	}
	return nil
}

// firstNonFinite returns the index of the first NaN or ±Inf in t, or -1:
// the entries whose exponent bits are all set, tested eight at a time
// with one branch (float32).
func firstNonFinite(t *tensor.Dense) int {
	switch d := backing(t).(type) {
	case []float32:
		const exp = 0x7f800000
		i := 0
		for ; i+8 <= len(d); i += 8 {
			c := d[i : i+8 : i+8]
			if min(finite32(c[0]), finite32(c[1]), finite32(c[2]), finite32(c[3]),
				finite32(c[4]), finite32(c[5]), finite32(c[6]), finite32(c[7])) == 0 {
				break // the loop below finds which
			}
		}
		for ; i < len(d); i++ {
			if math.Float32bits(d[i])&exp == exp {
				return i
			}
		}
	case []float64:
		for i, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return i
			}
		}
	}
	return -1
}

// finite32 is 0 for NaN and ±Inf (every exponent bit set), not 0 for the
// other values.
func finite32(v float32) uint32 { return ^math.Float32bits(v) & 0x7f800000 }

func at(t *tensor.Dense, i int) float64 {
	switch d := backing(t).(type) {
	case []float32:
		return float64(d[i])
	case []float64:
		return d[i]
	}
	return math.NaN()
}

// adamStep32 is one Adam update of a float32 parameter, runnable on any
// sub-range of its elements.
type adamStep32 struct {
	w, g                []float32
	m, v                []float64
	c                   AdamConfig
	lr, bc1, bc2, decay float64
}

func (u adamStep32) run(lo, hi int) {
	kernels.Adam32(u.w[lo:hi], u.g[lo:hi], u.m[lo:hi], u.v[lo:hi], kernels.AdamParams{
		Beta1: u.c.Beta1, Beta2: u.c.Beta2, BC1: u.bc1, BC2: u.bc2, Eps: u.c.Eps, LR: u.lr, Decay: u.decay})
}

// parallelForMin is the length from which parallelFor splits its range
// over the cores: an SAE's weight matrices, not a toy model's.
const parallelForMin = 1 << 18

// parallelFor calls f on consecutive sub-ranges covering [0, n): on one
// goroutine below parallelForMin, else one range per core. f must treat
// each index independently of the others, so the result does not depend
// on the split.
func parallelFor(n int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelForMin || workers < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+per, n))
	}
	wg.Wait()
}
