package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Config describes the feature distribution.
type Config struct {
	// Features is n, the number of features (≥ 1).
	Features int `json:"features"`
	// Probability is p = 1 − S per feature: one value for every feature, or
	// one per feature. Each must lie in (0, 1].
	Probability []float64 `json:"probability"`
	// Signed draws active values from U[−1, 1) instead of U[0, 1).
	Signed bool `json:"signed,omitempty"`
	// Correlated lists sets of features that are active together. A set's
	// activity is drawn with the probability of its first member.
	Correlated [][]int `json:"correlated,omitempty"`
	// Anticorrelated lists sets of features of which at most one is active.
	// Each member is active with the probability of the set's first member p,
	// which requires k·p ≤ 1 for a set of k.
	Anticorrelated [][]int `json:"anticorrelated,omitempty"`
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	if c.Features < 1 {
		return fmt.Errorf("features %d: must be at least 1", c.Features)
	}
	if len(c.Probability) != 1 && len(c.Probability) != c.Features {
		return fmt.Errorf("probability: %d values for %d features (want 1 or %d)", len(c.Probability), c.Features, c.Features)
	}
	for i, p := range c.Probability {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("probability[%d] = %v: must lie in (0, 1]", i, p)
		}
	}
	seen := make([]bool, c.Features)
	check := func(kind string, sets [][]int) error {
		for s, set := range sets {
			if len(set) < 2 {
				return fmt.Errorf("%s[%d]: a set needs at least two features", kind, s)
			}
			for _, f := range set {
				if f < 0 || f >= c.Features {
					return fmt.Errorf("%s[%d]: feature %d out of range [0, %d)", kind, s, f, c.Features)
				}
				if seen[f] {
					return fmt.Errorf("%s[%d]: feature %d is already in a set", kind, s, f)
				}
				seen[f] = true
			}
		}
		return nil
	}
	if err := check("correlated", c.Correlated); err != nil {
		return err
	}
	if err := check("anticorrelated", c.Anticorrelated); err != nil {
		return err
	}
	for s, set := range c.Anticorrelated {
		if p := c.prob(set[0]) * float64(len(set)); p > 1 {
			return fmt.Errorf("anticorrelated[%d]: %d features at probability %v need k·p ≤ 1", s, len(set), c.prob(set[0]))
		}
	}
	return nil
}

func (c Config) prob(i int) float64 {
	if len(c.Probability) == 1 {
		return c.Probability[0]
	}
	return c.Probability[i]
}

// unit is one independently drawn group: a single feature, a correlated set
// (all members active together) or an anticorrelated set (one member active).
type unit struct {
	members []int
	p       float64 // probability that the unit is active in a row
	one     bool    // anticorrelated: activate one member only
}

// Source streams batches from the distribution of a Config.
type Source struct {
	cfg   Config
	units []unit
	rng   *rand.Rand
	pcg   *rand.PCG // rng's source when known: drawn from directly, faster
	// samplers holds one gap sampler per distinct probability.
	samplers map[float64]*gapSampler
}

// NewSource returns a Source for cfg drawing from rng, or an error if cfg is
// invalid. The Source takes ownership of rng.
func NewSource(cfg Config, rng *rand.Rand) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("toy: %w", err)
	}
	s := &Source{cfg: cfg, rng: rng}
	grouped := make([]bool, cfg.Features)
	for _, set := range cfg.Correlated {
		s.units = append(s.units, unit{members: set, p: cfg.prob(set[0])})
		for _, f := range set {
			grouped[f] = true
		}
	}
	for _, set := range cfg.Anticorrelated {
		s.units = append(s.units, unit{members: set, p: cfg.prob(set[0]) * float64(len(set)), one: true})
		for _, f := range set {
			grouped[f] = true
		}
	}
	for f := 0; f < cfg.Features; f++ {
		if !grouped[f] {
			s.units = append(s.units, unit{members: []int{f}, p: cfg.prob(f)})
		}
	}
	return s, nil
}

// NewSourcePCG is NewSource drawing from pcg: the same batches as
// NewSource(cfg, rand.New(pcg)), drawn without rand.Rand's interface call
// in the hot loops. The Source takes ownership of pcg.
func NewSourcePCG(cfg Config, pcg *rand.PCG) (*Source, error) {
	s, err := NewSource(cfg, rand.New(pcg))
	if err != nil {
		return nil, err
	}
	s.pcg = pcg
	return s, nil
}

// Width is the number of features.
func (s *Source) Width() int { return s.cfg.Features }

// Fill overwrites x, a row-major [len(x)/n, n] batch, with fresh samples.
//
// Each unit (a feature or a set) walks the rows by Geometric(p) gaps drawn
// from one uniform u each, gap = ⌊log u / log(1−p)⌋. Once a probability has
// been used for enough draws, the gaps come from a [gapTable] that gives
// the same integer as that formula for every u without computing it; the
// stream of draws, and so every batch, is exactly that of the formula.
func (s *Source) Fill(x []float32) {
	n := s.cfg.Features
	rows := len(x) / n
	clear(x)
	for i := range s.units {
		u := &s.units[i]
		g := s.gaps(u.p)
		if len(u.members) == 1 { // a lone feature: the common case, kept lean
			f := u.members[0]
			if g.logq == math.Inf(-1) { // p = 1: every row, no gap draws
				s.fillDense(x, n, f)
				continue
			}
			if g.table != nil {
				s.fillTabled(x, n, f, g)
				continue
			}
			for r := g.draw(s.rng); r < rows; r += 1 + g.draw(s.rng) {
				x[r*n+f] = s.value()
			}
			continue
		}
		for r := g.draw(s.rng); r < rows; r += 1 + g.draw(s.rng) {
			row := x[r*n : (r+1)*n]
			if u.one {
				f := u.members[s.rng.IntN(len(u.members))]
				row[f] = s.value()
				continue
			}
			for _, f := range u.members {
				row[f] = s.value()
			}
		}
	}
}

// fillDense is Fill's loop for a lone feature f active in every row.
func (s *Source) fillDense(x []float32, n, f int) {
	end, pcg, rng := len(x)/n*n, s.pcg, s.rng
	a, b := float32(1), float32(0) // v ↦ a·v + b: U[0, 1) or U[−1, 1)
	if s.cfg.Signed {
		a, b = 2, -1
	}
	if pcg != nil {
		for i := f; i < end; i += n {
			x[i] = a*unitFloat32(pcg.Uint64()) + b
		}
		return
	}
	for i := f; i < end; i += n {
		x[i] = a*rng.Float32() + b
	}
}

// fillTabled is Fill's loop for a lone feature f whose gaps come from a
// table, written out flat: the same draws, in the same order, as
// g.draw and s.value. Its two copies differ only in where the bits come
// from: straight from the PCG, or through rand.Rand's interface call.
func (s *Source) fillTabled(x []float32, n, f int, g *gapSampler) {
	t, logq, rows, pcg, rng := g.table, g.logq, len(x)/n, s.pcg, s.rng
	a, b := float32(1), float32(0)
	if s.cfg.Signed {
		a, b = 2, -1
	}
	// t.gap written out: the compiler will not inline the method (its
	// fallback call is over budget), and the call costs a quarter of the
	// fill at p = 0.3 (go test ./toy -bench Fill). This closure inlines.
	gap := func(u float64) int {
		j := min(int(u*gapBuckets), gapBuckets-1)
		gap := int(t.lo[j])
		switch {
		case gap < 0:
			gap = gapOf(u, logq)
		case u <= t.split[j]:
			gap++
		}
		return gap
	}
	if pcg != nil {
		for r := gap(1 - unitFloat64(pcg.Uint64())); r < rows; r += 1 + gap(1-unitFloat64(pcg.Uint64())) {
			x[r*n+f] = a*unitFloat32(pcg.Uint64()) + b
		}
		return
	}
	for r := gap(1 - rng.Float64()); r < rows; r += 1 + gap(1-rng.Float64()) {
		x[r*n+f] = a*rng.Float32() + b
	}
}

// unitFloat64 and unitFloat32 turn 64 random bits into rand.Rand's Float64
// and Float32 of the same draw, so the flat loops can take the bits straight
// from a PCG.
func unitFloat64(bits uint64) float64 { return float64(bits<<11>>11) / (1 << 53) }

func unitFloat32(bits uint64) float32 { return float32(uint32(bits>>32)<<8>>8) / (1 << 24) }

// gaps returns the gap sampler of probability p, building its table once
// enough draws have been made at p to pay for it.
func (s *Source) gaps(p float64) *gapSampler {
	if s.samplers == nil {
		s.samplers = make(map[float64]*gapSampler)
	}
	g, ok := s.samplers[p]
	if !ok {
		g = newGapSampler(p)
		s.samplers[p] = g
	}
	if g.table == nil && g.exactDraws >= tableAfter && g.logq != math.Inf(-1) {
		g.table = newGapTable(g.logq)
	}
	return g
}

func (s *Source) value() float32 {
	v := s.rng.Float32()
	if s.cfg.Signed {
		return 2*v - 1
	}
	return v
}

// Geometric returns the importance vector Iᵢ = rⁱ for i in [0, n).
func Geometric(n int, r float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Pow(r, float64(i))
	}
	return out
}

// Powers returns k values base^(−t) with t spaced evenly over [from, to], the
// paper's feature-probability grids: Powers(20, 0, 1, 10) is
// 20^(−linspace(0, 1, 10)), from 1 down to 0.05.
func Powers(base, from, to float64, k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		t := from
		if k > 1 {
			t = from + (to-from)*float64(i)/float64(k-1)
		}
		out[i] = math.Pow(base, -t)
	}
	return out
}
