package main

import (
	"math"
	"runtime"
	"time"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

// benchHarvest times the activation harvest of experiments/monosemanticity:
// the default transformer's forward passes over -batch windows of 128 bytes
// (-ctx) of the training stream, up to blocks.0.mlp.hook_post, through the
// shuffle buffer (monosemanticity's 65,536 rows) that hands out -batch × ctx
// rows a step. The weights are an untrained initialisation: a forward pass
// costs the same whatever they are. Its peer is the time `lm_peer.py sae
// --load-tl` spends making data (seconds_making_data), a full forward pass
// with a hook (see compare_harvest.sh). A step is one Fill of batch × ctx
// rows; tokens_per_s counts rows.
func benchHarvest(cfg Config) (Result, error) {
	root, err := corpus.DefaultRoot()
	if err != nil {
		return Result{}, err
	}
	c, err := corpus.Load(root)
	if err != nil {
		return Result{}, err
	}
	lm := paper.DefaultLMConfig()
	if cfg.Ctx > 0 {
		lm.Model.Ctx = cfg.Ctx
	}
	m, err := transformer.New(lm.Model)
	if err != nil {
		return Result{}, err
	}
	mc := m.Config()
	win, err := corpus.NewWindows(c.Train, mc.Ctx, graph.StreamSeed(cfg.Seed, "bench/harvest"))
	if err != nil {
		return Result{}, err
	}
	// Building a training graph once creates the parameters as TrainLM
	// initialises them.
	p := graph.NewParams(graph.StreamSeed(cfg.Seed, "bench/harvest/init"))
	tr, err := graph.NewTrainer(m, win, p, graph.Config{Steps: 1, Batch: 1, LR: 1e-3})
	if err != nil {
		return Result{}, err
	}
	tr.Close()
	rows := cfg.Batch * mc.Ctx
	buffer := max(paper.DefaultMonoConfig().BufferRows, rows)
	s, err := transformer.NewActivationStream(m, p, win, transformer.HookMLPPost, cfg.Batch, buffer, graph.StreamSeed(cfg.Seed, "bench/harvest/shuffle"))
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	x := make([]float32, rows*s.Width())
	// One Fill before the clock: the buffers of the forward program are
	// allocated by its first pass.
	s.Fill(x)
	timed := cfg.Steps - 1
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range timed {
		s.Fill(x)
	}
	secs := time.Since(start).Seconds()
	runtime.ReadMemStats(&after)
	if err := s.Err(); err != nil {
		return Result{}, err
	}
	d, mlp := float64(mc.DModel), float64(mc.DMLP)
	// The forward pass up to hook_post: QKV and O, attention's QKᵀ and PV
	// over the causal triangle, the MLP's input product.
	perToken := 2*(4*d*d+d*mlp) + 2*2*d*(float64(mc.Ctx)+1)/2
	steps := float64(timed)
	res := Result{
		Workload:      cfg.Workload,
		Config:        cfg,
		Threads:       runtime.GOMAXPROCS(0),
		Seconds:       math.Round(secs*1e4) / 1e4,
		StepsPerS:     math.Round(steps/secs*100) / 100,
		BytesPerStep:  math.Round(float64(after.TotalAlloc-before.TotalAlloc) / steps),
		AllocsPerStep: math.Round(float64(after.Mallocs-before.Mallocs)/steps*10) / 10,
	}
	res.TokensPerS = math.Round(steps * float64(rows) / secs)
	res.GFLOPs = math.Round(perToken*res.TokensPerS/1e9*100) / 100
	return res, nil
}
