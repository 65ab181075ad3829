package toy

import (
	"math"
	"math/rand/v2"
)

// gapSampler draws Geometric(p) gaps, the number of inactive rows before
// the next active one, as gapOf(1 − Float64(), log(1 − p)).
type gapSampler struct {
	logq       float64 // log(1 − p); −Inf when p = 1
	zeroAbove  float64 // draws above it certainly give gap 0
	table      *gapTable
	exactDraws int // draws made without the table, to decide when to build it
}

// tableAfter is the number of draws at one probability after which its
// table is built: about as many logarithms as building it costs.
const tableAfter = 1 << 16

func newGapSampler(p float64) *gapSampler {
	logq := math.Log1p(-p)
	// Draws u above zeroAbove have gap 0 for certain: log(u) exceeds logq by
	// far more than rounding, so log(u)/logq < 1. They skip the logarithm.
	return &gapSampler{logq: logq, zeroAbove: math.Exp(logq) * (1 + 1e-9)}
}

// draw consumes one uniform from rng (none when p = 1) and returns a gap.
func (g *gapSampler) draw(rng *rand.Rand) int {
	if g.logq == math.Inf(-1) {
		return 0
	}
	u := 1 - rng.Float64() // (0, 1]
	if t := g.table; t != nil {
		return t.gap(u, g.logq)
	}
	g.exactDraws++
	if u > g.zeroAbove {
		return 0
	}
	return gapOf(u, g.logq)
}

// gapOf is the defining formula: ⌊log u / logq⌋, capped at MaxInt32.
func gapOf(u, logq float64) int {
	gf := math.Floor(math.Log(u) / logq)
	if gf > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(gf)
}

// gapTable answers gapOf(u, logq) for the draws u = 1 − k·2⁻⁵³ of
// rand.Float64 without a logarithm for most of them. gapOf is non-increasing
// in u (log, division by a negative constant and floor all are monotone), so
// over each of gapBuckets equal slices of (0, 1] it takes values between its
// values at the slice's two ends. Where those are equal the slice's gap is
// known; where they differ by one, the largest u still giving the larger gap
// is found once by bisection over the representable draws, and one
// comparison decides. Only slices spanning two or more steps of the gap
// (small u, where the steps crowd) fall back to the formula.
type gapTable struct {
	lo    [gapBuckets]int32   // gap at the slice's largest u; −1: use the formula
	split [gapBuckets]float64 // u ≤ split gives lo+1 (−1 when the gap is constant)
}

const (
	gapBuckets = 2048
	ulp53      = 1.0 / (1 << 53) // spacing of the draws
)

func newGapTable(logq float64) *gapTable {
	t := new(gapTable)
	const perBucket = (1 << 53) / gapBuckets // draws k·2⁻⁵³ per slice
	for j := range gapBuckets {
		// Slice j holds u = k·2⁻⁵³ for k in [first, last].
		first, last := int64(j)*perBucket, int64(j+1)*perBucket-1
		if j == 0 {
			first = 1 // u > 0
		}
		if j == gapBuckets-1 {
			last = 1 << 53 // u = 1
		}
		hi, lo := gapOf(float64(first)*ulp53, logq), gapOf(float64(last)*ulp53, logq)
		switch {
		case hi >= math.MaxInt32 || hi > lo+1:
			t.lo[j], t.split[j] = -1, -1
		case hi == lo:
			t.lo[j], t.split[j] = int32(lo), -1
		default: // largest k in [first, last) with gapOf = hi
			a, b := first, last // gapOf(a) = hi, gapOf(b) = lo
			for b-a > 1 {
				m := a + (b-a)/2
				if gapOf(float64(m)*ulp53, logq) == hi {
					a = m
				} else {
					b = m
				}
			}
			t.lo[j], t.split[j] = int32(lo), float64(a)*ulp53
		}
	}
	return t
}

// gap returns gapOf(u, logq) for a draw u in (0, 1].
func (t *gapTable) gap(u, logq float64) int {
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
