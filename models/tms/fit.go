package tms

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"github.com/sirupsen/logrus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/toy"
)

// Spec is one instance of a sweep: a model and its feature distribution.
type Spec struct {
	Model Config     `json:"model"`
	Data  toy.Config `json:"data"`
}

// Validate reports the first bad field of the model or the data.
func (s Spec) Validate() error {
	if err := s.Model.Validate(); err != nil {
		return err
	}
	if err := s.Data.Validate(); err != nil {
		return err
	}
	if s.Data.Features != s.Model.Features {
		return fmt.Errorf("data has %d features, model %d", s.Data.Features, s.Model.Features)
	}
	return nil
}

// SweepConfig configures [Sweep].
type SweepConfig struct {
	// Train is the training setup of every restart.
	Train graph.Config `json:"train"`
	// Restarts is k of best-of-k (≥ 1): each instance is trained k times from
	// different initialisations and the lowest-loss fit is kept.
	Restarts int `json:"restarts"`
	// Seed determines every initialisation and every batch of the sweep.
	Seed uint64 `json:"seed"`
	// EvalSamples is the number of fresh samples the reported loss is
	// averaged over; 0 means 2²⁰ (≈10⁶).
	EvalSamples int `json:"eval_samples"`
	// CheckpointDir, when set, holds one checkpoint per instance and
	// restart, written every CheckpointEvery steps (default 1000); a sweep
	// run again with the same configuration resumes from them and ends
	// exactly as an uninterrupted one. Not part of the results.
	CheckpointDir   string `json:"-"`
	CheckpointEvery int    `json:"-"`
}

// Validate reports the first bad field.
func (c SweepConfig) Validate() error {
	if err := c.Train.Validate(); err != nil {
		return err
	}
	if c.Restarts < 1 {
		return fmt.Errorf("restarts %d: must be at least 1", c.Restarts)
	}
	if c.EvalSamples < 0 {
		return fmt.Errorf("eval_samples %d: must not be negative", c.EvalSamples)
	}
	return nil
}

// Result is the kept fit of one instance.
type Result struct {
	Spec
	// Seed is the seed of the kept restart: its parameters were drawn from
	// DeriveSeed(Seed, 0) and its batches from DeriveSeed(Seed, 1).
	Seed uint64
	// Restart is the index of the kept restart.
	Restart int
	// Loss is Σᵢ Iᵢ(xᵢ − x′ᵢ)² averaged over EvalSamples fresh samples.
	Loss float64
	// Objective is what was minimised, on the same samples: Loss plus the
	// model's other terms (an L1 penalty); the kept restart has the lowest.
	Objective float64
	// RestartLosses is the evaluated loss of every restart.
	RestartLosses []float64
	// Params holds the kept weights (tms.ParamW, tms.ParamB).
	Params *graph.Params
	// Resumed counts the restarts resumed from a checkpoint.
	Resumed int
	// TrainLoss is the kept restart's training loss (on its batches) every
	// LogEvery steps and at the last step, as graph.Train recorded it: the
	// curve behind a convergence check.
	TrainLoss []float64
}

// W returns the kept weights [hidden][features].
func (r Result) W() [][]float64 { return r.Params.Matrix(ParamW) }

// B returns the kept bias [features].
func (r Result) B() []float64 { return r.Params.Float64s(ParamB) }

// evalBatch is the batch size of loss evaluation.
const evalBatch = 1 << 14

// Sweep trains every instance of specs cfg.Restarts times, spreading all
// instance×restart jobs over the cores with graph.Sweep, and keeps the lowest
// evaluated objective per instance (the loss, plus any penalty term). Restart r of instance i is seeded with
// DeriveSeed(cfg.Seed, i, r); all restarts of an instance are evaluated on the
// same fresh samples. Results are identical for the same seed whatever the
// number of cores.
//
// Small linear and ReLU-output models (features × hidden ≤ 1024) of one
// size are trained stacked, several to a graph ([Stack]), which trains
// each to the same bits as alone but pays Gorgonia's per-step costs once
// per graph. Sweeps that keep checkpoints train every job alone.
func Sweep(ctx context.Context, specs []Spec, cfg SweepConfig, opts ...graph.Option) ([]Result, error) {
	all := make([]int, len(specs))
	for i := range all {
		all[i] = i
	}
	return SweepInstances(ctx, specs, all, cfg, opts...)
}

// SweepInstances is [Sweep] for the instances of specs listed in only
// (indices into specs, each at most once), with their results in that
// order: instance i is seeded and evaluated as in the whole sweep, so the
// results are the ones Sweep gives for them. A sweep split between
// processes (paper's shards) trains its parts with it.
func SweepInstances(ctx context.Context, specs []Spec, only []int, cfg SweepConfig, opts ...graph.Option) ([]Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tms: %w", err)
	}
	for i, s := range specs {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("tms: instance %d: %w", i, err)
		}
	}
	if cfg.CheckpointDir != "" {
		if err := os.MkdirAll(cfg.CheckpointDir, 0o755); err != nil {
			return nil, fmt.Errorf("tms: checkpoints: %w", err)
		}
	}
	samples := cfg.EvalSamples
	if samples == 0 {
		samples = 1 << 20
	}
	k := cfg.Restarts
	seen := make([]bool, len(specs))
	for _, i := range only {
		if i < 0 || i >= len(specs) || seen[i] {
			return nil, fmt.Errorf("tms: instance %d: not in the sweep's %d or listed twice", i, len(specs))
		}
		seen[i] = true
	}
	fits := make([]fit, len(specs)*k)
	units := planUnits(specs, only, k, cfg.CheckpointDir == "")
	_, err := graph.Sweep(ctx, len(units), func(ctx context.Context, u int) (struct{}, error) {
		jobs := units[u]
		var err error
		if len(jobs) == 1 {
			fits[jobs[0]], err = trainAlone(ctx, specs, cfg, jobs[0], opts)
		} else {
			err = trainStacked(ctx, specs, cfg, jobs, fits, opts)
		}
		if err != nil {
			return struct{}{}, err
		}
		for _, job := range jobs {
			i := job / k
			evalSrc, err := toy.NewSourcePCG(specs[i].Data, graph.NewPCG(graph.DeriveSeed(cfg.Seed, uint64(i), math.MaxUint64), 0))
			if err != nil {
				return struct{}{}, err
			}
			m, err := New(specs[i].Model)
			if err != nil {
				return struct{}{}, err
			}
			loss, err := graph.Evaluate(ctx, m, graph.FromFeatures(evalSrc), fits[job].params, samples, evalBatch)
			if err != nil {
				return struct{}{}, fmt.Errorf("tms: instance %d restart %d: %w", i, job%k, err)
			}
			fits[job].loss = loss[0].Value
			for _, t := range loss {
				fits[job].objective += t.Value
			}
		}
		return struct{}{}, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(only))
	for o, i := range only {
		s := specs[i]
		res := Result{Spec: s, Restart: -1, Loss: math.Inf(1), Objective: math.Inf(1)}
		for r := 0; r < k; r++ {
			f := fits[i*k+r]
			res.RestartLosses = append(res.RestartLosses, f.loss)
			if f.resumed > 0 {
				res.Resumed++
			}
			if f.objective < res.Objective {
				res.Restart, res.Seed, res.Loss, res.Objective, res.Params, res.TrainLoss = r, f.seed, f.loss, f.objective, f.params, f.curve
			}
		}
		if res.Restart < 0 {
			return nil, fmt.Errorf("tms: instance %d: no restart has a finite loss", i)
		}
		out[o] = res
	}
	return out, nil
}

// fit is the trained state of one job (instance i, restart r = job/k,
// job%k of a sweep with k restarts).
type fit struct {
	seed      uint64
	loss      float64
	objective float64
	params    *graph.Params
	resumed   int
	curve     []float64 // training loss records
}

// termCurve is term j of every record of h.
func termCurve(h graph.History, j int) []float64 {
	out := make([]float64, 0, len(h.Records))
	for _, r := range h.Records {
		if j < len(r.Terms) {
			out = append(out, r.Terms[j])
		}
	}
	return out
}

// StackMaxSize is the largest features × hidden of the models [Sweep]
// stacks into one graph. Small models are dominated by per-op and per-run
// costs, which stacking shares; large ones are dominated by arithmetic, and
// training them one per job balances the cores better.
const StackMaxSize = 1024

// planUnits splits the jobs of a sweep's instances only into units, each trained by one
// goroutine: a stack of small models of one kind and size (when stacking
// is allowed), or a single job. Each stackable group is dealt round-robin
// into as many stacks as there are cores, so that dense and sparse
// instances mix. Stacked instances train to the same bits as alone, so
// the plan (which depends on GOMAXPROCS) changes the speed, not the results.
func planUnits(specs []Spec, only []int, k int, stack bool) [][]int {
	type shape struct {
		kind Kind
		n, m int
	}
	groups := map[shape][]int{}
	var order []shape
	var units [][]int
	var listed []int
	for _, i := range only {
		for r := range k {
			listed = append(listed, i*k+r)
		}
	}
	for _, job := range listed {
		mc := specs[job/k].Model
		if !stack || !mc.Kind.Stackable() || mc.Features*mc.Hidden > StackMaxSize {
			units = append(units, []int{job})
			continue
		}
		key := shape{mc.Kind, mc.Features, mc.Hidden}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], job)
	}
	for _, key := range order {
		jobs := groups[key]
		g := min(runtime.GOMAXPROCS(0), len(jobs))
		for c := range g {
			var unit []int
			for j := c; j < len(jobs); j += g {
				unit = append(unit, jobs[j])
			}
			units = append(units, unit)
		}
	}
	return units
}

// jobSetup returns the model, data source and parameter store of a job,
// seeded as the sweep documents.
func jobSetup(specs []Spec, cfg SweepConfig, job int) (*Model, *toy.Source, *graph.Params, uint64, error) {
	i, r := job/cfg.Restarts, job%cfg.Restarts
	seed := graph.DeriveSeed(cfg.Seed, uint64(i), uint64(r))
	m, err := New(specs[i].Model)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	src, err := toy.NewSourcePCG(specs[i].Data, graph.NewPCG(graph.DeriveSeed(seed, 1), 0))
	if err != nil {
		return nil, nil, nil, 0, err
	}
	return m, src, graph.NewParams(graph.DeriveSeed(seed, 0)), seed, nil
}

// jobFields names a job in log lines: model kind, shape, feature
// probability (p = 1 − S; the first feature's when they differ), instance and
// restart.
func jobFields(specs []Spec, cfg SweepConfig, job int) logrus.Fields {
	i, r := job/cfg.Restarts, job%cfg.Restarts
	s := specs[i]
	f := logrus.Fields{"model": string(s.Model.Kind), "n": s.Model.Features, "m": s.Model.Hidden, "instance": i, "restart": r}
	if len(s.Data.Probability) > 0 {
		f["p"] = strconv.FormatFloat(s.Data.Probability[0], 'g', 4, 64)
	}
	return f
}

// trainAlone trains one job in its own graph, with its checkpoint if the
// sweep keeps them.
func trainAlone(ctx context.Context, specs []Spec, cfg SweepConfig, job int, opts []graph.Option) (fit, error) {
	i, r := job/cfg.Restarts, job%cfg.Restarts
	m, src, p, seed, err := jobSetup(specs, cfg, job)
	if err != nil {
		return fit{}, err
	}
	jobOpts := opts
	if cfg.CheckpointDir != "" {
		key, err := json.Marshal(struct {
			Spec     Spec
			Train    graph.Config
			Seed     uint64
			Instance int
			Restart  int
		}{specs[i], cfg.Train, cfg.Seed, i, r})
		if err != nil {
			return fit{}, err
		}
		every := cfg.CheckpointEvery
		if every == 0 {
			every = 1000
		}
		path := filepath.Join(cfg.CheckpointDir, fmt.Sprintf("instance-%04d-restart-%03d.ckpt", i, r))
		jobOpts = append(slices.Clone(opts), graph.WithCheckpoint(path, string(key), every))
	}
	jobOpts = append(slices.Clone(jobOpts), graph.WithLogFields(jobFields(specs, cfg, job)))
	hist, err := graph.Train(ctx, m, graph.FromFeatures(src), p, cfg.Train, jobOpts...)
	if err != nil {
		return fit{}, fmt.Errorf("tms: instance %d restart %d: %w", i, r, err)
	}
	return fit{seed: seed, params: p, resumed: hist.ResumedAt, curve: termCurve(hist, 0)}, nil
}

// trainStacked trains the jobs in one stacked graph and stores their fits.
func trainStacked(ctx context.Context, specs []Spec, cfg SweepConfig, jobs []int, fits []fit, opts []graph.Option) error {
	models := make([]*Model, len(jobs))
	cfgs := make([]Config, len(jobs))
	srcs := make([]graph.Features, len(jobs))
	ps := make([]*graph.Params, len(jobs))
	for j, job := range jobs {
		m, src, p, seed, err := jobSetup(specs, cfg, job)
		if err != nil {
			return err
		}
		models[j], cfgs[j], srcs[j], ps[j] = m, m.Config, src, p
		fits[job] = fit{seed: seed, params: p}
	}
	stack, err := NewStack(cfgs)
	if err != nil {
		return err
	}
	sp, err := StackParams(models, ps)
	if err != nil {
		return err
	}
	src, err := graph.StackSources(srcs...)
	if err != nil {
		return err
	}
	tc := cfg.Train
	tc.Batch *= len(jobs)
	fields := make([]logrus.Fields, len(jobs))
	for j, job := range jobs {
		fields[j] = jobFields(specs, cfg, job)
	}
	stackOpts := append(slices.Clone(opts), graph.WithProgressPerStep(len(jobs)), graph.WithTermFields(fields))
	hist, err := graph.Train(ctx, stack, graph.FromFeatures(src), sp, tc, stackOpts...)
	if err != nil {
		var names []string
		for _, job := range jobs {
			names = append(names, fmt.Sprintf("%d/%d", job/cfg.Restarts, job%cfg.Restarts))
		}
		return fmt.Errorf("tms: stacked instances/restarts %v: %w", names, err)
	}
	for j, job := range jobs {
		fits[job].curve = termCurve(hist, j)
	}
	return UnstackParams(sp, models, ps)
}
