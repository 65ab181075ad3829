// Command monosemanticity is Towards Monosemanticity in miniature: sparse
// autoencoders trained on the 512-neuron MLP (blocks.0.mlp.hook_post) of the
// one-layer byte transformer that experiments/lm trains on Go's standard
// library, measured on the validation stream (L0, FVU, loss recovered by
// splicing against the clean and the zero-ablated model, dead and dense
// latents) and against the corpus's per-byte go/scanner labels
// (specificity, the byte-only baseline, label-specific units, byte
// detectors), beside the same measures of the MLP's neurons.
//
//	go run ./experiments/lm -out out/lm                  # first, the transformer
//	go run ./experiments/monosemanticity [-lm out/lm] [-out out/monosemanticity] [-sizes 512,4096] [-variants topk] [-sae-steps 800]
//
// It writes summary.json (the config, the model's and the corpus's SHA-256,
// clean and zero-ablated bits per byte, a "neurons" record and one record
// per SAE in "saes", feature-splitting families), report.html, timing.json,
// the feature browser (OUT/browser/index.html, static files that work from
// file://: every neuron and latent with its top contexts shaded by
// activation, histogram, label breakdown, logit effects and split family),
// and every SAE in SAELens' layout under OUT/saelens/VARIANT-LATENTS/, which
// ../shared/peers/lm_peer.py splice --load-tl LM/model.safetensors --load-sae DIR
// measures on the same validation rule.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

func main() { os.Exit(exitCode(os.Args[1:])) }

// strList is a comma-separated list of names as a flag.Value.
type strList []string

func (l *strList) String() string { return strings.Join(*l, ",") }

func (l *strList) Set(s string) error {
	*l = nil
	for _, part := range strings.Split(s, ",") {
		*l = append(*l, strings.TrimSpace(part))
	}
	return nil
}

type config struct{ paper.MonoConfig }

func (c *config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.StringVar(&c.LM, "lm", c.LM, "folder of an experiments/lm run (its model.safetensors and config.json)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same summary.json)")
	fs.Var(cli.IntList(&c.Sizes), "sizes", "dictionary sizes, comma-separated")
	fs.Var((*strList)(&c.Variants), "variants", "SAE variants, comma-separated: "+fmt.Sprint(sae.Variants))
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

// Validate names the first bad flag.
func (c *config) Validate() error {
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case len(c.Sizes) == 0:
		return errors.New("-sizes: want at least one dictionary size")
	case len(c.Sizes) > 16:
		return fmt.Errorf("-sizes: %d dictionaries, at most 16", len(c.Sizes))
	case c.K < 1 || c.K > 1<<16:
		return fmt.Errorf("-k %d: must be between 1 and %d", c.K, 1<<16)
	case c.SAESteps < 1 || c.SAESteps > cli.MaxSteps:
		return fmt.Errorf("-sae-steps %d: must be between 1 and %d", c.SAESteps, cli.MaxSteps)
	case c.Batch < 1:
		return fmt.Errorf("-sae-batch %d: must be at least 1", c.Batch)
	case !(c.LR > 0 && c.LR <= cli.MaxLR):
		return fmt.Errorf("-sae-lr %v: must be a number in (0, %v]", c.LR, cli.MaxLR)
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
	for _, v := range c.Variants {
		if _, err := sae.ParseVariant(v); err != nil {
			return fmt.Errorf("-variants: %w", err)
		}
	}
	if c.Checkpoint != "" {
		if err := cli.IntIn("-checkpoint-every", c.CheckpointEvery, 1, cli.MaxSteps); err != nil {
			return err
		}
	}
	if err := cli.CheckpointFolder(c.Checkpoint); err != nil {
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

func exitCode(args []string) int {
	cfg := &config{paper.DefaultMonoConfig()}
	fs := flag.NewFlagSet("monosemanticity", flag.ContinueOnError)
	cfg.Register(fs)
	return cli.MainSweep("monosemanticity", fs, args, cfg, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		res, browser, err := paper.Monosemanticity(ctx, env.Run(), cfg.MonoConfig)
		if err != nil {
			return err
		}
		if err := interp.WriteBrowser(filepath.Join(cfg.Out, "browser"), browser); err != nil {
			return err
		}
		return paper.WriteOutputs(cfg.Out, res, interp.Report{
			Title: "Towards Monosemanticity in miniature: sparse autoencoders on a byte transformer's MLP",
			Intro: "Sparse autoencoders trained on the MLP activations of the one-layer transformer of experiments/lm, " +
				"measured by splicing them into the model and against go/scanner's label of every byte.",
			Config: res.Config,
		}, func(out string) ([]interp.Section, error) { return paper.MonoReport(out, res) })
	})
}
