package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

// LM holds the flags of experiments/lm.
type LM struct {
	paper.LMConfig
	// checkpointDir is -checkpoint, the folder of LMConfig.Checkpoint.
	checkpointDir string
}

// Register adds lm's flags to fs with c's values as defaults.
func (c *LM) Register(fs *flag.FlagSet) {
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

// Bounds that keep a mistyped transformer size from exhausting memory.
const (
	maxLMWidth  = 1 << 14 // d_model, d_mlp, ctx
	maxLMTokens = 1 << 20 // validation windows
	// maxLMStepTokens bounds the tokens of a training step: 2²⁰ needs about
	// 32 GiB, 2¹⁸ about 8.
	maxLMStepTokens = 1 << 18
)

// Validate names the first bad flag. It sets the checkpoint file from
// -checkpoint.
func (c *LM) Validate() error {
	if c.checkpointDir != "" {
		c.Checkpoint = filepath.Join(c.checkpointDir, "lm.ckpt")
	}
	m := c.Model.WithDefaults()
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case c.Steps < 1 || c.Steps > MaxSteps:
		return fmt.Errorf("-steps %d: must be between 1 and %d", c.Steps, MaxSteps)
	case m.Act != transformer.ReLU && m.Act != transformer.SoLU:
		return fmt.Errorf("-act %q: want relu or solu", m.Act)
	case m.DModel < 1 || m.Heads < 1 || m.DMLP < 1 || m.Ctx < 1:
		return fmt.Errorf("-d-model %d, -heads %d, -d-mlp %d, -ctx %d: must all be at least 1", m.DModel, m.Heads, m.DMLP, m.Ctx)
	case m.DModel > maxLMWidth || m.DMLP > maxLMWidth || m.Ctx > maxLMWidth:
		return fmt.Errorf("-d-model %d, -d-mlp %d, -ctx %d: each must be at most %d", m.DModel, m.DMLP, m.Ctx, maxLMWidth)
	case m.DModel%m.Heads != 0:
		return fmt.Errorf("-heads %d: must divide -d-model %d", m.Heads, m.DModel)
	case c.Batch < 1 || c.Batch > maxLMStepTokens/m.Ctx:
		return fmt.Errorf("-batch %d: must be between 1 and %d (at most %d tokens a step at -ctx %d)", c.Batch, maxLMStepTokens/m.Ctx, maxLMStepTokens, m.Ctx)
	case !(c.LR > 0 && c.LR <= MaxLR):
		return fmt.Errorf("-lr %v: must be a number in (0, %v]", c.LR, MaxLR)
	case c.Warmup < 0 || c.Warmup > MaxSteps:
		return fmt.Errorf("-warmup %d: must be between 0 and %d", c.Warmup, MaxSteps)
	case !(c.Adam.WeightDecay >= 0 && c.Adam.WeightDecay*c.LR < 1):
		// AdamW scales every weight by 1 − lr·wd a step.
		return fmt.Errorf("-weight-decay %v: must be ≥ 0 with -lr × -weight-decay below 1 (here %v)", c.Adam.WeightDecay, c.Adam.WeightDecay*c.LR)
	case !(c.ClipNorm >= 0) || math.IsInf(c.ClipNorm, 0):
		return fmt.Errorf("-clip %v: must be a finite number ≥ 0 (0: no clipping)", c.ClipNorm)
	case c.EvalEvery < 0 || c.EvalEvery > MaxSteps:
		return fmt.Errorf("-eval-every %d: must be between 0 (steps/20) and %d", c.EvalEvery, MaxSteps)
	case c.EvalWindows < 1 || c.EvalWindows > maxLMTokens:
		return fmt.Errorf("-eval-windows %d: must be between 1 and %d", c.EvalWindows, maxLMTokens)
	case c.Samples < 0 || c.SampleBytes < 0 || c.Samples > 100 || c.SampleBytes > 1<<16:
		return fmt.Errorf("-samples %d, -sample-bytes %d: want 0 to 100 samples of 0 to 65536 bytes", c.Samples, c.SampleBytes)
	case !(c.Temperature >= 1e-3 && c.Temperature <= 1e3):
		return fmt.Errorf("-temperature %v: must be in [0.001, 1000]", c.Temperature)
	case c.Checkpoint != "" && (c.CheckpointEvery < 1 || c.CheckpointEvery > MaxSteps):
		return fmt.Errorf("-checkpoint-every %d: must be between 1 and %d", c.CheckpointEvery, MaxSteps)
	}
	if err := CheckpointFolder(c.checkpointDir); err != nil {
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

// Mono holds the flags of experiments/monosemanticity.
type Mono struct{ paper.MonoConfig }

// Register adds monosemanticity's flags to fs with c's values as defaults.
func (c *Mono) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.StringVar(&c.LM, "lm", c.LM, "folder of an experiments/lm run (its model.safetensors and config.json)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same summary.json)")
	fs.Var(IntList(&c.Sizes), "sizes", "dictionary sizes, comma-separated")
	fs.Var((*nameList)(&c.Variants), "variants", "SAE variants, comma-separated: "+fmt.Sprint(sae.Variants))
	fs.IntVar(&c.K, "k", c.K, "TopK and BatchTopK: active latents per activation")
	fs.Float64Var(&c.L1, "l1", c.L1, "relu-l1 and relu-l1-norm: sparsity coefficient")
	fs.IntVar(&c.SAESteps, "sae-steps", c.SAESteps, "training steps per SAE")
	fs.IntVar(&c.Batch, "sae-batch", c.Batch, "activations per SAE step")
	fs.Float64Var(&c.LR, "sae-lr", c.LR, "Adam learning rate of the SAEs")
	fs.IntVar(&c.BufferRows, "buffer", c.BufferRows, "activations in the shuffle buffer")
	fs.IntVar(&c.EvalWindows, "eval-windows", c.EvalWindows, "validation windows measured (0: all, the exact rule)")
	fs.StringVar(&c.Root, "goroot-src", c.Root, "the corpus: GOROOT/src to read (default: `go env GOROOT`/src)")
	fs.BoolVar(&c.RandomBaseline, "random-baseline", c.RandomBaseline, "also train an SAE (first variant, size nearest 4096) on a randomly initialised transformer, as a baseline")
	fs.StringVar(&c.Checkpoint, "checkpoint", c.Checkpoint, "folder of SAE checkpoints and finished results: the same command run again after a kill resumes")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", 50, "SAE steps between checkpoints")
	fs.StringVar(&c.Cache, "cache", c.Cache, "folder of activation caches: harvest the MLP activations once (sae-steps × sae-batch rows of d_mlp values, 4 bytes each) and train every SAE from them, with the same results as streaming")
	fs.BoolVar(&c.CacheFloat16, "cache-float16", c.CacheFloat16, "store the cached activations as float16 (half the disk; the results change a little)")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "log per-step detail")
}

// monoSAEBytes bounds the memory of training SAEs of sizes latents on the
// MLP: the shuffle buffer of bufferRows activations (up to 4,096 wide) and,
// for the largest dictionary, about eight batch × latents float32 matrices
// (codes, pre-activations, their gradients, TopK's scratch).
func monoSAEBytes(sizes []int, batch, bufferRows int) float64 {
	return float64(bufferRows)*4096*4 + float64(batch)*float64(slices.Max(sizes))*4*8
}

// Validate names the first bad flag. It makes the -cache folder.
func (c *Mono) Validate() error {
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case len(c.Sizes) == 0:
		return errors.New("-sizes: want at least one dictionary size")
	case len(c.Sizes) > 16:
		return fmt.Errorf("-sizes: %d dictionaries, at most 16", len(c.Sizes))
	case c.K < 1 || c.K > 1<<16:
		return fmt.Errorf("-k %d: must be between 1 and %d", c.K, 1<<16)
	case c.SAESteps < 1 || c.SAESteps > MaxSteps:
		return fmt.Errorf("-sae-steps %d: must be between 1 and %d", c.SAESteps, MaxSteps)
	case c.Batch < 1:
		return fmt.Errorf("-sae-batch %d: must be at least 1", c.Batch)
	case !(c.LR > 0 && c.LR <= MaxLR):
		return fmt.Errorf("-sae-lr %v: must be a number in (0, %v]", c.LR, MaxLR)
	case !(c.L1 >= 0) || math.IsInf(c.L1, 0):
		return fmt.Errorf("-l1 %v: must be a finite number ≥ 0", c.L1)
	case c.EvalWindows < 0 || c.EvalWindows > 1<<20:
		return fmt.Errorf("-eval-windows %d: must be between 0 (all) and %d", c.EvalWindows, 1<<20)
	}
	for _, s := range c.Sizes {
		if s < c.K || s > 1<<20 {
			return fmt.Errorf("-sizes: %d latents: must be between -k %d and %d", s, c.K, 1<<20)
		}
	}
	if c.Batch > 1<<20 || c.BufferRows > 1<<26 {
		return fmt.Errorf("-sae-batch %d, -buffer %d: must be at most %d and %d", c.Batch, c.BufferRows, 1<<20, 1<<26)
	}
	if err := FitsMemory("-sizes × -sae-batch, -buffer", monoSAEBytes(c.Sizes, c.Batch, c.BufferRows)); err != nil {
		return err
	}
	for _, v := range c.Variants {
		if _, err := sae.ParseVariant(v); err != nil {
			return fmt.Errorf("-variants: %w", err)
		}
	}
	if c.Checkpoint != "" {
		if err := IntIn("-checkpoint-every", c.CheckpointEvery, 1, MaxSteps); err != nil {
			return err
		}
	}
	if err := CheckpointFolder(c.Checkpoint); err != nil {
		return err
	}
	if c.Cache != "" {
		// Made now, so that a folder that cannot be is refused before any work.
		if err := os.MkdirAll(c.Cache, 0o755); err != nil {
			return fmt.Errorf("-cache %s: %w", c.Cache, err)
		}
	}
	if c.CacheFloat16 && c.Cache == "" {
		return errors.New("-cache-float16: needs -cache DIR")
	}
	if c.BufferRows < 1 {
		return fmt.Errorf("-buffer %d: must be positive", c.BufferRows)
	}
	for _, f := range []string{transformer.WeightsFile, transformer.ConfigFile} {
		if fi, err := os.Stat(filepath.Join(c.LM, f)); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("-lm %s: no %s (run go run ./experiments/lm -out %s first)", c.LM, f, c.LM)
		}
	}
	if err := c.MonoConfig.Validate(); err != nil {
		return fmt.Errorf("-config: %w", err)
	}
	return nil
}
