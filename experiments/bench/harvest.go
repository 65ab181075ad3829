package main

import (
	"math"

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
	m, c, _, err := defaultTransformer(cfg)
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
	d, mlp := float64(mc.DModel), float64(mc.DMLP)
	// The forward pass up to hook_post: QKV and O, attention's QKᵀ and PV
	// over the causal triangle, the MLP's input product.
	perToken := 2*(4*d*d+d*mlp) + 2*2*d*(float64(mc.Ctx)+1)/2
	timed := cfg.Steps - 1
	res, err := timeSteps(cfg, timed, perToken*float64(rows), func() error {
		for range timed {
			s.Fill(x)
		}
		return s.Err()
	})
	if err != nil {
		return Result{}, err
	}
	res.TokensPerS = math.Round(res.StepsPerS * float64(rows))
	return res, nil
}
