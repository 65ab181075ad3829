package paper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/transformer"
)

// LMConfig is the configuration of a one-layer byte transformer trained on
// the Go standard library's source (Towards Monosemanticity's model in
// miniature). The defaults are those of the PyTorch peer
// (../shared/peers/lm_peer.py lm).
type LMConfig struct {
	// Out is the output folder; not part of the results.
	Out string `json:"-"`
	// Seed determines the initialisation, the training windows and the
	// samples.
	Seed uint64 `json:"seed"`
	// Steps is the number of training steps (≥ 1).
	Steps int `json:"steps"`
	// Model is the transformer's shape.
	Model transformer.Config `json:"model"`
	// Batch is the number of sequences of Model.Ctx bytes per step.
	Batch int `json:"batch_sequences"`
	// LR is the peak learning rate, reached after Warmup steps; the rate
	// then follows the peer's warmup × cosine schedule to 0.
	LR     float64 `json:"lr"`
	Warmup int     `json:"warmup"`
	// Adam's betas, ε and decoupled weight decay (AdamW).
	Adam graph.AdamConfig `json:"adam"`
	// ClipNorm is the global gradient-norm clip (0: none).
	ClipNorm float64 `json:"clip_norm"`
	// EvalEvery is the interval in steps of the validation curve's points,
	// each over the first EvalWindows validation windows; 0 means
	// Steps/20 (at least 1). The final figure is exact (every window).
	EvalEvery   int `json:"eval_every"`
	EvalWindows int `json:"eval_windows"`
	// EvalBatch is the number of windows per evaluation batch.
	EvalBatch int `json:"eval_batch"`
	// Samples is the number of generated texts, SampleBytes long each, at
	// Temperature.
	Samples     int     `json:"samples"`
	SampleBytes int     `json:"sample_bytes"`
	Temperature float64 `json:"temperature"`
	// Root is GOROOT/src of the corpus ("" means `go env GOROOT`/src); the
	// corpus's size and SHA-256 are in the summary, so the path is not.
	Root string `json:"-"`
	// Checkpoint is a file to resume from and save to every
	// CheckpointEvery steps ("" means none). Neither is part of the results.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
	// Verbose asks for per-step debug logging; not part of the results.
	Verbose bool `json:"-"`
}

// DefaultLMConfig returns the peer's setup: 32 sequences × 128 bytes a step,
// AdamW at peak 1e-2 with betas 0.9/0.99 and no weight decay, 100 warm-up
// steps then cosine to 0, gradients clipped at norm 1; 26,000 steps (106M
// tokens), which take about 31 minutes on 2 cores at the ~57,000 tokens/s
// measured with AVX-512 (experiments/bench -workload lm). 24,000 steps
// reached 2.2007 bits per byte, 26,000 reached 2.1974.
func DefaultLMConfig() LMConfig {
	return LMConfig{
		Out: "out/lm", Seed: 1, Steps: 26000, Model: transformer.DefaultConfig(), Batch: 32, LR: 1e-2, Warmup: 100,
		Adam: graph.AdamConfig{Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}, ClipNorm: 1, EvalWindows: 256, EvalBatch: 64,
		Samples: 3, SampleBytes: 240, Temperature: 0.8, CheckpointEvery: 100,
	}
}

// WithDefaults resolves every automatic value (the model's defaults,
// EvalEvery), so that a summary shows what ran.
func (c LMConfig) WithDefaults() LMConfig {
	c.Model = c.Model.WithDefaults()
	if c.EvalEvery == 0 {
		c.EvalEvery = max(c.Steps/20, 1)
	}
	return c
}

// Validate reports the first bad field.
func (c LMConfig) Validate() error {
	// The training fields are checked as the loop checks them.
	if err := c.trainConfig().Validate(); err != nil {
		return err
	}
	switch {
	case c.EvalEvery < 0 || c.EvalWindows < 1 || c.EvalBatch < 1:
		return fmt.Errorf("eval_every %d, eval_windows %d, eval_batch %d: want ≥ 0, ≥ 1, ≥ 1", c.EvalEvery, c.EvalWindows, c.EvalBatch)
	case c.Samples < 0 || c.SampleBytes < 0:
		return fmt.Errorf("samples %d, sample_bytes %d: must not be negative", c.Samples, c.SampleBytes)
	case !(c.Temperature > 0) || math.IsInf(c.Temperature, 0):
		return fmt.Errorf("temperature %v: must be a positive number", c.Temperature)
	case c.Checkpoint != "" && c.CheckpointEvery < 1:
		return fmt.Errorf("checkpoint_every %d: must be at least 1", c.CheckpointEvery)
	}
	return c.Model.WithDefaults().Validate()
}

// trainConfig is the training loop's configuration of c.
func (c LMConfig) trainConfig() graph.Config {
	return graph.Config{Steps: c.Steps, Batch: c.Batch, LR: c.LR, Schedule: graph.WarmupCosine, Warmup: c.Warmup,
		Adam: c.Adam, ClipNorm: c.ClipNorm, LogEvery: c.EvalEvery}
}

// LMPoint is one point of the training curve.
type LMPoint struct {
	Step   int `json:"step"`
	Tokens int `json:"tokens"`
	// TrainBits is the training batch's cross-entropy, bits per byte (0
	// where the loop kept no record: the points at powers of two).
	TrainBits float64 `json:"train_bits_per_byte,omitempty"`
	// ValBits is the mean over the first EvalWindows validation windows.
	ValBits float64 `json:"val_bits_per_byte_quick"`
}

// LMSample is a generated text.
type LMSample struct {
	Prompt string `json:"prompt"`
	Text   string `json:"text"`
}

// LMResult is the content of the lm experiment's summary.json.
type LMResult struct {
	Experiment string           `json:"experiment"`
	Config     LMConfig         `json:"config"`
	Corpus     corpus.Stats     `json:"corpus"`
	Baselines  corpus.Baselines `json:"baselines"`
	// ValBitsPerByte is the final model's exact validation figure: every
	// position of every validation window.
	ValBitsPerByte float64 `json:"val_bits_per_byte"`
	// ValWindows is the number of windows it covers.
	ValWindows int `json:"val_windows"`
	// TokensSeen is the number of training tokens (steps × batch × ctx).
	TokensSeen int       `json:"tokens_seen"`
	Curve      []LMPoint `json:"curve"`
	// Parameters is the number of trained values.
	Parameters int        `json:"parameters"`
	Samples    []LMSample `json:"samples"`
}

// lmPrompts are the starts of the generated samples.
var lmPrompts = []string{"package ", "func (s *", "// Copyright 20", "\tif err != nil {\n\t\t"}

// TrainLM trains the transformer of cfg on the Go corpus (progress labelled
// label), writes the model (TransformerLens layout) into cfg.Out and
// returns the summary and the tokens per second of the training steps
// (evaluation excluded).
func TrainLM(ctx context.Context, r Run, label string, cfg LMConfig) (LMResult, float64, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return LMResult{}, 0, err
	}
	root := cfg.Root
	if root == "" {
		var err error
		if root, err = corpus.DefaultRoot(); err != nil {
			return LMResult{}, 0, err
		}
	}
	log := r.log()
	c, err := corpus.Load(root)
	if err != nil {
		return LMResult{}, 0, err
	}
	stats := c.Stats()
	stats.Root = "" // machine-specific; the hashes identify the corpus
	log.WithField("files", stats.Files).WithField("train_bytes", stats.TrainBytes).Info("corpus")
	base, err := corpus.ComputeBaselines(c)
	if err != nil {
		return LMResult{}, 0, err
	}
	m, err := transformer.New(cfg.Model)
	if err != nil {
		return LMResult{}, 0, err
	}
	src, err := corpus.NewWindows(c.Train, cfg.Model.Ctx, graph.StreamSeed(cfg.Seed, "lm/windows"))
	if err != nil {
		return LMResult{}, 0, err
	}
	p := graph.NewParams(graph.StreamSeed(cfg.Seed, "lm/init"))
	tokensPerStep := cfg.Batch * cfg.Model.Ctx
	res := LMResult{Experiment: "lm", Config: cfg, Corpus: stats, Baselines: base, TokensSeen: cfg.Steps * tokensPerStep}

	// The validation curve is training-loop state: a resumed run keeps the
	// points made before it stopped.
	var curve []LMPoint
	var evalTime time.Duration
	hooks := graph.Hooks{
		AfterStep: func(step int, p *graph.Params) error {
			// The loop records the training loss at the same steps; the
			// steps 2, 4, 8, … add validation points to the curve's start,
			// which a log-scale axis shows.
			pow2 := step+1 >= 2 && (step+1)&step == 0
			if step%cfg.EvalEvery != 0 && step != cfg.Steps-1 && !pow2 {
				return nil
			}
			t0 := time.Now()
			bits, err := transformer.BitsPerByte(ctx, m, p, c.Val, cfg.EvalBatch, cfg.EvalWindows, nil)
			evalTime += time.Since(t0)
			if err != nil {
				return err
			}
			curve = append(curve, LMPoint{Step: step + 1, Tokens: (step + 1) * tokensPerStep, ValBits: round4(bits)})
			log.WithField("step", step+1).WithField("val_bits_per_byte", round4(bits)).Info("lm")
			return nil
		},
		Save: func() ([]byte, error) { return json.Marshal(curve) },
		Load: func(b []byte) error { return json.Unmarshal(b, &curve) },
	}
	tc := cfg.trainConfig()
	bar := r.progress(label, cfg.Steps)
	bar.SetRate("tokens", float64(tokensPerStep))
	opts := append(r.trainOptions(bar), graph.WithHooks(hooks))
	if cfg.Checkpoint != "" {
		key, err := lmCheckpointKey(cfg, stats)
		if err != nil {
			return LMResult{}, 0, err
		}
		opts = append(opts, graph.WithCheckpoint(cfg.Checkpoint, key, cfg.CheckpointEvery))
	}
	t0 := time.Now()
	hist, err := graph.Train(ctx, m, src, p, tc, opts...)
	trainTime := time.Since(t0) - evalTime
	bar.Finish()
	if err != nil {
		return LMResult{}, 0, err
	}
	if hist.ResumedAt > 0 {
		log.Warnf("lm: resumed from its checkpoint at step %d", hist.ResumedAt)
	}
	// Train losses are recorded every EvalEvery steps and at the last, as
	// the curve's points are (a point's Step counts the updates done).
	train := map[int]float64{}
	for _, rec := range hist.Records {
		train[rec.Step+1] = rec.Terms[0] / math.Ln2
	}
	for i := range curve {
		curve[i].TrainBits = round4(train[curve[i].Step])
	}
	res.Curve = curve
	for _, name := range p.Names() {
		res.Parameters += p.Tensor(name).Size()
	}
	res.ValWindows = transformer.Windows(c.Val, cfg.Model.Ctx)
	if res.ValBitsPerByte, err = transformer.BitsPerByte(ctx, m, p, c.Val, cfg.EvalBatch, 0, nil); err != nil {
		return LMResult{}, 0, err
	}
	res.ValBitsPerByte = round4(res.ValBitsPerByte)
	for i := 0; i < cfg.Samples; i++ {
		prompt := lmPrompts[i%len(lmPrompts)]
		text, err := transformer.Sample(m, p, []byte(prompt), cfg.SampleBytes, cfg.Temperature, graph.StreamSeed(cfg.Seed, "lm/sample", i))
		if err != nil {
			return LMResult{}, 0, err
		}
		res.Samples = append(res.Samples, LMSample{Prompt: prompt, Text: string(bytes.ToValidUTF8(text, []byte("�")))})
	}
	if cfg.Out != "" {
		if err := transformer.ExportTransformerLens(cfg.Out, m, p); err != nil {
			return LMResult{}, 0, err
		}
	}
	// A resumed run timed only the steps it ran.
	ran := cfg.Steps - hist.ResumedAt
	tps := 0.0
	if s := trainTime.Seconds(); s > 0 {
		tps = float64(ran*tokensPerStep) / s
	}
	return res, tps, nil
}

// lmCheckpointKey identifies a run for its checkpoints: the whole resolved
// configuration and the corpus's hashes, so that a checkpoint made with other
// settings or on another Go version's source is refused.
func lmCheckpointKey(cfg LMConfig, s corpus.Stats) (string, error) {
	b, err := json.Marshal(struct {
		Config        LMConfig
		Train, Val    string
		Bytes, VBytes int
	}{cfg, s.SHA256Train, s.SHA256Val, s.TrainBytes, s.ValBytes})
	return string(b), err
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// LMExperiment trains the transformer of cfg (TrainLM) and writes into
// cfg.Out, beside the model, summary.json, the loss curve of LMReport and
// report.html. It returns the tokens per second of the training steps.
func LMExperiment(ctx context.Context, run Run, cfg LMConfig) (tokensPerS float64, err error) {
	res, tps, err := TrainLM(ctx, run, "lm", cfg)
	if err != nil {
		return 0, err
	}
	return tps, WriteOutputs(cfg.Out, res, interp.Report{
		Title: "A one-layer byte transformer trained on Go's standard library",
		Intro: "The network of Towards Monosemanticity in miniature, trained on real text (Go's own source), " +
			"whose MLP neurons the next experiments decompose with sparse autoencoders.",
		Config: res.Config,
	}, func(out string) ([]interp.Section, error) { return LMReport(out, res) })
}

// LMReport writes the lm experiment's loss curve (lm_curve.png) into out and
// returns the report's sections, every sentence computed from res.
func LMReport(out string, res LMResult) ([]interp.Section, error) {
	if len(res.Curve) == 0 {
		return nil, errors.New("lm report: no curve points")
	}
	var tr, va interp.Series
	tr = interp.Series{Name: "train batch", Line: true}
	va = interp.Series{Name: "validation (first windows)", Line: true, Points: true}
	for _, pt := range res.Curve {
		if pt.TrainBits > 0 {
			tr.X, tr.Y = append(tr.X, float64(pt.Tokens)), append(tr.Y, pt.TrainBits)
		}
		va.X, va.Y = append(va.X, float64(pt.Tokens)), append(va.Y, pt.ValBits)
	}
	exact := interp.Series{Name: "validation, exact (every window)", Points: true, Radius: 4,
		X: []float64{float64(res.TokensSeen)}, Y: []float64{res.ValBitsPerByte}}
	b := res.Baselines
	guides := []interp.Guide{{Y: b.UnigramBits, Label: "unigram"}, {Y: b.Zlib9GoBits, Label: "zlib -9"}}
	if b.Xz9Bits != nil {
		guides = append(guides, interp.Guide{Y: *b.Xz9Bits, Label: "xz -9"})
	}
	png := filepath.Join(out, "lm_curve.png")
	if err := interp.SaveChart(png, interp.Chart{Title: "One-layer byte transformer on Go's standard library",
		XLabel: "training tokens", YLabel: "bits per byte", LogX: true, HLines: guides}, tr, va, exact); err != nil {
		return nil, err
	}
	last := res.Curve[len(res.Curve)-1]
	paras := []string{
		fmt.Sprintf("%s parameters trained on %s tokens (%s steps of %d × %d bytes). Exact validation figure: %s bits per byte over %s windows of %s held-out bytes; the last quick estimate (first %d windows) was %s.",
			thousands(res.Parameters), thousands(res.TokensSeen), thousands(res.Config.Steps), res.Config.Batch, res.Config.Model.Ctx,
			sig4(res.ValBitsPerByte), thousands(res.ValWindows), thousands(res.Corpus.ValBytes), res.Config.EvalWindows, sig4(last.ValBits)),
		compareBaseline("the unigram entropy of the training bytes", b.UnigramBits, res.ValBitsPerByte),
		compareBaseline("zlib at level 9 (Go's compress/zlib) on the validation bytes", b.Zlib9GoBits, res.ValBitsPerByte),
	}
	if b.Xz9Bits != nil {
		paras = append(paras, compareBaseline("xz -9 on the validation bytes", *b.Xz9Bits, res.ValBitsPerByte))
	}
	var val []float64
	for _, pt := range res.Curve {
		val = append(val, pt.ValBits)
	}
	// The quick validation points are few (about twenty): the trend is
	// read from the last two against the two before.
	sec := interp.Section{Heading: "Training", Paragraphs: paras,
		Warnings: nonEmpty(failureWarning("runs", []string{"the transformer"}, []float64{res.ValBitsPerByte}),
			convergenceWarning("runs", []string{"the transformer"}, []interp.Trend{interp.LossTrend(val)})),
		Figures: []interp.Figure{{Path: png, Caption: "Bits per byte against training tokens, with the compressors' figures on the same validation bytes."}}}
	samples := interp.Section{Heading: "Samples"}
	for _, s := range res.Samples {
		samples.Paragraphs = append(samples.Paragraphs, fmt.Sprintf("%q → %q", s.Prompt, s.Text))
	}
	return []interp.Section{sec, samples}, nil
}

// compareBaseline says how the model's figure stands against a baseline's.
func compareBaseline(name string, base, model float64) string {
	switch {
	case math.IsNaN(model) || math.IsInf(model, 0):
		return fmt.Sprintf("Against %s (%s bits per byte): no comparison, the model's figure is %s.", name, sig4(base), sig(model))
	case model < base:
		return fmt.Sprintf("It beats %s (%s bits per byte) by %s.", name, sig4(base), sig(base-model))
	}
	return fmt.Sprintf("It is %s bits per byte short of %s (%s).", sig(model-base), name, sig4(base))
}
