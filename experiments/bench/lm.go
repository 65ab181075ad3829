package main

import (
	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

// benchLM times training steps of the one-layer byte transformer of
// experiments/lm (the peer's `lm_peer.py lm`): the default model, -batch
// sequences of 128 bytes (-ctx) of the Go corpus a step, AdamW as the peer
// (betas 0.9/0.99, warmup × cosine, clip 1) at -lr. It reports tokens per
// second in the loss-free fields' place: steps_per_s × batch × 128 is
// tokens_per_s, which the result also carries.
func benchLM(cfg Config) (Result, error) {
	m, c, lm, err := defaultTransformer(cfg)
	if err != nil {
		return Result{}, err
	}
	mc := m.Config()
	src, err := corpus.NewWindows(c.Train, mc.Ctx, graph.StreamSeed(cfg.Seed, "bench/lm"))
	if err != nil {
		return Result{}, err
	}
	lr := cfg.LR
	if lr == 1e-3 { // the toy default: take the peer's LM rate
		lr = lm.LR
	}
	t, err := graph.NewTrainer(m, src, graph.NewParams(graph.StreamSeed(cfg.Seed, "bench/lm/init")), graph.Config{
		Steps: cfg.Steps, Batch: cfg.Batch, LR: lr, Schedule: graph.WarmupCosine, Warmup: lm.Warmup,
		Adam: lm.Adam, ClipNorm: lm.ClipNorm})
	if err != nil {
		return Result{}, err
	}
	defer t.Close()
	// Forward + backward ≈ 3 × the forward's 2·(parameters in products)
	// per token, plus attention's QKᵀ and PV over the causal triangle.
	d, mlp, T := float64(mc.DModel), float64(mc.DMLP), float64(mc.Ctx)
	perToken := 6*(4*d*d+2*d*mlp+d*float64(mc.Vocab)) + 3*2*2*d*(T+1)/2
	tokens := float64(cfg.Batch) * T
	res, last, err := measure(cfg, []*graph.Trainer{t}, perToken*tokens)
	if err != nil {
		return Result{}, err
	}
	res.Loss = last[0][0]
	res.TokensPerS = res.StepsPerS * tokens
	return res, nil
}

// defaultTransformer loads the Go corpus and builds experiments/lm's default
// transformer (at -ctx when given), returning the model, the corpus and the
// configuration it came from.
func defaultTransformer(cfg Config) (*transformer.Model, *corpus.Corpus, paper.LMConfig, error) {
	lm := paper.DefaultLMConfig()
	root, err := corpus.DefaultRoot()
	if err != nil {
		return nil, nil, lm, err
	}
	c, err := corpus.Load(root)
	if err != nil {
		return nil, nil, lm, err
	}
	if cfg.Ctx > 0 {
		lm.Model.Ctx = cfg.Ctx
	}
	m, err := transformer.New(lm.Model)
	return m, c, lm, err
}
