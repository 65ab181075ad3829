package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/toymodels/superposition/internal/atomicfile"
)

// ToyRun is the summary record of one trained toy model: its setup, its
// weights, and every metric of this package computed from them.
type ToyRun struct {
	Model              string      `json:"model"`
	Features           int         `json:"features"`
	Hidden             int         `json:"hidden"`
	FeatureProbability float64     `json:"feature_probability"`
	Importance         []float64   `json:"importance"`
	Seed               uint64      `json:"seed"`
	Restart            int         `json:"restart"`
	Loss               float64     `json:"loss"`
	RestartLosses      []float64   `json:"restart_losses"`
	W                  [][]float64 `json:"W"`
	B                  []float64   `json:"b"`
	// W2 holds the untied output weights [features][hidden] of models that
	// have them (the |x| model).
	W2             [][]float64 `json:"W2,omitempty"`
	Norms          []float64   `json:"norms"`
	Interference   []float64   `json:"interference"`
	Dimensionality []float64   `json:"dimensionality"`
	// DimsPerFeature is D* = m/‖W‖_F² (0 when W = 0, where it is undefined).
	DimsPerFeature float64 `json:"dims_per_feature"`
	FrobeniusSq    float64 `json:"frobenius_sq"`
	// SumDimensionality is Σᵢ Dᵢ, at most m.
	SumDimensionality   float64 `json:"sum_dimensionality"`
	Represented         int     `json:"represented"`
	RepresentedFeatures []int   `json:"represented_features"`
	// LossTrend reads the kept restart's training loss curve: whether it
	// was still falling when training stopped.
	LossTrend Trend `json:"loss_trend"`
}

// Measure fills the metrics of r from r.W.
func (r *ToyRun) Measure() {
	r.Norms = Norms(r.W)
	r.Interference = Interference(r.W)
	r.Dimensionality = Dimensionality(r.W)
	r.FrobeniusSq = FrobeniusSq(r.W)
	r.SumDimensionality = 0
	for _, d := range r.Dimensionality {
		r.SumDimensionality += d
	}
	r.DimsPerFeature = 0
	if r.FrobeniusSq > 0 {
		r.DimsPerFeature = float64(len(r.W)) / r.FrobeniusSq
	}
	r.RepresentedFeatures = Represented(r.W)
	if r.RepresentedFeatures == nil {
		r.RepresentedFeatures = []int{}
	}
	r.Represented = len(r.RepresentedFeatures)
}

// Pair is two features and the cosine between their directions.
type Pair struct {
	A, B   int
	Cosine float64
}

// AntipodalPairs returns the pairs of represented features whose directions
// have cosine below −0.9, each feature in at most one pair (its most
// antipodal partner first).
func AntipodalPairs(W [][]float64) []Pair {
	rep := Represented(W)
	var all []Pair
	for x, i := range rep {
		for _, j := range rep[x+1:] {
			if c := Cosine(W, i, j); c < -0.9 {
				all = append(all, Pair{i, j, c})
			}
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Cosine < all[b].Cosine })
	used := map[int]bool{}
	var out []Pair
	for _, p := range all {
		if !used[p.A] && !used[p.B] {
			used[p.A], used[p.B] = true, true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].A < out[b].A })
	return out
}

// Describe returns one sentence reading the geometry of a toy run: which
// features are represented, antipodal pairs, the range of Dᵢ, and the mean
// bias of represented features (negative biases filter out interference).
func (r ToyRun) Describe() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "p = %.3g: %d of %d features represented", r.FeatureProbability, r.Represented, r.Features)
	if r.Represented == 0 {
		sb.WriteString(".")
		return sb.String()
	}
	fmt.Fprintf(&sb, " %v", r.RepresentedFeatures)
	lo, hi := math.Inf(1), math.Inf(-1)
	var bias float64
	for _, i := range r.RepresentedFeatures {
		lo, hi = math.Min(lo, r.Dimensionality[i]), math.Max(hi, r.Dimensionality[i])
		bias += r.B[i] / float64(r.Represented)
	}
	fmt.Fprintf(&sb, ", Dᵢ from %.2f to %.2f", lo, hi)
	if pairs := AntipodalPairs(r.W); len(pairs) > 0 {
		fmt.Fprintf(&sb, ", %d antipodal pair(s)", len(pairs))
		for _, p := range pairs {
			fmt.Fprintf(&sb, " (%d,%d)", p.A, p.B)
		}
	}
	if r.Represented == r.Hidden && hi-lo < 0.02 && math.Abs(lo-1) < 0.02 {
		sb.WriteString(", orthogonal")
	}
	fmt.Fprintf(&sb, ", mean bias of represented features %+.2f; loss %.4g.", bias, r.Loss)
	return sb.String()
}

// Summary is the content of an experiment's summary.json.
type Summary struct {
	Experiment string `json:"experiment"`
	Config     any    `json:"config"`
	Runs       any    `json:"runs,omitempty"`
}

// WriteJSON writes v as indented JSON to path atomically.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	var unsupported *json.UnsupportedValueError
	if errors.As(err, &unsupported) {
		// A NaN or infinite number: written as null and listed with its
		// path under "non_finite", rather than losing the run.
		data, _, err = marshalFinite(v)
	}
	if err != nil {
		return fmt.Errorf("interp: encode %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}
