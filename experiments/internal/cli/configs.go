package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/paper"
)

// The flags of the paper's configurations: each wrapper registers the flags
// of its configuration and validates it naming the first bad flag. The
// wrappers add no JSON fields, so a wrapper encodes and decodes exactly as the
// configuration it wraps.

// registerCommon adds -out, -seed, -steps, -restarts and -v to fs with c's
// values as defaults.
func registerCommon(fs *flag.FlagSet, c *paper.Common) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same summary.json)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps per model")
	fs.IntVar(&c.Restarts, "restarts", c.Restarts, "fits per instance; the lowest loss is kept")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "log per-step detail")
}

// validateCommon names the first bad common flag.
func validateCommon(c paper.Common) error {
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case c.Steps < 1:
		return fmt.Errorf("-steps %d: must be at least 1", c.Steps)
	case c.Restarts < 1:
		return fmt.Errorf("-restarts %d: must be at least 1", c.Restarts)
	}
	return nil
}

// registerTraining adds -batch, -lr and -eval-samples to fs.
func registerTraining(fs *flag.FlagSet, t *paper.Training) {
	fs.IntVar(&t.Batch, "batch", t.Batch, "batch size")
	fs.Float64Var(&t.LR, "lr", t.LR, "Adam learning rate")
	fs.IntVar(&t.EvalSamples, "eval-samples", t.EvalSamples, "fresh samples per reported loss")
}

// validateTraining names the first bad training flag.
func validateTraining(t paper.Training) error {
	switch {
	case t.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", t.Batch)
	case !(t.LR > 0) || math.IsInf(t.LR, 0):
		return fmt.Errorf("-lr %v: must be a positive number", t.LR)
	case t.EvalSamples < 1:
		return fmt.Errorf("-eval-samples %d: must be at least 1", t.EvalSamples)
	}
	return nil
}

// Toy holds the flags of a toy-model sweep (intro, basic, geometry,
// privileged, absval).
type Toy struct{ paper.Toy }

// Register adds the common and toy flags to fs with t's values as defaults.
func (t *Toy) Register(fs *flag.FlagSet) {
	registerCommon(fs, &t.Common)
	fs.IntVar(&t.Features, "features", t.Features, "number of features n")
	fs.IntVar(&t.Hidden, "hidden", t.Hidden, "hidden dimensions m")
	fs.Float64Var(&t.Importance, "importance-decay", t.Importance, "importance decay r: feature i has importance rⁱ")
	fs.Float64Var(&t.Importance, "importance", t.Importance, "alias of -importance-decay")
	fs.Var((*floatList)(&t.Probabilities), "probabilities", "comma-separated feature probabilities p = 1−S, each in (0, 1]")
	fs.StringVar(&t.Model, "model", t.Model, "model: linear, relu, privileged, absval, or both (relu and linear)")
	registerTraining(fs, &t.Training)
	fs.StringVar(&t.Checkpoint, "checkpoint", t.Checkpoint, "folder of training checkpoints; the same command run again resumes from them")
	fs.IntVar(&t.CheckpointEvery, "checkpoint-every", 1000, "steps between checkpoints")
}

// Validate names the first bad flag.
func (t Toy) Validate() error {
	if err := validateCommon(t.Common); err != nil {
		return err
	}
	switch {
	case t.Features < 1:
		return fmt.Errorf("-features %d: must be at least 1", t.Features)
	case t.Hidden < 1:
		return fmt.Errorf("-hidden %d: must be at least 1", t.Hidden)
	case !(t.Importance > 0) || math.IsInf(t.Importance, 0):
		return fmt.Errorf("-importance-decay %v: must be a positive number", t.Importance)
	case len(t.Probabilities) == 0:
		return errors.New("-probabilities: need at least one value")
	}
	if err := validateTraining(t.Training); err != nil {
		return err
	}
	if t.Checkpoint != "" && t.CheckpointEvery < 1 {
		return fmt.Errorf("-checkpoint-every %d: must be at least 1", t.CheckpointEvery)
	}
	for _, p := range t.Probabilities {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("-probabilities: %v outside (0, 1]", p)
		}
	}
	if _, err := t.Kinds(); err != nil {
		return fmt.Errorf("-model %q: want one of %v (relu-output for relu), or both (relu and linear)", t.Model, tms.Kinds)
	}
	return nil
}

// Phase holds the flags of experiments/phase.
type Phase struct{ paper.PhaseConfig }

// Register adds phase's flags to fs.
func (c *Phase) Register(fs *flag.FlagSet) {
	registerCommon(fs, &c.Common)
	fs.IntVar(&c.Grid, "grid", c.Grid, "values per axis of the (r, p) grid")
	fs.Float64Var(&c.RMin, "r-min", c.RMin, "smallest relative importance r")
	fs.Float64Var(&c.RMax, "r-max", c.RMax, "largest relative importance r")
	fs.Float64Var(&c.PMin, "p-min", c.PMin, "smallest feature probability")
	fs.Float64Var(&c.PMax, "p-max", c.PMax, "largest feature probability")
	registerTraining(fs, &c.Training)
	fs.BoolVar(&c.Three, "three", c.Three, "also draw the n = 3, m = 2 diagram")
}

// Validate names the first bad flag.
func (c Phase) Validate() error {
	if err := validateCommon(c.Common); err != nil {
		return err
	}
	switch {
	case c.Grid < 2:
		return fmt.Errorf("-grid %d: must be at least 2", c.Grid)
	case !(c.RMin > 0) || !(c.RMax > c.RMin) || math.IsInf(c.RMax, 0):
		return fmt.Errorf("-r-min %v, -r-max %v: need 0 < r-min < r-max", c.RMin, c.RMax)
	case !(c.PMin > 0) || !(c.PMax > c.PMin) || c.PMax > 1:
		return fmt.Errorf("-p-min %v, -p-max %v: need 0 < p-min < p-max ≤ 1", c.PMin, c.PMax)
	}
	return validateTraining(c.Training)
}

// Correlated holds the flags of experiments/correlated.
type Correlated struct{ paper.CorrelatedConfig }

// Register adds correlated's flags to fs.
func (c *Correlated) Register(fs *flag.FlagSet) {
	registerCommon(fs, &c.Common)
	fs.Var(FloatList(&c.Probabilities), "probabilities", "comma-separated feature probabilities, each in (0, 0.5]")
	registerTraining(fs, &c.Training)
}

// Validate names the first bad flag.
func (c Correlated) Validate() error {
	if err := validateCommon(c.Common); err != nil {
		return err
	}
	if len(c.Probabilities) == 0 {
		return fmt.Errorf("-probabilities: need at least one value")
	}
	for _, p := range c.Probabilities {
		if !(p > 0 && p <= 0.5) {
			return fmt.Errorf("-probabilities: %v outside (0, 0.5] (an anticorrelated pair needs 2p ≤ 1)", p)
		}
	}
	return validateTraining(c.Training)
}

// Decompose holds the flags of experiments/decompose.
type Decompose struct{ paper.DecomposeConfig }

// Register adds decompose's flags to fs with c's values as defaults.
func (c *Decompose) Register(fs *flag.FlagSet) { registerDecompose(fs, &c.DecomposeConfig) }

// Validate names the first bad flag.
func (c Decompose) Validate() error { return validateDecompose(c.DecomposeConfig) }

// registerDecompose adds decompose's flags to fs with c's values as defaults.
func registerDecompose(fs *flag.FlagSet, c *paper.DecomposeConfig) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same summary.json)")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "log per-step detail")
	fs.Func("source", "activations: privileged (h = ReLU(Wx)), relu-output (h = Wx; relu is accepted too) or synthetic (default "+c.Source+")", func(s string) error {
		if s == "relu" {
			s = paper.SourceReLUOutput
		}
		c.Source = s
		return nil
	})
	fs.IntVar(&c.Features, "features", c.Features, "toy features n, or true synthetic features")
	fs.IntVar(&c.Hidden, "hidden", c.Hidden, "toy neurons m, or synthetic activation width d")
	fs.Float64Var(&c.Probability, "probability", c.Probability, "toy feature probability p")
	fs.Float64Var(&c.Importance, "importance-decay", c.Importance, "toy importance decay r: feature i has importance rⁱ")
	fs.Float64Var(&c.Importance, "importance", c.Importance, "alias of -importance-decay")
	fs.Float64Var(&c.Active, "active", c.Active, "synthetic source: expected active features per sample")
	fs.IntVar(&c.ToySteps, "toy-steps", c.ToySteps, "toy-model training steps")
	fs.IntVar(&c.ToyRestarts, "toy-restarts", c.ToyRestarts, "toy-model fits; the lowest loss is kept")
	fs.IntVar(&c.Latents, "latents", c.Latents, "SAE dictionary size (0: 1.5 × features)")
	fs.Func("variants", fmt.Sprintf("comma-separated SAE variants from %v (default all)", sae.Variants), func(s string) error {
		c.Variants = canonicalVariants(strings.Split(s, ","))
		return nil
	})
	fs.Float64Var(&c.L1, "l1", c.L1, "L1 coefficient of relu-l1 and relu-l1-norm")
	fs.IntVar(&c.K, "k", c.K, "active latents per sample of topk (0: expected active features, rounded, at least 1)")
	fs.IntVar(&c.BatchK, "batchtopk-k", c.BatchK, "mean active latents per sample of batchtopk (0: expected active features, rounded, at least 1)")
	fs.Float64Var(&c.L0, "l0", c.L0, "L0 coefficient of jumprelu")
	fs.IntVar(&c.SAESteps, "sae-steps", c.SAESteps, "SAE training steps")
	fs.IntVar(&c.Batch, "batch", c.Batch, "batch size (toy and SAEs)")
	fs.Float64Var(&c.LR, "lr", c.LR, "Adam learning rate (toy and SAEs)")
	fs.IntVar(&c.EvalSamples, "eval-samples", c.EvalSamples, "fresh samples every metric is measured on")
	fs.StringVar(&c.Checkpoint, "checkpoint", c.Checkpoint, "folder of training checkpoints; the same command run again resumes from them")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", 1000, "steps between checkpoints")
}

// validateDecompose names the first bad flag of decompose's.
func validateDecompose(c paper.DecomposeConfig) error {
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case c.Source != paper.SourcePrivileged && c.Source != paper.SourceReLUOutput && c.Source != paper.SourceSynthetic:
		return fmt.Errorf("-source %q: want privileged, relu-output or synthetic", c.Source)
	case c.Features < 1:
		return fmt.Errorf("-features %d: must be at least 1", c.Features)
	case c.Hidden < 1:
		return fmt.Errorf("-hidden %d: must be at least 1", c.Hidden)
	case !(c.Probability > 0 && c.Probability <= 1):
		return fmt.Errorf("-probability %v: must be in (0, 1]", c.Probability)
	case !(c.Importance > 0) || math.IsInf(c.Importance, 0):
		return fmt.Errorf("-importance-decay %v: must be a positive number", c.Importance)
	case c.Source == paper.SourceSynthetic && !(c.Active > 0 && c.Active <= float64(c.Features)):
		return fmt.Errorf("-active %v: must be in (0, features=%d]", c.Active, c.Features)
	case c.ToySteps < 1:
		return fmt.Errorf("-toy-steps %d: must be at least 1", c.ToySteps)
	case c.ToyRestarts < 1:
		return fmt.Errorf("-toy-restarts %d: must be at least 1", c.ToyRestarts)
	case c.K < 0 || c.BatchK < 0:
		return fmt.Errorf("-k %d, -batchtopk-k %d: must not be negative (0: automatic)", c.K, c.BatchK)
	case c.Latents < 0:
		return fmt.Errorf("-latents %d: must not be negative", c.Latents)
	case len(c.Variants) == 0:
		return errors.New("-variants: name at least one")
	case c.SAESteps < 1:
		return fmt.Errorf("-sae-steps %d: must be at least 1", c.SAESteps)
	case c.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("-lr %v: must be a positive number", c.LR)
	case c.EvalSamples < 1:
		return fmt.Errorf("-eval-samples %d: must be at least 1", c.EvalSamples)
	case c.Checkpoint != "" && c.CheckpointEvery < 1:
		return fmt.Errorf("-checkpoint-every %d: must be at least 1", c.CheckpointEvery)
	}
	for _, v := range c.Variants {
		if !slices.Contains(sae.Variants, sae.Variant(v)) {
			return fmt.Errorf("-variants: %q is not one of %v", v, sae.Variants)
		}
	}
	for _, sp := range c.Specs() {
		if _, err := sp.Config(c); err != nil {
			return fmt.Errorf("-variants %s: %w", sp.Variant, err)
		}
	}
	return nil
}

// SAESweep holds the flags of experiments/saesweep: decompose's and the
// swept lists.
type SAESweep struct{ paper.SAESweepConfig }

// Register adds the decomposition flags and the sweep lists to fs.
func (c *SAESweep) Register(fs *flag.FlagSet) {
	registerDecompose(fs, &c.DecomposeConfig)
	fs.Var(FloatList(&c.L1s), "l1s", "comma-separated L1 coefficients of the ReLU variants' sweep")
	fs.Var(FloatList(&c.Ratios), "ratios", "comma-separated dictionary sizes, as multiples of the features")
	fs.Func("ks", "comma-separated k of the TopK and BatchTopK frontier", func(s string) error {
		c.Ks = nil
		for _, f := range strings.Split(s, ",") {
			k, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("%q is not an integer", f)
			}
			c.Ks = append(c.Ks, k)
		}
		return nil
	})
	fs.Var(FloatList(&c.L0s), "l0s", "comma-separated L0 coefficients of JumpReLU's frontier")
	fs.Var(FloatList(&c.Superposition), "superposition", "comma-separated features per neuron n/m of the breakdown grid")
	fs.Var(FloatList(&c.GridProbabilities), "grid-probabilities", "comma-separated feature probabilities of the breakdown grid")
	fs.Func("grid-variants", "comma-separated SAE variants trained in every grid cell", func(s string) error {
		c.GridVariants = canonicalVariants(strings.Split(s, ","))
		return nil
	})
}

// Validate names the first bad flag.
func (c SAESweep) Validate() error {
	if err := validateDecompose(c.DecomposeConfig); err != nil {
		return err
	}
	if c.Source == paper.SourceSynthetic {
		return errors.New("-source synthetic: the sweep needs a toy model (privileged or relu-output)")
	}
	positive := func(flag string, vs []float64) error {
		if len(vs) == 0 {
			return fmt.Errorf("%s: give at least one value", flag)
		}
		for _, v := range vs {
			if !(v > 0) || math.IsInf(v, 0) {
				return fmt.Errorf("%s: %v must be a positive number", flag, v)
			}
		}
		return nil
	}
	for _, f := range []struct {
		name string
		vs   []float64
	}{{"-l1s", c.L1s}, {"-ratios", c.Ratios}, {"-l0s", c.L0s}, {"-superposition", c.Superposition}, {"-grid-probabilities", c.GridProbabilities}} {
		if err := positive(f.name, f.vs); err != nil {
			return err
		}
	}
	for _, p := range c.GridProbabilities {
		if p > 1 {
			return fmt.Errorf("-grid-probabilities: %v must be at most 1", p)
		}
	}
	if len(c.Ks) == 0 {
		return errors.New("-ks: give at least one value")
	}
	for _, k := range c.Ks {
		if k < 1 || k > c.DictionarySize() {
			return fmt.Errorf("-ks: %d must be in [1, latents=%d]", k, c.DictionarySize())
		}
	}
	for _, r := range c.Ratios {
		if int(math.Round(r*float64(c.Features))) < 1 {
			return fmt.Errorf("-ratios: %v leaves no latent for %d features", r, c.Features)
		}
	}
	if len(c.GridVariants) == 0 {
		return errors.New("-grid-variants: name at least one")
	}
	for _, v := range c.GridVariants {
		if _, err := c.Spec(sae.Variant(v), max(3*c.Hidden/2, 1)).Config(c.DecomposeConfig); err != nil {
			return fmt.Errorf("-grid-variants %s: %w", v, err)
		}
	}
	return nil
}

// canonicalVariants maps SAELens' name for ReLU + L1, standard, to the
// variant's own name, so that summaries spell every variant one way.
func canonicalVariants(vs []string) []string {
	for i, v := range vs {
		if v == "standard" {
			vs[i] = string(sae.ReLUL1)
		}
	}
	return vs
}
