package paper

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/internal/record"
	"github.com/toymodels/superposition/internal/sealed"
)

// A sweep's instances are independent, so a sweep can be split between
// processes (a Kubernetes Indexed Job, a Slurm job array): each shard runs
// its own units and writes a part, and a merge reads every part and writes
// what the unsharded run writes. The pipelines that split this way (RunToy,
// TrainPhase, TrainCorrelated, SAESweep) call runUnits for each sweep; work
// the units depend on (the toy model an SAE sweep reads) is done by every
// process, since it is deterministic.

// MaxShards bounds the number of shards of a sweep.
const MaxShards = 4096

// Shard is one of Count parts of a sweep (0 ≤ Index < Count).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard reads "I/N".
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want INDEX/COUNT, as 3/7", s)
	}
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want INDEX/COUNT, as 3/7", s)
	}
	sh := Shard{Index: idx, Count: cnt}
	return sh, sh.Validate()
}

// Validate reports a count outside [1, MaxShards] or an index outside
// [0, Count).
func (s Shard) Validate() error {
	if s.Count < 1 || s.Count > MaxShards {
		return fmt.Errorf("shard %s: the count must be in [1, %d]", s, MaxShards)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %s: the index must be in [0, %d)", s, s.Count)
	}
	return nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// FileName is the part file of the shard: shard-I-of-N.part.
func (s Shard) FileName() string { return fmt.Sprintf("shard-%d-of-%d.part", s.Index, s.Count) }

// ErrShardDone is returned by a sharded pipeline once its shard's units
// have run: nothing is left for this process but writing [Sharding.Part].
var ErrShardDone = errors.New("paper: this shard's units are done; write its part")

// Part is what one shard computed: its units' results, sweep by sweep.
type Part struct {
	// Experiment and Config (its configuration's JSON) say which run the
	// part belongs to; a merge refuses parts of another.
	Experiment string
	Config     string
	Shard      Shard
	Stages     []PartStage
	// WallSeconds is how long the shard ran (for timing.json; not a result).
	WallSeconds float64
}

// PartStage is one sweep of a part: its name and size, the units the shard
// ran and their results (encoded exactly by internal/record).
type PartStage struct {
	Name    string
	Units   int
	Mine    []int
	Records [][]byte
}

// Sharding splits the sweeps of a pipeline run with it (in [Run]): as a
// shard it runs only the shard's units and keeps their results for its
// [Part]; as a merge it runs none and takes every unit's result from the
// parts. Units are dealt by estimated cost, costliest first, to the shard
// with the least work so far (ties to the lowest index), sweep after sweep:
// every process computes the same deal from the configuration alone.
type Sharding struct {
	shard  Shard
	parts  []Part // a merge's, by index
	loads  []float64
	stages []PartStage // a shard's results so far
	next   int         // a merge's next stage
}

// NewShard returns the Sharding of shard s's run.
func NewShard(s Shard) (*Sharding, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Sharding{shard: s, loads: make([]float64, s.Count)}, nil
}

// NewMerge returns the Sharding of a merge of parts: one of every index of
// one count, of one experiment and configuration. Which part is missing,
// twice, or of another run is an error naming it; so, later, is a part whose
// sweeps or units are not the ones the run deals it.
func NewMerge(parts []Part) (*Sharding, error) {
	if len(parts) == 0 {
		return nil, errors.New("no shard parts to merge")
	}
	n := parts[0].Shard.Count
	byIndex := make([]*Part, n)
	for i := range parts {
		p := &parts[i]
		if err := p.Shard.Validate(); err != nil {
			return nil, err
		}
		if p.Shard.Count != n {
			return nil, fmt.Errorf("parts of two splits: %s and %s (remove the parts of the old one)", parts[0].Shard.FileName(), p.Shard.FileName())
		}
		if p.Experiment != parts[0].Experiment || p.Config != parts[0].Config {
			return nil, fmt.Errorf("part %s: made by another run than part %s", p.Shard, parts[0].Shard)
		}
		if byIndex[p.Shard.Index] != nil {
			return nil, fmt.Errorf("two parts of shard %s", p.Shard)
		}
		byIndex[p.Shard.Index] = p
	}
	var missing []string
	first := -1
	for i, p := range byIndex {
		if p == nil {
			missing = append(missing, strconv.Itoa(i))
			if first < 0 {
				first = i
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shard %s of %d missing: no %s", strings.Join(missing, ", "), n, Shard{Index: first, Count: n}.FileName())
	}
	s := &Sharding{shard: Shard{Index: -1, Count: n}, loads: make([]float64, n)}
	for _, p := range byIndex {
		s.parts = append(s.parts, *p)
	}
	return s, nil
}

// ShardSeconds returns a merge's parts' wall times, by shard.
func (s *Sharding) ShardSeconds() []float64 {
	var out []float64
	for _, p := range s.parts {
		out = append(out, p.WallSeconds)
	}
	return out
}

// IsMerge reports whether s is a merge's.
func (s *Sharding) IsMerge() bool { return s.parts != nil }

// Part returns what the shard has run so far, labelled with the run's
// experiment and configuration.
func (s *Sharding) Part(experiment, config string) Part {
	return Part{Experiment: experiment, Config: config, Shard: s.shard, Stages: s.stages}
}

// Done reports, for a merge, parts holding sweeps the run did not ask for
// (made by another version of the pipeline).
func (s *Sharding) Done() error {
	for _, p := range s.parts {
		if len(p.Stages) != s.next {
			return fmt.Errorf("part %s: holds %d sweeps; the run has %d", p.Shard, len(p.Stages), s.next)
		}
	}
	return nil
}

// deal assigns units of the given costs to shards, continuing from loads.
func deal(costs, loads []float64) []int {
	order := make([]int, len(costs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(costs[b], costs[a]) })
	owner := make([]int, len(costs))
	for _, u := range order {
		best := 0
		for k := range loads {
			if loads[k] < loads[best] {
				best = k
			}
		}
		owner[u] = best
		loads[best] += costs[u]
	}
	return owner
}

// runUnits runs one sweep of len(costs) independent units, costs[i] the
// estimated cost of unit i: compute(ctx, only) returns the results of the
// units only lists, in that order. Without sharding it computes them all; a
// shard computes its own, keeps their results and returns zero values for
// the others (the pipeline must end with run.shardDone before using them);
// a merge computes none and returns everyone's from the parts.
func runUnits[T any](ctx context.Context, run Run, name string, costs []float64, compute func(ctx context.Context, only []int) ([]T, error)) ([]T, error) {
	s := run.Shards
	if s == nil {
		all := make([]int, len(costs))
		for i := range all {
			all[i] = i
		}
		return compute(ctx, all)
	}
	owner := deal(costs, s.loads)
	out := make([]T, len(costs))
	if !s.IsMerge() {
		var mine []int
		for u, o := range owner {
			if o == s.shard.Index {
				mine = append(mine, u)
			}
		}
		st := PartStage{Name: name, Units: len(costs), Mine: mine}
		if len(mine) > 0 {
			res, err := compute(ctx, mine)
			if err != nil {
				return nil, err
			}
			for j, u := range mine {
				b, err := record.Marshal(res[j])
				if err != nil {
					return nil, fmt.Errorf("%s: unit %d: %w", name, u, err)
				}
				st.Records = append(st.Records, b)
				out[u] = res[j]
			}
		}
		s.stages = append(s.stages, st)
		return out, nil
	}
	stage := s.next
	s.next++
	for _, p := range s.parts {
		if stage >= len(p.Stages) {
			return nil, fmt.Errorf("part %s: has no sweep %d (%s); made by another version", p.Shard, stage, name)
		}
		st := p.Stages[stage]
		if st.Name != name || st.Units != len(costs) {
			return nil, fmt.Errorf("part %s: sweep %d is %q with %d units; this run's is %q with %d", p.Shard, stage, st.Name, st.Units, name, len(costs))
		}
		var want []int
		for u, o := range owner {
			if o == p.Shard.Index {
				want = append(want, u)
			}
		}
		if !slices.Equal(st.Mine, want) || len(st.Records) != len(want) {
			return nil, fmt.Errorf("part %s: sweep %q holds units %v; the shard's are %v", p.Shard, name, st.Mine, want)
		}
		for j, u := range st.Mine {
			if err := record.Unmarshal(st.Records[j], &out[u]); err != nil {
				return nil, fmt.Errorf("part %s: sweep %q unit %d: %w", p.Shard, name, u, err)
			}
		}
	}
	return out, nil
}

// shardDone returns ErrShardDone when r is a shard's run: its units are
// done and the results a pipeline holds are partial.
func (r Run) shardDone() error {
	if r.Shards != nil && !r.Shards.IsMerge() {
		return ErrShardDone
	}
	return nil
}

// Unsharded returns r without its sharding, for work every process does
// whole (a small model the sweep's units depend on).
func (r Run) Unsharded() Run {
	r.Shards = nil
	return r
}

// Part files are sealed (magic, version, length, payload, SHA-256).
const (
	partMagic   = "SPOSPART"
	partVersion = 1
	// maxPartBytes bounds the part files a merge reads.
	maxPartBytes = 1 << 32
)

// WritePart writes p to path atomically, with its checksum.
func WritePart(path string, p Part) error {
	b, err := record.Marshal(p)
	if err != nil {
		return fmt.Errorf("part %s: %w", path, err)
	}
	return sealed.WriteFile(path, partMagic, partVersion, b)
}

// ReadPart reads a part written by [WritePart], checking its checksum.
func ReadPart(path string) (Part, error) {
	body, err := sealed.ReadFile(path, partMagic, partVersion, maxPartBytes)
	if err != nil {
		return Part{}, fmt.Errorf("part: %w", err)
	}
	var p Part
	if err := record.Unmarshal(body, &p); err != nil {
		return Part{}, fmt.Errorf("part %s: %w", path, err)
	}
	return p, nil
}

// Estimated costs of units, in microseconds of one core of the 2-core AMD
// EPYC the project was measured on (models/tms and models/sae
// BenchmarkStep, batch 1024): a step's fixed cost (Gorgonia's per-op and
// per-run costs), the toy data drawn per feature, and an SAE's three
// matrix products. Only their ratios matter: they balance the shards.
const (
	stepMicros        = 200
	toyFeatureMicros  = 8.0 / 1024  // per sample and feature
	toyWeightMicros   = 0.1 / 1024  // per sample and weight
	saeMultiplyMicros = 6.0 / 13000 // per sample, input and latent
)

// toyCost estimates training one toy instance restarts times.
func toyCost(n, m, steps, batch, restarts int) float64 {
	b := float64(batch)
	return float64(restarts) * float64(steps) * (stepMicros + b*(toyFeatureMicros*float64(n)+toyWeightMicros*float64(n*m)))
}

// saeCost estimates training one SAE of latents on inputs activations.
func saeCost(inputs, latents, steps, batch int) float64 {
	return float64(steps) * (stepMicros + float64(batch)*saeMultiplyMicros*float64(inputs)*float64(latents))
}
