// Command lm trains the one-layer byte transformer of Towards
// Monosemanticity in miniature on the Go standard library's own source (the
// corpus rule of package corpus: nothing is downloaded), with the PyTorch
// peer's defaults (../shared/peers/lm_peer.py lm): d_model 128, 4 heads,
// d_mlp 512, context 128, 32 sequences a step, AdamW at peak 1e-2 with
// betas 0.9/0.99, 100 warm-up steps then cosine to 0, gradients clipped at 1.
//
//	go run ./experiments/lm [-out out/lm] [-seed 1] [-steps 26000] [-act relu|solu] [-checkpoint DIR]
//
// It writes into -out: summary.json (the resolved config, the corpus's
// size and SHA-256, the baselines unigram / zlib -9 / xz -9 on the
// validation bytes, the training curve in bits per byte, the exact final
// val_bits_per_byte over every validation window, tokens_seen and seeded
// samples), lm_curve.png, report.html, model.safetensors and config.json
// (TransformerLens' names and HookedTransformerConfig's fields, which
// lm_peer.py eval --load-tl reads) and timing.json (tokens_per_s of the
// training steps, wall_seconds). With -checkpoint DIR a killed run started
// again with the same flags resumes and ends with the same summary.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

func main() { os.Exit(exitCode(os.Args[1:])) }

// config is the flags' view of paper.LMConfig.
type config struct {
	paper.LMConfig
	checkpointDir string
}

func (c *config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same summary.json)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps")
	fs.StringVar(&c.Model.Act, "act", c.Model.Act, "MLP activation: relu or solu (x·softmax(x), then LayerNorm)")
	fs.IntVar(&c.Model.DModel, "d-model", c.Model.DModel, "residual stream width")
	fs.IntVar(&c.Model.Heads, "heads", c.Model.Heads, "attention heads (must divide -d-model)")
	fs.IntVar(&c.Model.DMLP, "d-mlp", c.Model.DMLP, "MLP neurons")
	fs.IntVar(&c.Model.Ctx, "ctx", c.Model.Ctx, "context length in bytes")
	fs.IntVar(&c.Batch, "batch", c.Batch, "sequences per step")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate (AdamW)")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "linear warm-up steps (then cosine to 0)")
	fs.Float64Var(&c.Adam.WeightDecay, "weight-decay", c.Adam.WeightDecay, "AdamW's decoupled weight decay")
	fs.Float64Var(&c.ClipNorm, "clip", c.ClipNorm, "global gradient-norm clip (0: none)")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "steps between points of the validation curve (0: steps/20)")
	fs.IntVar(&c.EvalWindows, "eval-windows", c.EvalWindows, "validation windows per curve point (the final figure uses all)")
	fs.IntVar(&c.Samples, "samples", c.Samples, "generated samples in the summary")
	fs.IntVar(&c.SampleBytes, "sample-bytes", c.SampleBytes, "bytes per sample")
	fs.Float64Var(&c.Temperature, "temperature", c.Temperature, "sampling temperature")
	fs.StringVar(&c.Root, "goroot-src", c.Root, "the corpus: GOROOT/src to read (default: `go env GOROOT`/src)")
	fs.StringVar(&c.checkpointDir, "checkpoint", c.checkpointDir, "folder for a training checkpoint: the same command again resumes from it")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", c.CheckpointEvery, "steps between checkpoints")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "log per-step detail")
}

// Bounds that keep a mistyped size from exhausting memory.
const (
	maxWidth  = 1 << 14 // d_model, d_mlp, ctx
	maxTokens = 1 << 20 // tokens a step
)

// Validate names the first bad flag.
func (c *config) Validate() error {
	if c.checkpointDir != "" {
		c.Checkpoint = filepath.Join(c.checkpointDir, "lm.ckpt")
	}
	m := c.Model.WithDefaults()
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case c.Steps < 1 || c.Steps > cli.MaxSteps:
		return fmt.Errorf("-steps %d: must be between 1 and %d", c.Steps, cli.MaxSteps)
	case m.Act != transformer.ReLU && m.Act != transformer.SoLU:
		return fmt.Errorf("-act %q: want relu or solu", m.Act)
	case m.DModel < 1 || m.Heads < 1 || m.DMLP < 1 || m.Ctx < 1:
		return fmt.Errorf("-d-model %d, -heads %d, -d-mlp %d, -ctx %d: must all be at least 1", m.DModel, m.Heads, m.DMLP, m.Ctx)
	case m.DModel > maxWidth || m.DMLP > maxWidth || m.Ctx > maxWidth:
		return fmt.Errorf("-d-model %d, -d-mlp %d, -ctx %d: each must be at most %d", m.DModel, m.DMLP, m.Ctx, maxWidth)
	case m.DModel%m.Heads != 0:
		return fmt.Errorf("-heads %d: must divide -d-model %d", m.Heads, m.DModel)
	case c.Batch < 1 || c.Batch > maxTokens/m.Ctx:
		return fmt.Errorf("-batch %d: must be between 1 and %d (at most %d tokens a step at -ctx %d)", c.Batch, maxTokens/m.Ctx, maxTokens, m.Ctx)
	case !(c.LR > 0 && c.LR <= cli.MaxLR):
		return fmt.Errorf("-lr %v: must be a number in (0, %v]", c.LR, cli.MaxLR)
	case c.Warmup < 0 || c.Warmup > cli.MaxSteps:
		return fmt.Errorf("-warmup %d: must be between 0 and %d", c.Warmup, cli.MaxSteps)
	case !(c.Adam.WeightDecay >= 0 && c.Adam.WeightDecay*c.LR < 1):
		// AdamW scales every weight by 1 − lr·wd a step.
		return fmt.Errorf("-weight-decay %v: must be ≥ 0 with -lr × -weight-decay below 1 (here %v)", c.Adam.WeightDecay, c.Adam.WeightDecay*c.LR)
	case !(c.ClipNorm >= 0) || math.IsInf(c.ClipNorm, 0):
		return fmt.Errorf("-clip %v: must be a finite number ≥ 0 (0: no clipping)", c.ClipNorm)
	case c.EvalEvery < 0 || c.EvalEvery > cli.MaxSteps:
		return fmt.Errorf("-eval-every %d: must be between 0 (steps/20) and %d", c.EvalEvery, cli.MaxSteps)
	case c.EvalWindows < 1 || c.EvalWindows > maxTokens:
		return fmt.Errorf("-eval-windows %d: must be between 1 and %d", c.EvalWindows, maxTokens)
	case c.Samples < 0 || c.SampleBytes < 0 || c.Samples > 100 || c.SampleBytes > 1<<16:
		return fmt.Errorf("-samples %d, -sample-bytes %d: want 0 to 100 samples of 0 to 65536 bytes", c.Samples, c.SampleBytes)
	case !(c.Temperature >= 1e-3 && c.Temperature <= 1e3):
		return fmt.Errorf("-temperature %v: must be in [0.001, 1000]", c.Temperature)
	case c.Checkpoint != "" && (c.CheckpointEvery < 1 || c.CheckpointEvery > cli.MaxSteps):
		return fmt.Errorf("-checkpoint-every %d: must be between 1 and %d", c.CheckpointEvery, cli.MaxSteps)
	}
	if err := cli.CheckpointFolder(c.checkpointDir); err != nil {
		return err
	}
	// Fields only a -config file sets.
	if err := c.LMConfig.Validate(); err != nil {
		return fmt.Errorf("-config: %w", err)
	}
	if c.Root != "" {
		if fi, err := os.Stat(c.Root); err != nil || !fi.IsDir() {
			return fmt.Errorf("-goroot-src %s: not a folder", c.Root)
		}
	}
	return nil
}

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := &config{LMConfig: paper.DefaultLMConfig()}
	fs := flag.NewFlagSet("lm", flag.ContinueOnError)
	cfg.Register(fs)
	return cli.Main("lm", fs, args, cfg, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		res, tps, err := paper.TrainLM(ctx, env.Run(), "lm", cfg.LMConfig)
		if err != nil {
			return err
		}
		env.Timing["tokens_per_s"] = float64(int(tps*10)) / 10
		return paper.WriteOutputs(cfg.Out, res, interp.Report{
			Title: "A one-layer byte transformer trained on Go's standard library",
			Intro: "The network of Towards Monosemanticity in miniature, trained on real text (Go's own source), " +
				"whose MLP neurons the next experiments decompose with sparse autoencoders.",
			Config: res.Config,
		}, func(out string) ([]interp.Section, error) { return paper.LMReport(out, res) })
	})
}
