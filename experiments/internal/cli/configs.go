package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
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
	if c.Out == "" {
		return errors.New("-out: must not be empty")
	}
	if err := IntIn("-steps", c.Steps, 1, MaxSteps); err != nil {
		return err
	}
	return IntIn("-restarts", c.Restarts, 1, MaxRestarts)
}

// registerTraining adds -batch, -lr and -eval-samples to fs.
func registerTraining(fs *flag.FlagSet, t *paper.Training) {
	fs.IntVar(&t.Batch, "batch", t.Batch, "batch size")
	fs.Float64Var(&t.LR, "lr", t.LR, "Adam learning rate")
	fs.IntVar(&t.EvalSamples, "eval-samples", t.EvalSamples, "fresh samples per reported loss")
}

// validateTraining names the first bad training flag.
func validateTraining(t paper.Training) error {
	if err := IntIn("-batch", t.Batch, 1, MaxBatch); err != nil {
		return err
	}
	if err := PositiveAtMost("-lr", t.LR, MaxLR); err != nil {
		return err
	}
	return IntIn("-eval-samples", t.EvalSamples, 1, MaxSamples)
}

// Toy holds the flags of a toy-model sweep (intro, basic, geometry,
// privileged, absval).
type Toy struct{ paper.Toy }

// Register adds the common and toy flags to fs with t's values as defaults.
func (t *Toy) Register(fs *flag.FlagSet) { registerToy(fs, &t.Toy) }

// Validate names the first bad flag.
func (t Toy) Validate() error { return validateToy(t.Toy) }

// registerToy adds the common and toy flags to fs with t's values as
// defaults.
func registerToy(fs *flag.FlagSet, t *paper.Toy) {
	registerCommon(fs, &t.Common)
	fs.IntVar(&t.Features, "features", t.Features, "number of features n")
	fs.IntVar(&t.Hidden, "hidden", t.Hidden, "hidden dimensions m")
	fs.Float64Var(&t.Importance, "importance-decay", t.Importance, "importance decay r: feature i has importance rⁱ")
	fs.Float64Var(&t.Importance, "importance", t.Importance, "alias of -importance-decay")
	fs.Var((*floatList)(&t.Probabilities), "probabilities", "comma-separated feature probabilities p = 1−S, each in (0, 1]")
	fs.StringVar(&t.Model, "model", t.Model, "model: linear, relu, privileged, absval, or both (relu and linear)")
	registerTraining(fs, &t.Training)
	registerCheckpoints(fs, &t.Checkpoints)
}

// registerCheckpoints adds -checkpoint and -checkpoint-every.
func registerCheckpoints(fs *flag.FlagSet, c *paper.Checkpoints) {
	fs.StringVar(&c.Checkpoint, "checkpoint", c.Checkpoint, "folder of training checkpoints; the same command run again resumes from them")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", 1000, "steps between checkpoints")
}

// validateCheckpoints checks -checkpoint and -checkpoint-every.
func validateCheckpoints(c paper.Checkpoints) error {
	if c.Checkpoint != "" {
		if err := IntIn("-checkpoint-every", c.CheckpointEvery, 1, MaxSteps); err != nil {
			return err
		}
	}
	return CheckpointFolder(c.Checkpoint)
}

// validateToy names the first bad flag of a toy sweep's.
func validateToy(t paper.Toy) error {
	if err := validateCommon(t.Common); err != nil {
		return err
	}
	if err := IntIn("-features", t.Features, 1, MaxWidth); err != nil {
		return err
	}
	if err := IntIn("-hidden", t.Hidden, 1, MaxWidth); err != nil {
		return err
	}
	if err := importanceDecay("-importance-decay", t.Importance, t.Features); err != nil {
		return err
	}
	if len(t.Probabilities) == 0 || len(t.Probabilities) > 1000 {
		return fmt.Errorf("-probabilities: %d values; give 1 to 1000", len(t.Probabilities))
	}
	if err := validateTraining(t.Training); err != nil {
		return err
	}
	if err := validateCheckpoints(t.Checkpoints); err != nil {
		return err
	}
	if err := toyMemory(len(t.Probabilities), t.Restarts, t.Features, t.Hidden, t.Batch, t.EvalSamples); err != nil {
		return err
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

// AbsVal holds the flags of experiments/absval: the toy flags and -small.
type AbsVal struct{ paper.AbsVal }

// Register adds the toy flags and -small to fs.
func (c *AbsVal) Register(fs *flag.FlagSet) {
	registerToy(fs, &c.Toy)
	fs.BoolVar(&c.Small, "small", c.Small, "also train the n = 3, m = 6 model")
}

// Validate names the first bad flag.
func (c AbsVal) Validate() error { return validateToy(c.Toy) }

// toyMemory checks that a sweep of instances × restarts toy models (n
// features, m hidden) fits: parameters with Adam's moments, a batch's
// activations, and the evaluation sample's.
func toyMemory(instances, restarts, n, m, batch, eval int) error {
	models := float64(instances) * float64(restarts)
	bytes := models*float64(n)*float64(m+1)*8*4 + 16*float64(batch)*float64(n+m)*4*4 + 4*float64(eval)*float64(n+m)*4
	return FitsMemory(fmt.Sprintf("-probabilities × -restarts × -features × -hidden, -batch, -eval-samples (%d models of %d×%d)", int(models), n, m), bytes)
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
	registerCheckpoints(fs, &c.Checkpoints)
}

// Validate names the first bad flag.
func (c Phase) Validate() error {
	if err := validateCommon(c.Common); err != nil {
		return err
	}
	if err := IntIn("-grid", c.Grid, 2, 200); err != nil {
		return err
	}
	switch {
	case !(c.RMin >= 1e-6) || !(c.RMax > c.RMin) || !(c.RMax <= 1e6):
		return fmt.Errorf("-r-min %v, -r-max %v: need 1e-6 ≤ r-min < r-max ≤ 1e6", c.RMin, c.RMax)
	case !(c.PMin >= 1e-9) || !(c.PMax > c.PMin) || c.PMax > 1:
		return fmt.Errorf("-p-min %v, -p-max %v: need 1e-9 ≤ p-min < p-max ≤ 1", c.PMin, c.PMax)
	}
	if err := validateTraining(c.Training); err != nil {
		return err
	}
	if err := validateCheckpoints(c.Checkpoints); err != nil {
		return err
	}
	return toyMemory(c.Grid*c.Grid, c.Restarts, 2, 1, c.Batch, c.EvalSamples)
}

// Correlated holds the flags of experiments/correlated.
type Correlated struct{ paper.CorrelatedConfig }

// Register adds correlated's flags to fs.
func (c *Correlated) Register(fs *flag.FlagSet) {
	registerCommon(fs, &c.Common)
	fs.Var(FloatList(&c.Probabilities), "probabilities", "comma-separated feature probabilities, each in (0, 0.5]")
	registerTraining(fs, &c.Training)
	registerCheckpoints(fs, &c.Checkpoints)
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
	if len(c.Probabilities) > 1000 {
		return fmt.Errorf("-probabilities: %d values, at most 1000", len(c.Probabilities))
	}
	if err := validateCheckpoints(c.Checkpoints); err != nil {
		return err
	}
	return validateTraining(c.Training)
}

// Decompose holds the flags of experiments/decompose: its configuration and
// its export folders (not part of the results).
type Decompose struct {
	paper.DecomposeConfig
	exports paper.DecomposeExports
}

// Register adds decompose's flags, export folders included, to fs with c's
// values as defaults.
func (c *Decompose) Register(fs *flag.FlagSet) {
	registerDecompose(fs, &c.DecomposeConfig)
	fs.StringVar(&c.exports.SAELens, "export-saelens", "", "also write every SAE in SAELens' layout (cfg.json, sae_weights.safetensors) into DIR/VARIANT")
	fs.StringVar(&c.exports.NPY, "export-npy", "", "also write the toy model (W.npy, b.npy), the true directions and the evaluation activations (x.npy, h.npy) into DIR")
}

// Validate names the first bad flag, export folders included.
func (c Decompose) Validate() error {
	if err := validateDecompose(c.DecomposeConfig); err != nil {
		return err
	}
	if err := OutputFolder("-export-saelens", c.exports.SAELens); err != nil {
		return err
	}
	return OutputFolder("-export-npy", c.exports.NPY)
}

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
	}
	for _, f := range []struct {
		name        string
		v, min, max int
	}{
		{"-features", c.Features, 1, MaxWidth},
		{"-hidden", c.Hidden, 1, MaxWidth},
		{"-toy-steps", c.ToySteps, 1, MaxSteps},
		{"-toy-restarts", c.ToyRestarts, 1, MaxRestarts},
		{"-latents", c.Latents, 0, MaxWidth},
		{"-k", c.K, 0, MaxWidth},
		{"-batchtopk-k", c.BatchK, 0, MaxWidth},
		{"-sae-steps", c.SAESteps, 1, MaxSteps},
		{"-batch", c.Batch, 1, MaxBatch},
		{"-eval-samples", c.EvalSamples, 1, MaxSamples},
	} {
		if err := IntIn(f.name, f.v, f.min, f.max); err != nil {
			return err
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
	if err := PositiveAtMost("-lr", c.LR, MaxLR); err != nil {
		return err
	}
	// A probability below 1e-6 leaves every sample of a batch, and the
	// evaluation sample, without an active feature: nothing to learn from
	// and every metric undefined.
	if !(c.Probability >= 1e-6 && c.Probability <= 1) {
		return fmt.Errorf("-probability %v: must be in [1e-6, 1]", c.Probability)
	}
	if err := importanceDecay("-importance-decay", c.Importance, c.Features); err != nil {
		return err
	}
	if lo := map[bool]float64{true: 1e-3, false: 0}[c.Source == paper.SourceSynthetic]; !(c.Active >= lo && c.Active <= float64(c.Features)) {
		return fmt.Errorf("-active %v: must be in [%v, features=%d]", c.Active, lo, c.Features)
	}
	if err := FiniteAtLeast("-l1", c.L1, 0); err != nil {
		return err
	}
	if err := FiniteAtLeast("-l0", c.L0, 0); err != nil {
		return err
	}
	if len(c.Variants) == 0 {
		return errors.New("-variants: name at least one")
	}
	n, d, l := float64(c.Features), float64(c.Hidden), float64(c.DictionarySize())
	bytes := float64(len(c.Variants))*l*d*2*4*4 + 4*float64(c.EvalSamples)*(n+d+l)*4 + 8*float64(c.Batch)*(n+d+l)*4
	if err := FitsMemory("-latents × -hidden × -variants, -eval-samples, -batch", bytes); err != nil {
		return err
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
		if !(p >= 1e-6 && p <= 1) {
			return fmt.Errorf("-grid-probabilities: %v must be in [1e-6, 1]", p)
		}
	}
	for _, f := range []struct {
		name   string
		vs     []float64
		scaled int
	}{{"-ratios", c.Ratios, c.Features}, {"-superposition", c.Superposition, c.Hidden}} {
		if len(f.vs) > 100 {
			return fmt.Errorf("%s: %d values, at most 100", f.name, len(f.vs))
		}
		for _, v := range f.vs {
			if n := math.Round(v * float64(f.scaled)); !(n <= MaxWidth) {
				return fmt.Errorf("%s: %v gives %v, more than %d", f.name, v, n, MaxWidth)
			}
		}
	}
	if n := len(c.L1s) + len(c.Ks) + len(c.L0s) + len(c.GridProbabilities); n > 1000 {
		return fmt.Errorf("-l1s, -ks, -l0s, -grid-probabilities: %d values, at most 1000", n)
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

// Strategies holds the flags of experiments/strategies.
type Strategies struct{ paper.StrategiesConfig }

// Register adds the strategies flags to fs with c's values as defaults.
func (c *Strategies) Register(fs *flag.FlagSet) {
	registerCommon(fs, &c.Common)
	t := &c.Toy
	fs.StringVar(&c.Scale, "scale", c.Scale, "toy, lm (SoLU against ReLU transformers, from -lm-relu and -lm-solu) or both")
	fs.IntVar(&t.Features, "features", t.Features, "number of features n")
	fs.IntVar(&t.Hidden, "hidden", t.Hidden, "hidden neurons m of the plain model")
	fs.Float64Var(&t.Importance, "importance-decay", t.Importance, "importance decay r: feature i has importance rⁱ")
	fs.Float64Var(&t.Importance, "importance", t.Importance, "alias of -importance-decay")
	fs.Var(FloatList(&t.Probabilities), "probabilities", "comma-separated feature probabilities p = 1−S, each in (0, 1]")
	fs.Var(StringList(&t.Strategies), "strategies", fmt.Sprintf("comma-separated strategies besides plain, which always runs, from %v", paper.StrategyNames))
	fs.Var(IntList(&t.Wide), "wide", "comma-separated hidden sizes of the wide models (m ≥ n)")
	fs.Var(FloatList(&t.L1), "l1s", "comma-separated activation penalties λ of the L1 models, each > 0")
	fs.Var(IntList(&t.L1Hidden), "l1-hidden", "comma-separated widths of the L1 models, each trained at every λ of -l1s")
	fs.Var(IntList(&t.BiasHidden), "bias-hidden", "comma-separated widths of the negative-bias models")
	fs.Var(FloatList(&t.BiasInit), "bias-init", "comma-separated initial hidden biases of the bias models")
	fs.Var(StringList(&t.BiasModes), "bias-modes", "comma-separated modes of the bias models' hidden bias: free (learned), negative (learned, clamped at or below 0), fixed (held at its start)")
	fs.Var(IntList(&t.SoLUHidden), "solu-hidden", "comma-separated widths of the SoLU models")
	fs.Var(StringList(&t.SoLU), "solu", "comma-separated SoLU activations: solu, solu-ln (SoLU then LayerNorm)")
	registerTraining(fs, &t.Training)
	s := &t.SAE
	fs.StringVar(&s.Variant, "sae-variant", s.Variant, fmt.Sprintf("the hybrid's SAE variant, one of %v", sae.Variants))
	fs.IntVar(&s.Latents, "latents", s.Latents, "the hybrid's dictionary size (0: 1.5 × features)")
	fs.IntVar(&s.K, "sae-k", s.K, "active latents of topk and batchtopk (0: n·p rounded, at least 1)")
	fs.Float64Var(&s.L1, "sae-l1", s.L1, "L1 coefficient of relu-l1 and relu-l1-norm")
	fs.Float64Var(&s.L0, "sae-l0", s.L0, "L0 coefficient of jumprelu")
	fs.IntVar(&s.Steps, "sae-steps", s.Steps, "training steps of each SAE")
	fs.IntVar(&s.Batch, "sae-batch", s.Batch, "batch size of the SAEs")
	fs.Float64Var(&s.LR, "sae-lr", s.LR, "Adam learning rate of the SAEs")
	l := &c.LM
	fs.StringVar(&l.ReLU, "lm-relu", l.ReLU, "folder of an experiments/lm run with -act relu (-scale lm or both)")
	fs.StringVar(&l.SoLU, "lm-solu", l.SoLU, "folder of an experiments/lm run with -act solu, of the same size")
	fs.StringVar(&l.Root, "goroot-src", l.Root, "the corpus of the language-model scale: GOROOT/src to read (default: `go env GOROOT`/src)")
	m := &l.SAE
	fs.Var(IntList(&m.Sizes), "lm-sizes", "comma-separated dictionary sizes of the SAEs on each MLP")
	fs.Var(StringList(&m.Variants), "lm-variants", fmt.Sprintf("comma-separated SAE variants on each MLP, from %v", sae.Variants))
	fs.IntVar(&m.K, "lm-k", m.K, "active latents of the MLP SAEs (topk, batchtopk)")
	fs.Float64Var(&m.L1, "lm-l1", m.L1, "L1 coefficient of the MLP SAEs (relu-l1, relu-l1-norm)")
	fs.IntVar(&m.SAESteps, "lm-sae-steps", m.SAESteps, "training steps of each MLP SAE")
	fs.IntVar(&m.Batch, "lm-sae-batch", m.Batch, "activations per MLP SAE step")
	fs.Float64Var(&m.LR, "lm-sae-lr", m.LR, "Adam learning rate of the MLP SAEs")
	fs.IntVar(&m.BufferRows, "lm-buffer", m.BufferRows, "activations in the shuffle buffer")
	fs.IntVar(&m.EvalWindows, "lm-eval-windows", m.EvalWindows, "validation windows measured (0: all, the exact rule)")
}

// validateStrategiesLM names the first bad flag of the language-model
// scale; the model and corpus folders are checked only with lmFolders (a
// toy run reads none of them, but writes every value into its config).
func validateStrategiesLM(l paper.StrategiesLM, lmFolders bool) error {
	m := l.SAE
	for _, f := range []struct {
		name        string
		v, min, max int
	}{{"-lm-k", m.K, 1, MaxWidth}, {"-lm-sae-steps", m.SAESteps, 1, MaxSteps}, {"-lm-sae-batch", m.Batch, 1, MaxBatch},
		{"-lm-buffer", m.BufferRows, 1, 1 << 26}, {"-lm-eval-windows", m.EvalWindows, 0, 1 << 20}} {
		if err := IntIn(f.name, f.v, f.min, f.max); err != nil {
			return err
		}
	}
	if len(m.Sizes) == 0 || len(m.Sizes) > 16 {
		return fmt.Errorf("-lm-sizes: %d dictionaries; give 1 to 16", len(m.Sizes))
	}
	for _, n := range m.Sizes {
		if err := IntIn("-lm-sizes", n, m.K, 1<<20); err != nil {
			return err
		}
	}
	if len(m.Variants) == 0 || len(m.Variants) > len(sae.Variants) {
		return fmt.Errorf("-lm-variants: %d variants; give 1 to %d", len(m.Variants), len(sae.Variants))
	}
	for _, v := range m.Variants {
		if _, err := sae.ParseVariant(v); err != nil {
			return fmt.Errorf("-lm-variants: %w", err)
		}
	}
	if err := FiniteAtLeast("-lm-l1", m.L1, 0); err != nil {
		return err
	}
	if err := PositiveAtMost("-lm-sae-lr", m.LR, MaxLR); err != nil {
		return err
	}
	if err := FitsMemory("-lm-sizes × -lm-sae-batch, -lm-buffer", monoSAEBytes(m.Sizes, m.Batch, m.BufferRows)); err != nil {
		return err
	}
	if !lmFolders {
		return nil
	}
	for _, f := range []struct{ flag, dir string }{{"-lm-relu", l.ReLU}, {"-lm-solu", l.SoLU}} {
		if err := paper.CheckLMFolder(f.dir); err != nil {
			return fmt.Errorf("%s %v", f.flag, err)
		}
	}
	if l.Root != "" {
		if fi, err := os.Stat(l.Root); err != nil || !fi.IsDir() {
			return fmt.Errorf("-goroot-src %s: not a folder", l.Root)
		}
	}
	return nil
}

// maxSettings bounds each list of strategy settings.
const maxSettings = 100

// Validate names the first bad flag.
func (c Strategies) Validate() error {
	if err := validateCommon(c.Common); err != nil {
		return err
	}
	switch c.Scale {
	case paper.ScaleToy, paper.ScaleLM, paper.ScaleBoth:
	default:
		return fmt.Errorf("-scale %q: want toy, lm or both", c.Scale)
	}
	if err := validateStrategiesLM(c.LM, c.RunsLM()); err != nil {
		return err
	}
	t := c.Toy
	if err := IntIn("-features", t.Features, 1, MaxWidth); err != nil {
		return err
	}
	if err := IntIn("-hidden", t.Hidden, 1, MaxWidth); err != nil {
		return err
	}
	if err := importanceDecay("-importance-decay", t.Importance, t.Features); err != nil {
		return err
	}
	if len(t.Probabilities) == 0 || len(t.Probabilities) > 1000 {
		return fmt.Errorf("-probabilities: %d values; give 1 to 1000", len(t.Probabilities))
	}
	for _, p := range t.Probabilities {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("-probabilities: %v outside (0, 1]", p)
		}
	}
	if len(t.Strategies) > len(paper.StrategyNames) {
		return fmt.Errorf("-strategies: %d names; there are %d strategies", len(t.Strategies), len(paper.StrategyNames))
	}
	for _, s := range t.Strategies {
		if !slices.Contains(paper.StrategyNames, s) {
			return fmt.Errorf("-strategies: %q is not one of %v", s, paper.StrategyNames)
		}
	}
	for _, f := range []struct {
		name string
		vs   []int
	}{{"-wide", t.Wide}, {"-l1-hidden", t.L1Hidden}, {"-bias-hidden", t.BiasHidden}, {"-solu-hidden", t.SoLUHidden}} {
		if len(f.vs) > maxSettings {
			return fmt.Errorf("%s: %d values, at most %d", f.name, len(f.vs), maxSettings)
		}
		for _, m := range f.vs {
			if err := IntIn(f.name, m, 1, MaxWidth); err != nil {
				return err
			}
		}
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"-l1s", len(t.L1)}, {"-bias-init", len(t.BiasInit)}, {"-bias-modes", len(t.BiasModes)}, {"-solu", len(t.SoLU)}} {
		if f.n > maxSettings {
			return fmt.Errorf("%s: %d values, at most %d", f.name, f.n, maxSettings)
		}
	}
	// λ·Σ|h| against a loss of order 1: beyond 100 every neuron dies at
	// once; the bias start is bounded likewise by what inputs in [0, 1] can
	// reach.
	for _, l := range t.L1 {
		if !(l > 0 && l <= 100) {
			return fmt.Errorf("-l1s: %v must be in (0, 100]", l)
		}
	}
	for _, v := range t.BiasInit {
		if !(v >= -10 && v <= 10) {
			return fmt.Errorf("-bias-init: %v must be in [-10, 10]", v)
		}
		if v > 0 && slices.Contains(t.BiasModes, string(tms.BiasNegative)) {
			return fmt.Errorf("-bias-init: %v: a bias of -bias-modes negative must start at or below 0", v)
		}
	}
	for _, m := range t.BiasModes {
		if !slices.Contains(tms.BiasModes, tms.BiasMode(m)) {
			return fmt.Errorf("-bias-modes: %q is not one of %v", m, tms.BiasModes)
		}
	}
	for _, a := range t.SoLU {
		if a != string(tms.SoLU) && a != string(tms.SoLULN) {
			return fmt.Errorf("-solu: %q is not solu or solu-ln", a)
		}
	}
	for _, need := range []struct {
		strategy, flag string
		n              int
	}{{paper.StrategyWide, "-wide", len(t.Wide)}, {paper.StrategyL1, "-l1s and -l1-hidden", len(t.L1) * len(t.L1Hidden)},
		{paper.StrategyBias, "-bias-hidden, -bias-init and -bias-modes", len(t.BiasHidden) * len(t.BiasInit) * len(t.BiasModes)},
		{paper.StrategySoLU, "-solu-hidden and -solu", len(t.SoLUHidden) * len(t.SoLU)}} {
		if t.Runs(need.strategy) && need.n == 0 {
			return fmt.Errorf("%s: strategy %s needs at least one setting (or leave it out of -strategies)", need.flag, need.strategy)
		}
	}
	if err := validateTraining(t.Training); err != nil {
		return err
	}
	s := t.SAE
	if !slices.Contains(sae.Variants, sae.Variant(s.Variant)) {
		return fmt.Errorf("-sae-variant %q: want one of %v", s.Variant, sae.Variants)
	}
	for _, f := range []struct {
		name        string
		v, min, max int
	}{{"-latents", s.Latents, 0, MaxWidth}, {"-sae-k", s.K, 0, MaxWidth}, {"-sae-steps", s.Steps, 1, MaxSteps}, {"-sae-batch", s.Batch, 1, MaxBatch}} {
		if err := IntIn(f.name, f.v, f.min, f.max); err != nil {
			return err
		}
	}
	if s.K > t.Latents() {
		return fmt.Errorf("-sae-k %d: more than the %d latents", s.K, t.Latents())
	}
	if err := FiniteAtLeast("-sae-l1", s.L1, 0); err != nil {
		return err
	}
	if err := FiniteAtLeast("-sae-l0", s.L0, 0); err != nil {
		return err
	}
	if err := PositiveAtMost("-sae-lr", s.LR, MaxLR); err != nil {
		return err
	}
	models, widest := 0, t.Hidden
	for _, l := range [][]int{t.Wide, t.L1Hidden, t.BiasHidden, t.SoLUHidden} {
		for _, m := range l {
			widest = max(widest, m)
		}
	}
	models = (1 + len(t.Wide) + len(t.L1)*len(t.L1Hidden) + len(t.BiasHidden)*len(t.BiasInit)*len(t.BiasModes) + len(t.SoLUHidden)*len(t.SoLU)) * len(t.Probabilities)
	if err := toyMemory(models, c.Restarts, t.Features, widest, t.Batch, t.EvalSamples); err != nil {
		return err
	}
	l, n, d := float64(t.Latents()), float64(t.Features), float64(widest)
	if err := FitsMemory("-latents × -hidden, -eval-samples, -sae-batch", 2*(l*d*2*4*4+4*float64(t.EvalSamples)*(n+d+l)*4+8*float64(s.Batch)*(n+d+l)*4)); err != nil {
		return err
	}
	return c.StrategiesConfig.Validate()
}
