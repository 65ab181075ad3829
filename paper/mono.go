package paper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/record"
	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/internal/sealed"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/transformer"
	"gorgonia.org/tensor"
)

// MonoConfig is the configuration of Towards Monosemanticity in miniature:
// sparse autoencoders trained on the MLP activations (blocks.0.mlp.hook_post)
// of a transformer trained by [TrainLM], measured on the validation stream
// against the clean and the zero-ablated model and against the corpus's
// per-byte labels.
type MonoConfig struct {
	// Out is the output folder; LM the folder of an lm run (its
	// model.safetensors and config.json); Root the corpus (GOROOT/src, ""
	// for `go env GOROOT`/src). None is part of the results; the model's
	// SHA-256 and the corpus's are.
	Out  string `json:"-"`
	LM   string `json:"-"`
	Root string `json:"-"`
	// Seed determines the harvested windows, the shuffle and the SAEs.
	Seed uint64 `json:"seed"`
	// Sizes are the dictionary sizes; Variants the SAE variants (each size
	// with each variant).
	Sizes    []int    `json:"sizes"`
	Variants []string `json:"variants"`
	// K is TopK's active latents; L1 the ReLU variants' coefficient.
	K  int     `json:"k"`
	L1 float64 `json:"l1"`
	// SAESteps steps of Batch activations at Adam rate LR.
	SAESteps int     `json:"sae_steps"`
	Batch    int     `json:"sae_batch"`
	LR       float64 `json:"sae_lr"`
	// PassWindows windows of the transformer per forward pass feed a
	// shuffle buffer of BufferRows activations.
	PassWindows int `json:"pass_windows"`
	BufferRows  int `json:"buffer_rows"`
	// EvalWindows validation windows are measured (0: every one, the exact
	// rule); EvalBatch per forward pass.
	EvalWindows int `json:"eval_windows"`
	EvalBatch   int `json:"eval_batch"`
	// RandomBaseline also trains an SAE (the first variant, the size
	// nearest 4,096) on a randomly initialised transformer of the same shape and
	// scores its latents and neurons the same way: what the measures find
	// when the model has learned nothing.
	RandomBaseline bool `json:"random_baseline"`
	// Checkpoint is a folder where every SAE checkpoints its training
	// (every CheckpointEvery steps) and leaves its measured results when
	// done: the same configuration run again after a kill resumes, and
	// ends as an uninterrupted run. Neither is part of the results.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
	// Cache is a folder of activation caches (transformer.WriteCache): the
	// first SAE on a model harvests its activations into it, and every SAE
	// then trains from the cache instead of running the model, on the same
	// rows (float32: the same bits as the stream). "" streams them. Not part
	// of the results; CacheFloat16 (binary16 values, half the disk) is.
	Cache        string `json:"-"`
	CacheFloat16 bool   `json:"cache_float16,omitempty"`
	// Verbose asks for per-step debug logging; not part of the results.
	Verbose bool `json:"-"`
}

// DefaultMonoConfig returns TopK SAEs (k 32) of 512, 4,096 and 16,384
// latents (1×, 8× and 32× the MLP: the paper's A/0, A/1 and A/2 in
// miniature), 800 steps of 4,096 activations each (3.3M, the peer's setup)
// at Adam 1e-3, and the random-model baseline.
func DefaultMonoConfig() MonoConfig {
	return MonoConfig{Out: "out/monosemanticity", LM: "out/lm", Seed: 1, Sizes: []int{512, 4096, 16384}, Variants: []string{"topk"},
		K: 32, L1: 5, SAESteps: 800, Batch: 4096, LR: 1e-3, PassWindows: 32, BufferRows: 1 << 16, EvalBatch: 32, RandomBaseline: true}
}

// Validate reports the first bad field.
func (c MonoConfig) Validate() error {
	switch {
	case len(c.Sizes) == 0:
		return errors.New("sizes: want at least one dictionary size")
	case len(c.Variants) == 0:
		return errors.New("variants: want at least one")
	case c.K < 1:
		return fmt.Errorf("k %d: must be at least 1", c.K)
	case c.SAESteps < 1 || c.Batch < 1:
		return fmt.Errorf("sae_steps %d, sae_batch %d: must be at least 1", c.SAESteps, c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("sae_lr %v: must be a positive number", c.LR)
	case !(c.L1 >= 0) || math.IsInf(c.L1, 0):
		return fmt.Errorf("l1 %v: must be a finite number ≥ 0", c.L1)
	case c.Checkpoint != "" && c.CheckpointEvery < 1:
		return fmt.Errorf("checkpoint_every %d: must be at least 1", c.CheckpointEvery)
	case c.CacheFloat16 && c.Cache == "":
		return errors.New("cache_float16: needs a cache folder")
	case c.PassWindows < 1 || c.EvalBatch < 1 || c.EvalWindows < 0:
		return fmt.Errorf("pass_windows %d, eval_batch %d, eval_windows %d: want ≥ 1, ≥ 1, ≥ 0", c.PassWindows, c.EvalBatch, c.EvalWindows)
	}
	for _, s := range c.Sizes {
		if s < 1 {
			return fmt.Errorf("sizes: %d: must be at least 1", s)
		}
		if s < c.K {
			return fmt.Errorf("sizes: %d latents is fewer than k %d", s, c.K)
		}
	}
	for _, v := range c.Variants {
		if _, err := sae.ParseVariant(v); err != nil {
			return fmt.Errorf("variants: %w", err)
		}
	}
	return nil
}

// MonoSAE is one SAE's record.
type MonoSAE struct {
	Variant string `json:"variant"`
	Latents int    `json:"latents"`
	// K is the resolved number of active latents (TopK), else 0.
	K           int `json:"k"`
	Activations int `json:"activations_trained_on"`
	// L0 and FVU on the validation activations (the SAE's input space).
	L0  float64 `json:"l0"`
	FVU float64 `json:"fvu"`
	// SplicedBits is the validation bits per byte with hook_post replaced
	// by the reconstruction; LossRecovered = (zero − spliced)/(zero − clean).
	SplicedBits   float64 `json:"spliced_bits_per_byte"`
	LossRecovered float64 `json:"loss_recovered"`
	// KLBits is the mean KL divergence from the clean model's next-byte
	// distribution to the spliced model's, in bits per byte.
	KLBits float64 `json:"kl_bits_per_byte"`
	// DeadFraction: latents that never fired on the validation stream;
	// DenseFraction: latents firing on more than 10% of its bytes.
	DeadFraction  float64 `json:"dead_fraction"`
	DenseFraction float64 `json:"dense_fraction"`
	interp.ScoreSummary
	// Coverage is, per label, the latent that classifies it best and the
	// union of its label-specific latents.
	Coverage []interp.LabelCoverage `json:"coverage"`
	// Fine and FineCoverage are the same against the refined labels.
	Fine         interp.ScoreSummary    `json:"fine"`
	FineCoverage []interp.LabelCoverage `json:"fine_coverage"`
	// Export is the SAELens folder, relative to Out.
	Export string `json:"export"`
	// LossTrend reads the training loss (the sum of its terms): whether it
	// was still falling when training stopped.
	LossTrend interp.Trend `json:"loss_trend"`
	// Densities are every latent's firing density on the validation bytes,
	// Specificities the alive latents' specificity: the report's histograms
	// (not in summary.json).
	Densities     []float64 `json:"-"`
	Specificities []float64 `json:"-"`
}

// unitDistributions returns every unit's firing density and the alive
// units' specificities.
func unitDistributions(scores []interp.UnitScore) (density, specificity []float64) {
	for _, u := range scores {
		density = append(density, u.Density)
		if u.Fired >= interp.AliveMin {
			specificity = append(specificity, u.Specificity)
		}
	}
	return density, specificity
}

// MonoResult is the content of the monosemanticity experiment's
// summary.json.
type MonoResult struct {
	Experiment  string             `json:"experiment"`
	Config      MonoConfig         `json:"config"`
	Model       transformer.Config `json:"model"`
	ModelSHA256 string             `json:"model_sha256"`
	Corpus      corpus.Stats       `json:"corpus"`
	// Scale multiplies the activations before the SAEs see them (mean
	// squared norm d_in); exported weights have it folded back.
	Scale float64 `json:"activation_scale"`
	// Windows and bytes of the validation stream measured.
	EvalWindows int `json:"eval_windows"`
	// CleanBits and ZeroBits: the model's validation bits per byte, and with
	// hook_post zeroed.
	CleanBits float64 `json:"clean_bits_per_byte"`
	ZeroBits  float64 `json:"zero_ablated_bits_per_byte"`
	// FineLabels names the refined labels (corpus.FineNames) the units are
	// also scored against.
	FineLabels []string `json:"fine_labels"`
	// NeuronsFine and NeuronFineCoverage are the neurons' scores against
	// the refined labels.
	NeuronsFine        interp.ScoreSummary    `json:"neurons_fine"`
	NeuronFineCoverage []interp.LabelCoverage `json:"neuron_fine_coverage"`
	// Labels names the label classes the units are scored against.
	Labels  []string            `json:"labels"`
	Neurons interp.ScoreSummary `json:"neurons"`
	// NeuronCoverage is Coverage for the neurons.
	NeuronCoverage []interp.LabelCoverage `json:"neuron_coverage"`
	// NeuronDensities and NeuronSpecificities are the neurons' as in
	// MonoSAE (not in summary.json).
	NeuronDensities     []float64 `json:"-"`
	NeuronSpecificities []float64 `json:"-"`
	SAEs                []MonoSAE `json:"saes"`
	// Splits are feature-splitting families: for each smaller dictionary,
	// its latent with the most children (latents of a larger dictionary
	// whose nearest decoder direction it is, at cosine ≥ 0.5).
	Splits []SplitFamily `json:"splits,omitempty"`
	// Random is the baseline of a randomly initialised transformer (nil
	// unless Config.RandomBaseline).
	Random *MonoRandom `json:"random_model,omitempty"`
}

// MonoRandom is the random-model baseline: its bits per byte, its neurons'
// scores and an SAE's on its MLP.
type MonoRandom struct {
	CleanBits   float64             `json:"clean_bits_per_byte"`
	ZeroBits    float64             `json:"zero_ablated_bits_per_byte"`
	Neurons     interp.ScoreSummary `json:"neurons"`
	NeuronsFine interp.ScoreSummary `json:"neurons_fine"`
	SAE         MonoSAE             `json:"sae"`
}

// SplitFamily is one latent of a smaller dictionary and the latents of a
// larger one nearest to it.
type SplitFamily struct {
	Parent      string `json:"parent"` // DICT/INDEX
	ParentLabel string `json:"parent_label"`
	Child       string `json:"child_dict"`
	// Count is the number of children; Children the 12 nearest.
	Count    int         `json:"children_count"`
	Children []SplitItem `json:"children"`
}

// SplitItem is one child of a split family.
type SplitItem struct {
	Index  int     `json:"index"`
	Cosine float64 `json:"cosine"`
	Label  string  `json:"label"`
	// Specificity of the child against its top label.
	Specificity float64 `json:"specificity"`
}

// saeEval is an SAE's inference graph: latents and reconstruction watched.
type saeEval struct{ m *sae.Model }

func (e saeEval) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	f, xh := e.m.Infer(b, in.X())
	b.Watch("f", f)
	b.Watch("xhat", xh)
	return []graph.Term{{Name: "none", Node: b.Scale(b.Sum(xh), 0)}}
}

// feed is a Features source of whatever x holds.
type feed struct {
	w int
	x []float32
}

func (f *feed) Width() int         { return f.w }
func (f *feed) Fill(dst []float32) { copy(dst, f.x) }

// saeRunners runs an SAE's inference graph on batches of any row count.
type saeRunners struct {
	m   *sae.Model
	p   *graph.Params
	in  *feed
	run map[int]*graph.Runner
}

func (s *saeRunners) apply(x []float32, rows int) (f, xh []float32, err error) {
	r := s.run[rows]
	if r == nil {
		if r, err = graph.NewRunner(saeEval{s.m}, graph.FromFeatures(s.in), s.p, rows, nil); err != nil {
			return nil, nil, err
		}
		s.run[rows] = r
	}
	s.in.x = x
	if _, err := r.Run(); err != nil {
		return nil, nil, err
	}
	return r.Watched("f").Float32s(), r.Watched("xhat").Float32s(), nil
}

func (s *saeRunners) close() {
	for _, r := range s.run {
		r.Close()
	}
}

// Monosemanticity trains and measures the SAEs of cfg on the MLP of the
// transformer in cfg.LM, exports each in SAELens' layout under
// cfg.Out/saelens/VARIANT-LATENTS, and returns the summary.
func Monosemanticity(ctx context.Context, r Run, cfg MonoConfig) (MonoResult, interp.Browser, error) {
	if err := cfg.Validate(); err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	if cfg.Checkpoint != "" {
		if err := os.MkdirAll(cfg.Checkpoint, 0o755); err != nil {
			return MonoResult{}, interp.Browser{}, err
		}
	}
	log := r.log()
	m, p, err := transformer.ImportTransformerLens(cfg.LM, graph.StreamSeed(cfg.Seed, "mono/lm"))
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	sum, err := fileSHA256(filepath.Join(cfg.LM, transformer.WeightsFile))
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	root := cfg.Root
	if root == "" {
		if root, err = corpus.DefaultRoot(); err != nil {
			return MonoResult{}, interp.Browser{}, err
		}
	}
	c, err := corpus.Load(root)
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	stats := c.Stats()
	stats.Root = ""
	mc := m.Config()
	res := MonoResult{Experiment: "monosemanticity", Config: cfg, Model: mc, ModelSHA256: sum, Corpus: stats}
	res.Labels = labelNames()
	labels := c.Labels(corpus.Val)
	classes := make([]uint8, len(labels.Classes))
	for i, v := range labels.Classes {
		classes[i] = uint8(v)
	}
	fines := make([]uint8, len(labels.Fine))
	for i, v := range labels.Fine {
		fines[i] = uint8(v)
	}
	res.FineLabels = fineNames()
	val := c.Val
	res.EvalWindows = transformer.Windows(val, mc.Ctx)
	if cfg.EvalWindows > 0 {
		res.EvalWindows = min(res.EvalWindows, cfg.EvalWindows)
	}

	// The clean pass scores the neurons; the zero-ablated one is the floor
	// of loss recovered.
	neurons := newUnitMeasures(mc.DMLP, val, classes, fines)
	npages := newUnitPages(mc.DMLP, int(corpus.NumClasses))
	next := 0
	clean, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, rows, _ int) error {
			npages.first(x, rows, next)
			err := neurons.add(x, next, rows)
			next += rows
			return err
		}})
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	res.CleanBits = round4(clean)
	nscores, nfine := neurons.scores()
	res.Neurons, res.NeuronsFine = interp.Summarise(nscores), interp.Summarise(nfine)
	res.NeuronDensities, res.NeuronSpecificities = unitDistributions(nscores)
	npages.prepare()
	next = 0
	if _, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, rows, _ int) error {
			npages.second(x, rows, next, classes[next:next+rows], topLabels(nscores))
			err := neurons.addUnion(x, next, rows)
			next += rows
			return err
		}}); err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	res.NeuronCoverage, res.NeuronFineCoverage = neurons.coverage()
	logits := directLogits(p.Float64s("blocks.0.mlp.W_out"), p.Float64s("ln_final.w"), p.Float64s("unembed.W_U"), mc.DMLP, mc.DModel, mc.Vocab)
	browser := interp.Browser{Title: "Features of the one-layer byte transformer's MLP", Labels: res.Labels}
	browser.Dictionaries = append(browser.Dictionaries, interp.BrowserDict{Name: "neurons",
		Units: npages.pages(nscores, val, c, func(j int) []float64 {
			dir := make([]float64, mc.DMLP)
			dir[j] = 1
			return logits(dir)
		})})
	zero, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, _, _ int) error { clear(x); return nil }})
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	res.ZeroBits = round4(zero)
	log.WithField("clean", res.CleanBits).WithField("zero_ablated", res.ZeroBits).Info("monosemanticity")

	var jobs []*monoJob
	var costs []float64
	for vi, vname := range cfg.Variants {
		variant, _ := sae.ParseVariant(vname)
		for si, size := range cfg.Sizes {
			job := &monoJob{m: m, p: p, c: c, val: val, classes: classes, fines: fines, variant: variant, size: size, index: vi*len(cfg.Sizes) + si,
				clean: res.CleanBits, zero: res.ZeroBits, logits: logits, export: true, windowsStream: "mono/windows",
				name: fmt.Sprintf("%s-%d", variant, size)}
			job.key, job.model = monoKey(cfg, sum, job.name), sum
			jobs = append(jobs, job)
			costs = append(costs, monoCost(cfg, mc, size))
		}
	}
	// The SAEs are the units a sharded run splits; the passes above are
	// every process's.
	dones, err := runUnits(ctx, r, "saes", costs, func(ctx context.Context, only []int) ([]monoDone, error) {
		var out []monoDone
		for _, i := range only {
			d, err := monoUnit(ctx, r, cfg, jobs[i])
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	})
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	if cfg.RandomBaseline {
		variant, _ := sae.ParseVariant(cfg.Variants[0])
		size := baselineSize(cfg.Sizes)
		random, err := runUnits(ctx, r, "random baseline", []float64{monoCost(cfg, mc, size)}, func(ctx context.Context, _ []int) ([]*MonoRandom, error) {
			rb, err := monoRandom(ctx, r, cfg, mc, c, val, classes, fines, variant, size, monoKey(cfg, sum, "random"))
			return []*MonoRandom{rb}, err
		})
		if err != nil {
			return MonoResult{}, interp.Browser{}, fmt.Errorf("random-model baseline (%s-%d): %w", variant, size, err)
		}
		res.Random = random[0]
	}
	if err := r.shardDone(); err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	var decoders [][]float64
	for i, job := range jobs {
		rec, dict, dec, err := finishMono(cfg, job, dones[i])
		if err != nil {
			return MonoResult{}, interp.Browser{}, err
		}
		res.Scale = job.scale
		res.SAEs = append(res.SAEs, rec)
		browser.Dictionaries = append(browser.Dictionaries, dict)
		decoders = append(decoders, dec)
	}
	// Feature splitting: each latent's nearest decoder direction in every
	// other dictionary.
	for a := range decoders {
		for b := range decoders {
			if a == b {
				continue
			}
			idx, cos := nearest(decoders[a], decoders[b], mc.DMLP)
			da, db := &browser.Dictionaries[a+1], browser.Dictionaries[b+1].Name
			for j := range da.Units {
				da.Units[j].Family = append(da.Units[j].Family, interp.FamilyMember{Dict: db, Index: idx[j], Cosine: round4(cos[j])})
			}
		}
	}
	res.Splits = splitFamilies(res.SAEs, browser, decoders)
	return res, browser, nil
}

// monoKey identifies a job of the run of cfg on the model with SHA-256
// model for its checkpoint files.
func monoKey(cfg MonoConfig, model, job string) string {
	js, _ := json.Marshal(cfg)
	h := sha256.Sum256(append(append(js, model...), job...))
	return hex.EncodeToString(h[:])
}

// baselineSize is the dictionary size of the random-model baseline: the
// size nearest 4,096 (the headline dictionary), the smaller on a tie.
func baselineSize(sizes []int) int {
	best := sizes[0]
	for _, s := range sizes {
		if d, bd := abs(s-4096), abs(best-4096); d < bd || (d == bd && s < best) {
			best = s
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// monoSAEConfig is the SAE of one job.
func monoSAEConfig(cfg MonoConfig, variant sae.Variant, inputs, size, index int) sae.Config {
	sc := sae.Config{Variant: variant, Inputs: inputs, Latents: size,
		Train: graph.Config{Steps: cfg.SAESteps, Batch: cfg.Batch, LR: cfg.LR}, Seed: graph.StreamSeed(cfg.Seed, "mono/sae", index)}
	switch variant {
	case sae.TopK, sae.BatchTopK:
		sc.K = cfg.K
	case sae.ReLUL1, sae.ReLUL1Norm:
		sc.L1 = cfg.L1
	}
	return sc
}

// exportMono writes the job's SAE in SAELens' layout under cfg.Out (for
// jobs that export), with the activation scale folded back so that the SAE
// reads the model's own activations, and records the folder in rec.
func exportMono(cfg MonoConfig, job *monoJob, sm *sae.Model, sp *graph.Params, scale float32, rec *MonoSAE) error {
	if cfg.Out == "" || !job.export {
		return nil
	}
	ep := sp.Clone(0)
	s := float64(scale)
	for _, fold := range []struct {
		name string
		f    float64
	}{{sae.ParamWEnc, s}, {sae.ParamBDec, 1 / s}, {sae.ParamWDec, 1 / s}} {
		vals := ep.Float64s(fold.name)
		for i := range vals {
			vals[i] *= fold.f
		}
		if err := ep.Set(fold.name, ep.Shape(fold.name), vals); err != nil {
			return err
		}
	}
	rec.Export = filepath.Join("saelens", fmt.Sprintf("%s-%d", job.variant, job.size))
	return sae.ExportSAELens(filepath.Join(cfg.Out, rec.Export), sm, ep, "superposition-lm", transformer.HookMLPPost)
}

// monoRandom measures a randomly initialised transformer of shape mc the
// way Monosemanticity measures the trained one: its neurons, and an SAE of
// size latents on its MLP trained on the same windows.
func monoRandom(ctx context.Context, r Run, cfg MonoConfig, mc transformer.Config, c *corpus.Corpus, val []byte, classes, fines []uint8,
	variant sae.Variant, size int, key string) (*MonoRandom, error) {
	m, err := transformer.New(mc)
	if err != nil {
		return nil, err
	}
	// The parameters as TrainLM initialises them (building the training
	// graph creates them), untrained.
	p := graph.NewParams(graph.StreamSeed(cfg.Seed, "mono/random"))
	win, err := corpus.NewWindows(c.Train, mc.Ctx, graph.StreamSeed(cfg.Seed, "mono/random/init"))
	if err != nil {
		return nil, err
	}
	tr, err := graph.NewTrainer(m, win, p, graph.Config{Steps: 1, Batch: 1, LR: 1e-3})
	if err != nil {
		return nil, err
	}
	tr.Close()
	neurons := newUnitMeasures(mc.DMLP, val, classes, fines)
	next := 0
	clean, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, rows, _ int) error {
			err := neurons.add(x, next, rows)
			next += rows
			return err
		}})
	if err != nil {
		return nil, err
	}
	zero, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, _, _ int) error { clear(x); return nil }})
	if err != nil {
		return nil, err
	}
	nscores, nfine := neurons.scores()
	out := &MonoRandom{CleanBits: round4(clean), ZeroBits: round4(zero), Neurons: interp.Summarise(nscores), NeuronsFine: interp.Summarise(nfine)}
	logits := directLogits(p.Float64s("blocks.0.mlp.W_out"), p.Float64s("ln_final.w"), p.Float64s("unembed.W_U"), mc.DMLP, mc.DModel, mc.Vocab)
	job := &monoJob{m: m, p: p, c: c, val: val, classes: classes, fines: fines, variant: variant, size: size, index: 1 << 20,
		clean: out.CleanBits, zero: out.ZeroBits, logits: logits, windowsStream: "mono/windows",
		name: fmt.Sprintf("random-%s-%d", variant, size), key: key, model: "random"}
	if out.SAE, _, _, err = trainMonoSAE(ctx, r, cfg, job); err != nil {
		return nil, err
	}
	return out, nil
}

// unitMeasures scores units against the coarse and the refined labels of
// the validation stream: a first pass adds activations, a second (after
// scores) the unions of each label's specific units.
type unitMeasures struct {
	val            []byte
	classes, fines []uint8
	coarse, fine   *interp.LabelScorer
	cs, fs         []interp.UnitScore
	cu, fu         *interp.UnionScorer
}

func newUnitMeasures(units int, val []byte, classes, fines []uint8) *unitMeasures {
	return &unitMeasures{val: val, classes: classes, fines: fines,
		coarse: interp.NewLabelScorer(units, int(corpus.NumClasses)), fine: interp.NewLabelScorer(units, int(corpus.NumFine))}
}

// add scores rows of activations computed at bytes at, at+1, ….
func (u *unitMeasures) add(act []float32, at, rows int) error {
	if err := u.coarse.Add(act, u.val[at:at+rows], u.classes[at:at+rows]); err != nil {
		return err
	}
	return u.fine.Add(act, u.val[at:at+rows], u.fines[at:at+rows])
}

// scores returns the units' scores against both label sets.
func (u *unitMeasures) scores() (coarse, fine []interp.UnitScore) {
	u.cs, u.fs = u.coarse.Scores(), u.fine.Scores()
	units := len(u.cs)
	u.cu = interp.NewUnionScorer(units, interp.SpecificSets(u.cs, int(corpus.NumClasses)))
	u.fu = interp.NewUnionScorer(units, interp.SpecificSets(u.fs, int(corpus.NumFine)))
	return u.cs, u.fs
}

// addUnion adds a second pass's rows to the unions.
func (u *unitMeasures) addUnion(act []float32, at, rows int) error {
	if err := u.cu.Add(act, u.classes[at:at+rows]); err != nil {
		return err
	}
	return u.fu.Add(act, u.fines[at:at+rows])
}

// coverage returns the per-label coverage against both label sets.
func (u *unitMeasures) coverage() (coarse, fine []interp.LabelCoverage) {
	coarse, fine = interp.Coverage(u.cs, labelNames()), interp.Coverage(u.fs, fineNames())
	u.cu.Fill(coarse)
	u.fu.Fill(fine)
	roundCoverage(coarse)
	roundCoverage(fine)
	return coarse, fine
}

// fineNames are the refined labels' names.
func fineNames() []string { return corpus.FineNames[:] }

// labelNames are the corpus's label classes' names.
func labelNames() []string {
	names := make([]string, corpus.NumClasses)
	for i := range names {
		names[i] = corpus.Class(i).String()
	}
	return names
}

// roundCoverage rounds the F1 scores to 4 decimals.
func roundCoverage(cov []interp.LabelCoverage) {
	for i := range cov {
		cov[i].F1, cov[i].UnionF1 = round4(cov[i].F1), round4(cov[i].UnionF1)
	}
}

// fileSHA256 hashes a file of at most 1 GiB, streaming.
func fileSHA256(path string) (string, error) {
	f, _, err := safeio.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, 1<<30+1))
	if err != nil {
		return "", err
	}
	if n > 1<<30 {
		return "", fmt.Errorf("%s: larger than 1 GiB", path)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// topLabels returns each unit's top label.
func topLabels(scores []interp.UnitScore) []int {
	out := make([]int, len(scores))
	for i, s := range scores {
		out[i] = s.TopLabel
	}
	return out
}

// monoJob is one SAE to train and measure: on the MLP of model m (params p),
// spliced against its clean and zero-ablated bits per byte.
type monoJob struct {
	m             *transformer.Model
	p             *graph.Params
	c             *corpus.Corpus
	val           []byte
	classes       []uint8
	fines         []uint8
	variant       sae.Variant
	size, index   int
	clean, zero   float64
	logits        func([]float64) []float64
	export        bool    // write the SAELens export (not for baselines)
	scale         float64 // set by the job: the activation scale
	windowsStream string  // the stream name of the harvested windows
	model         string  // the model's SHA-256 ("random" for the baseline's)
	// name names the job's files in the checkpoint folder; key identifies
	// its run (the configuration, the model).
	name, key string
}

// monoDone is what a finished job leaves in the checkpoint folder: its
// results and its SAE's parameters.
type monoDone struct {
	Key    string
	Rec    MonoSAE
	Dict   interp.BrowserDict
	Names  []string
	Shapes [][]int
	Values [][]float64
	Scale  float64
}

const (
	monoDoneMagic = "SPOSMONO"
	// monoDoneVersion 2 is encoded by internal/record (1 was gob, which
	// turned empty lists into null).
	monoDoneVersion = 2
)

// loadDone returns the finished job's results from the checkpoint folder,
// or ok false when there are none; a file of another run is an error.
func loadDone(path, key string) (d monoDone, ok bool, err error) {
	data, err := sealed.ReadFile(path, monoDoneMagic, monoDoneVersion, 16<<30)
	if errors.Is(err, fs.ErrNotExist) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	if err := record.Unmarshal(data, &d); err != nil {
		return d, false, fmt.Errorf("%s: %w", path, err)
	}
	if d.Key != key {
		return d, false, fmt.Errorf("%s: made by a run with another configuration or model (rerun with its flags, or use another -checkpoint folder)", path)
	}
	return d, true, nil
}

func trainMonoSAE(ctx context.Context, r Run, cfg MonoConfig, job *monoJob) (MonoSAE, interp.BrowserDict, []float64, error) {
	d, err := monoUnit(ctx, r, cfg, job)
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	return finishMono(cfg, job, d)
}

// finishMono rebuilds job's SAE from its results d, exports it, and returns
// its record, browser pages and decoder.
func finishMono(cfg MonoConfig, job *monoJob, d monoDone) (MonoSAE, interp.BrowserDict, []float64, error) {
	job.scale = d.Scale
	sp := graph.NewParamsOf(tensor.Float32, 0)
	for i, n := range d.Names {
		if err := sp.Set(n, d.Shapes[i], d.Values[i]); err != nil {
			return MonoSAE{}, interp.BrowserDict{}, nil, fmt.Errorf("sae %s: %w", job.name, err)
		}
	}
	sm, err := sae.New(monoSAEConfig(cfg, job.variant, job.m.Config().DMLP, job.size, job.index))
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	rec := d.Rec
	if err := exportMono(cfg, job, sm, sp, float32(d.Scale), &rec); err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	return rec, d.Dict, sp.Float64s(sae.ParamWDec), nil
}

// activations is where an SAE's training rows come from: the model's
// stream, or a cache of it.
type activations interface {
	graph.Features
	Sample(rows int) []float32
	Err() error
	Close() error
	scale() float32
}

type streamed struct{ *transformer.ActivationStream }

func (s streamed) scale() float32 { return s.Scale }

type cached struct{ *transformer.Cache }

func (c cached) scale() float32 { return c.Info().Scale }
func (cached) Close() error     { return nil }

// monoSampleRows is the number of rows an SAE's initialisation samples.
const monoSampleRows = 4096

// monoActivations returns job's training activations: the model's stream
// over win, or, with cfg.Cache, the cache of that stream (harvested first
// when the cache folder holds none for this model and configuration).
func monoActivations(cfg MonoConfig, job *monoJob, win *corpus.Windows) (activations, error) {
	open := func() (*transformer.ActivationStream, error) {
		return transformer.NewActivationStream(job.m, job.p, win, transformer.HookMLPPost, cfg.PassWindows, cfg.BufferRows, graph.StreamSeed(cfg.Seed, "mono/shuffle"))
	}
	if cfg.Cache == "" {
		s, err := open()
		return streamed{s}, err
	}
	source := map[string]string{"model": job.model, "hook": transformer.HookMLPPost, "seed": strconv.FormatUint(cfg.Seed, 10),
		"windows": job.windowsStream, "pass_windows": strconv.Itoa(cfg.PassWindows), "buffer_rows": strconv.Itoa(cfg.BufferRows),
		"rows": strconv.Itoa(cfg.SAESteps * cfg.Batch), "float16": strconv.FormatBool(cfg.CacheFloat16)}
	id := sha256.Sum256([]byte(fmt.Sprint(source)))
	dir := filepath.Join(cfg.Cache, hex.EncodeToString(id[:8]))
	if err := os.MkdirAll(cfg.Cache, 0o755); err != nil {
		return nil, err
	}
	if !transformer.HasCache(dir) {
		// Harvest into a folder of this process, then rename it into
		// place: a killed harvest leaves no cache, and of two processes
		// harvesting the same activations the second keeps the first's.
		tmp, err := os.MkdirTemp(cfg.Cache, ".harvest-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		s, err := open()
		if err != nil {
			return nil, err
		}
		_, err = transformer.WriteCache(tmp, s, cfg.SAESteps*cfg.Batch, 1<<16, monoSampleRows, cfg.CacheFloat16, source)
		s.Close()
		if err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, dir); err != nil && !transformer.HasCache(dir) {
			return nil, err
		}
	}
	c, err := transformer.OpenCache(dir, source)
	return cached{c}, err
}

// monoCost estimates training and measuring an SAE of size latents.
func monoCost(cfg MonoConfig, mc transformer.Config, size int) float64 {
	return saeCost(mc.DMLP, size, cfg.SAESteps, cfg.Batch)
}

// monoUnit returns job's trained and measured SAE: from its .done file when
// an earlier run finished it, else trained and measured now (and saved to
// the .done file when the run keeps checkpoints).
func monoUnit(ctx context.Context, r Run, cfg MonoConfig, job *monoJob) (monoDone, error) {
	m, p, c, val, classes, variant, size, index, logits := job.m, job.p, job.c, job.val, job.classes, job.variant, job.size, job.index, job.logits
	measures := newUnitMeasures(size, val, classes, job.fines)
	mc := m.Config()
	name := fmt.Sprintf("%s-%d", variant, size)
	var donePath string
	if cfg.Checkpoint != "" {
		donePath = filepath.Join(cfg.Checkpoint, job.name+".done")
		d, ok, err := loadDone(donePath, job.key)
		if err != nil {
			return monoDone{}, err
		}
		if ok {
			r.log().WithField("sae", job.name).Warn("monosemanticity: measured before, resumed from the checkpoint folder")
			return d, nil
		}
	}
	// Every SAE sees the same activations: the same windows, the same
	// shuffle.
	win, err := corpus.NewWindows(c.Train, mc.Ctx, graph.StreamSeed(cfg.Seed, job.windowsStream))
	if err != nil {
		return monoDone{}, err
	}
	stream, err := monoActivations(cfg, job, win)
	if err != nil {
		return monoDone{}, err
	}
	defer stream.Close()
	job.scale = float64(stream.scale())
	sm, err := sae.New(monoSAEConfig(cfg, variant, mc.DMLP, size, index))
	if err != nil {
		return monoDone{}, err
	}
	if cfg.Checkpoint != "" {
		sm.SetCheckpoint(filepath.Join(cfg.Checkpoint, job.name+".ckpt"), cfg.CheckpointEvery, job.key)
	}
	sp := graph.NewParams(graph.StreamSeed(cfg.Seed, "mono/sae/params", index))
	if err := sae.Init(sp, sm, graph.Stream(cfg.Seed, "mono/sae/init", index), stream.Sample(monoSampleRows)); err != nil {
		return monoDone{}, err
	}
	bar := r.progress("sae "+name, cfg.SAESteps)
	hist, _, err := sae.Train(ctx, sm, stream, sp, graph.StreamSeed(cfg.Seed, "mono/sae/train", index), r.trainOptions(bar)...)
	bar.Finish()
	if hist.ResumedAt > 0 {
		r.log().Warnf("sae %s: resumed from its checkpoint at step %d", job.name, hist.ResumedAt)
	}
	if err == nil {
		err = stream.Err()
	}
	if err != nil {
		return monoDone{}, fmt.Errorf("sae %s: %w", name, err)
	}
	rec := MonoSAE{Variant: string(variant), Latents: size, K: sm.Config().K, Activations: cfg.SAESteps * cfg.Batch, LossTrend: totalTrend(hist)}

	// Splice: hook_post is replaced by the reconstruction (in the model's
	// units), and the latents are scored on the bytes they fire on.
	runners := &saeRunners{m: sm, p: sp, in: &feed{w: mc.DMLP}, run: map[int]*graph.Runner{}}
	defer runners.close()
	pages := newUnitPages(size, int(corpus.NumClasses))
	fired := make([]int, size)
	scale := stream.scale()
	var l0, sse, sumsq float64
	mean := make([]float64, mc.DMLP)
	next, rows := 0, 0
	scaled := []float32(nil)
	spliced, err := transformer.SpliceEval(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, n, d int) error {
			scaled = append(scaled[:0], x...)
			for i := range scaled {
				scaled[i] *= scale
			}
			f, xh, err := runners.apply(scaled, n)
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				for j, v := range f[i*size : (i+1)*size] {
					if v != 0 {
						l0++
						fired[j]++
					}
				}
			}
			for i, v := range scaled {
				e := float64(xh[i] - v)
				sse += e * e
				sumsq += float64(v) * float64(v)
				mean[i%d] += float64(v)
				x[i] = xh[i] / scale
			}
			pages.first(f, n, next)
			if err := measures.add(f, next, n); err != nil {
				return err
			}
			next += n
			rows += n
			return nil
		}})
	if err != nil {
		return monoDone{}, err
	}
	var ms float64
	for _, v := range mean {
		ms += v * v
	}
	variance := sumsq - ms/float64(rows)
	rec.L0 = round4(l0 / float64(rows))
	rec.FVU = round4(sse / variance)
	rec.SplicedBits = round4(spliced.HookedBits)
	rec.KLBits = round4(spliced.KLBits)
	rec.LossRecovered = round4((job.zero - spliced.HookedBits) / (job.zero - job.clean))
	var dead, dense int
	for _, n := range fired {
		if n == 0 {
			dead++
		}
		if float64(n) > 0.1*float64(rows) {
			dense++
		}
	}
	rec.DeadFraction = round4(float64(dead) / float64(size))
	rec.DenseFraction = round4(float64(dense) / float64(size))
	scores, fineScores := measures.scores()
	rec.ScoreSummary, rec.Fine = interp.Summarise(scores), interp.Summarise(fineScores)
	rec.Densities, rec.Specificities = unitDistributions(scores)
	// The browser's second pass: the latents again, around their peaks.
	pages.prepare()
	next = 0
	tops := topLabels(scores)
	if _, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, n, _ int) error {
			scaled = append(scaled[:0], x...)
			for i := range scaled {
				scaled[i] *= scale
			}
			f, _, err := runners.apply(scaled, n)
			if err != nil {
				return err
			}
			pages.second(f, n, next, classes[next:next+n], tops)
			err = measures.addUnion(f, next, n)
			next += n
			return err
		}}); err != nil {
		return monoDone{}, err
	}
	rec.Coverage, rec.FineCoverage = measures.coverage()
	// A latent's output direction in the model's units is its decoder row
	// over the activation scale.
	dec := sp.Float64s(sae.ParamWDec)
	dict := interp.BrowserDict{Name: name, Units: pages.pages(scores, val, c, func(j int) []float64 {
		dir := make([]float64, mc.DMLP)
		for i := range dir {
			dir[i] = dec[j*mc.DMLP+i] / float64(scale)
		}
		return logits(dir)
	})}
	r.log().WithField("sae", name).WithField("l0", rec.L0).WithField("fvu", rec.FVU).
		WithField("loss_recovered", rec.LossRecovered).WithField("label_specific", rec.LabelSpecific).Info("monosemanticity")

	d := monoDone{Key: job.key, Rec: rec, Dict: dict, Scale: job.scale}
	for _, n := range sp.Names() {
		d.Names = append(d.Names, n)
		d.Shapes = append(d.Shapes, sp.Shape(n))
		d.Values = append(d.Values, sp.Float64s(n))
	}
	if donePath != "" {
		buf, err := record.Marshal(d)
		if err != nil {
			return monoDone{}, err
		}
		if err := sealed.WriteFile(donePath, monoDoneMagic, monoDoneVersion, buf); err != nil {
			return monoDone{}, err
		}
		os.Remove(filepath.Join(cfg.Checkpoint, job.name+".ckpt")) // the results supersede it
	}
	return d, nil
}

// MonoExperiment trains and measures the SAEs of cfg (Monosemanticity) and
// writes into cfg.Out, beside their SAELens exports, the feature browser
// (browser/index.html), summary.json, the figures of MonoReport and
// report.html.
func MonoExperiment(ctx context.Context, run Run, cfg MonoConfig) error {
	res, browser, err := Monosemanticity(ctx, run, cfg)
	if err != nil {
		return err
	}
	if err := interp.WriteBrowser(filepath.Join(cfg.Out, "browser"), browser); err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, res, interp.Report{
		Title: "Towards Monosemanticity in miniature: sparse autoencoders on a byte transformer's MLP",
		Intro: "Sparse autoencoders trained on the MLP activations of the one-layer transformer of experiments/lm, " +
			"measured by splicing them into the model and against go/scanner's label of every byte.",
		Config: res.Config,
	}, func(out string) ([]interp.Section, error) { return MonoReport(out, res) })
}

// MonoReport draws the report's figures into out (the latents' and neurons'
// density histograms, L0 against loss recovered, specificity of neurons
// against latents) and returns its sections, every sentence computed from
// res.
func MonoReport(out string, res MonoResult) ([]interp.Section, error) {
	n := res.Neurons
	paras := []string{fmt.Sprintf("The transformer makes %s bits per byte on %d validation windows; with its MLP output zeroed, %s.",
		sig4(res.CleanBits), res.EvalWindows, sig4(res.ZeroBits)),
		fmt.Sprintf("Its %d neurons: %d alive, median specificity %s (quartiles %s / %s / %s), %d pure (≥ 0.9), %d label-specific (pure only through context), %d byte detectors, median firing rate %s.",
			n.Units, n.Alive, sig0(n.MedianSpecificity), sig0(n.SpecificityQuartiles[0]), sig0(n.SpecificityQuartiles[1]), sig0(n.SpecificityQuartiles[2]), n.Pure, n.LabelSpecific, n.ByteDetectors, pct(n.MedianDensity))}
	table := interp.Table{Caption: "Every SAE on the MLP's output: reconstruction, the loss with the reconstruction spliced in, and how specific its latents are to one go/scanner label.",
		Header: []string{"SAE", "trained on", "L0", "FVU", "spliced bits per byte", "above clean", "KL to clean (bits per byte)", "loss recovered", "dead", "dense", "alive latents",
			"median specificity (quartiles)", "pure", "label-specific", "byte detectors", "median firing rate"}}
	for _, s := range res.SAEs {
		table.Rows = append(table.Rows, []string{fmt.Sprintf("%s, %d latents", s.Variant, s.Latents), thousands(s.Activations) + " activations",
			sig0(s.L0), sig0(s.FVU), sig4(s.SplicedBits), sig(s.SplicedBits - res.CleanBits), sig(s.KLBits), sig0(s.LossRecovered),
			pct(s.DeadFraction), pct(s.DenseFraction), strconv.Itoa(s.Alive),
			fmt.Sprintf("%s (%s / %s / %s)", sig0(s.MedianSpecificity), sig0(s.SpecificityQuartiles[0]), sig0(s.SpecificityQuartiles[1]), sig0(s.SpecificityQuartiles[2])),
			strconv.Itoa(s.Pure), strconv.Itoa(s.LabelSpecific), strconv.Itoa(s.ByteDetectors), pct(s.MedianDensity)})
	}
	if rb := res.Random; rb != nil {
		paras = append(paras, randomBaselineSentence(res, *rb))
	}
	paras = append(paras, fineSentence(res))
	cover, coverNote := coverageTable(res)
	if coverNote != "" {
		paras = append(paras, coverNote)
	}
	for _, f := range res.Splits {
		kids := make([]string, len(f.Children))
		for i, k := range f.Children {
			kids[i] = fmt.Sprintf("%d (%s, cos %s, specificity %s)", k.Index, k.Label, sig0(k.Cosine), sig0(k.Specificity))
		}
		paras = append(paras, fmt.Sprintf("Feature splitting: latent %s (%s) is the nearest decoder direction, at cosine ≥ 0.5, of %d latents of %s; the nearest: %s.",
			f.Parent, f.ParentLabel, f.Count, f.Child, strings.Join(kids, ", ")))
	}
	saes := res.SAEs
	if rb := res.Random; rb != nil {
		saes = append(slices.Clone(saes), rb.SAE)
	}
	names := make([]string, len(saes))
	trends := make([]interp.Trend, len(saes))
	spliced := make([]float64, len(saes))
	for i, s := range saes {
		names[i], trends[i], spliced[i] = fmt.Sprintf("%s-%d", s.Variant, s.Latents), s.LossTrend, s.SplicedBits
	}
	if res.Random != nil {
		names[len(names)-1] = "the random model's " + names[len(names)-1]
	}
	figs, err := monoFigures(out, res)
	if err != nil {
		return nil, err
	}
	tables := []interp.Table{monoHeadline(res), table}
	if len(cover.Rows) > 0 {
		tables = append(tables, cover)
	}
	return []interp.Section{{Heading: "Sparse autoencoders on the MLP", Paragraphs: paras, Tables: tables, Figures: figs,
		Warnings: nonEmpty(failureWarning("SAEs", names, spliced), convergenceWarningFlag("SAEs", names, trends, "-sae-steps"))}}, nil
}

// monoFigures draws the report's figures into out.
func monoFigures(out string, res MonoResult) ([]interp.Figure, error) {
	var figs []interp.Figure
	panels := []interp.DensityPanel{{Title: fmt.Sprintf("%d neurons", len(res.NeuronDensities)), Freq: res.NeuronDensities, Units: "neurons"}}
	for _, s := range res.SAEs {
		panels = append(panels, interp.DensityPanel{Title: fmt.Sprintf("%s-%d", s.Variant, s.Latents), Freq: s.Densities})
	}
	path := filepath.Join(out, "mono_density.png")
	if err := interp.SaveDensityHistograms(path, min(len(panels), 4), panels); err != nil {
		return nil, err
	}
	figs = append(figs, interp.Figure{Path: path, Caption: "How often each unit fires on the validation bytes (log scale): the neurons, then every dictionary. " +
		"Towards Monosemanticity's dictionaries put most latents between 10⁻⁵ and 10⁻³, with a separate ultralow-density cluster; dead units are counted in the titles."})
	var points []interp.Series
	for i, s := range res.SAEs {
		points = append(points, interp.Series{Name: fmt.Sprintf("%s-%d", s.Variant, s.Latents), Points: true, Radius: 5, Color: interp.Color(i + 1),
			X: []float64{s.L0}, Y: []float64{s.LossRecovered}})
	}
	path = filepath.Join(out, "mono_l0_loss_recovered.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "Sparsity against fidelity", XLabel: "L0 (active latents per byte)", YLabel: "loss recovered",
		LogX: true, HLines: []interp.Guide{{Y: 1, Label: "clean model"}}, Width: 5.5, Height: 4}, points...); err != nil {
		return nil, err
	}
	figs = append(figs, interp.Figure{Path: path, Caption: "Each SAE's L0 against the loss it recovers when spliced in for the MLP's output (1: the clean model, 0: the MLP zeroed)."})
	spec := []interp.Series{specificityCurve(fmt.Sprintf("%d neurons", len(res.NeuronDensities)), res.NeuronSpecificities, interp.Color(0))}
	for i, s := range res.SAEs {
		spec = append(spec, specificityCurve(fmt.Sprintf("%s-%d", s.Variant, s.Latents), s.Specificities, interp.Color(i+1)))
	}
	path = filepath.Join(out, "mono_specificity.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "Specificity of neurons and latents", XLabel: "specificity (share of activation on the top label)",
		YLabel: "fraction of alive units", XMin: 0, XMax: 1, Width: 6, Height: 4}, spec...); err != nil {
		return nil, err
	}
	figs = append(figs, interp.Figure{Path: path, Caption: "The distribution of specificity over alive units, in bins of 0.05: " +
		"units to the right put their activation on one go/scanner label. Neurons against every dictionary."})
	return figs, nil
}

// specificityCurve is the histogram of specificities (20 bins over [0, 1],
// as fractions) as a line at the bins' centres.
func specificityCurve(name string, spec []float64, c color.Color) interp.Series {
	const bins = 20
	s := interp.Series{Name: name, Line: true, Points: true, Color: c}
	counts := make([]float64, bins)
	for _, v := range spec {
		if v >= 0 && v <= 1 {
			counts[min(int(v*bins), bins-1)]++
		}
	}
	for i, c := range counts {
		s.X = append(s.X, (float64(i)+0.5)/bins)
		s.Y = append(s.Y, c/float64(max(len(spec), 1)))
	}
	return s
}

// randomBaselineSentence compares the random model's SAE with the trained
// model's SAE of the same variant and size, computed from both records.
func randomBaselineSentence(res MonoResult, rb MonoRandom) string {
	s := rb.SAE
	head := fmt.Sprintf("Baseline: a randomly initialised transformer of the same shape (%.4f bits per byte) has %d label-specific neurons of %d alive; a %s SAE of %d latents on its MLP has %d alive latents, %d label-specific, median specificity %.2f.",
		rb.CleanBits, rb.Neurons.LabelSpecific, rb.Neurons.Alive, s.Variant, s.Latents, s.Alive, s.LabelSpecific, s.MedianSpecificity)
	for _, t := range res.SAEs {
		if t.Variant != s.Variant || t.Latents != s.Latents {
			continue
		}
		switch {
		case t.LabelSpecific > s.LabelSpecific && t.MedianSpecificity > s.MedianSpecificity:
			return head + fmt.Sprintf(" The trained model's SAE of that size is above it on both counts (%d label-specific, median %.2f): its features come from training, not from the measure.", t.LabelSpecific, t.MedianSpecificity)
		default:
			return head + fmt.Sprintf(" The trained model's SAE of that size is not above it on both counts (%d label-specific, median %.2f): at this scale the measures do not separate learned features from a random model's.", t.LabelSpecific, t.MedianSpecificity)
		}
	}
	return head
}

// coverageTable is, per label, the best single neuron's F1, the best single
// latent's of each dictionary and the union of that dictionary's
// label-specific latents, with the sentence that says who wins, from res.
func coverageTable(res MonoResult) (interp.Table, string) {
	if len(res.NeuronCoverage) == 0 {
		return interp.Table{}, ""
	}
	t := interp.Table{Caption: "F1 of \"the unit is active\" as a classifier of each go/scanner label (best threshold): the best single neuron, " +
		"the best single latent of each dictionary, and the union of the dictionary's label-specific latents for that label (their count in brackets).",
		Header: []string{"label", "best neuron"}}
	for _, s := range res.SAEs {
		t.Header = append(t.Header, fmt.Sprintf("best %s-%d latent", s.Variant, s.Latents), fmt.Sprintf("%s-%d union", s.Variant, s.Latents))
	}
	neuronWins := 0
	for l, nc := range res.NeuronCoverage {
		row := []string{nc.Label, fmt.Sprintf("%.3f (#%d)", nc.F1, nc.Unit)}
		bestLatent := 0.0
		for _, s := range res.SAEs {
			if l >= len(s.Coverage) {
				row = append(row, "—", "—")
				continue
			}
			c := s.Coverage[l]
			row = append(row, fmt.Sprintf("%.3f (#%d)", c.F1, c.Unit), fmt.Sprintf("%.3f (%d)", c.UnionF1, c.Union))
			bestLatent = max(bestLatent, c.F1, c.UnionF1)
		}
		if nc.F1 > bestLatent {
			neuronWins++
		}
		t.Rows = append(t.Rows, row)
	}
	if neuronWins == 0 {
		return t, "On every label some latent or union of latents classifies better than the best single neuron (table below)."
	}
	dens := make([]string, len(res.SAEs))
	for i, s := range res.SAEs {
		dens[i] = fmt.Sprintf("%s-%d's %.2f%%", s.Variant, s.Latents, 100*s.MedianDensity)
	}
	return t, fmt.Sprintf("On %d of %d labels the best single neuron classifies better than any latent or union of latents (table below; the median neuron fires on %.1f%% of bytes, the median latent on %s).",
		neuronWins, len(res.NeuronCoverage), 100*res.Neurons.MedianDensity, strings.Join(dens, ", "))
}

// monoHeadline is the headline table: units, activations trained on, alive,
// label-specific, byte detectors and median specificity for the neurons,
// every dictionary and the random-model baseline, computed from res, beside
// the figures of Towards Monosemanticity and of the PyTorch prototype of
// these measures (../shared/TARGETS.md), which are quoted, not measured here.
func monoHeadline(res MonoResult) interp.Table {
	t := interp.Table{Caption: "The headline: how many units are specific to one go/scanner label through context (label-specific), " +
		"for the neurons and every dictionary; the last rows are quoted from the paper (human ratings on a 0–14 rubric, not this measure) and from a PyTorch prototype of these measures.",
		Header: []string{"units", "count", "activations trained on", "alive", "label-specific (coarse / refined)", "byte detectors", "median specificity", "loss recovered"}}
	n, nf := res.Neurons, res.NeuronsFine
	t.Rows = append(t.Rows, []string{"neurons", thousands(n.Units), "—", thousands(n.Alive), fmt.Sprintf("%d / %d", n.LabelSpecific, nf.LabelSpecific),
		thousands(n.ByteDetectors), sig0(n.MedianSpecificity), "—"})
	saeRow := func(name string, s MonoSAE, clean, zero float64) []string {
		return []string{name, thousands(s.Latents), thousands(s.Activations), thousands(s.Alive), fmt.Sprintf("%d / %d", s.LabelSpecific, s.Fine.LabelSpecific),
			thousands(s.ByteDetectors), sig0(s.MedianSpecificity), lossRecoveredCell(s.LossRecovered, clean, zero)}
	}
	for _, s := range res.SAEs {
		t.Rows = append(t.Rows, saeRow(fmt.Sprintf("%s latents", s.Variant), s, res.CleanBits, res.ZeroBits))
	}
	if rb := res.Random; rb != nil {
		rn, rf := rb.Neurons, rb.NeuronsFine
		t.Rows = append(t.Rows, []string{"random model's neurons", thousands(rn.Units), "—", thousands(rn.Alive), fmt.Sprintf("%d / %d", rn.LabelSpecific, rf.LabelSpecific),
			thousands(rn.ByteDetectors), sig0(rn.MedianSpecificity), "—"})
		t.Rows = append(t.Rows, saeRow(fmt.Sprintf("random model's %s latents", rb.SAE.Variant), rb.SAE, rb.CleanBits, rb.ZeroBits))
	}
	t.Rows = append(t.Rows,
		[]string{"paper: neurons", "512", "—", "—", "median rating 0 of 14", "—", "—", "—"},
		[]string{"paper: A/1 latents (ReLU + L1)", "4,096", "8 billion", "3,928", "median rating 12 of 14", "—", "—", "0.79"},
		[]string{"PyTorch prototype: TopK latents", "4,096", "3.3 million", "4,073", "206 / —", "68% (top activations on one byte)", "0.60", "0.982"})
	return t
}

// MinAblationCost is the least share of the clean loss that zero-ablating
// the MLP must add for loss recovered, (zero − spliced) / (zero − clean), to
// be read: below it the ratio divides by noise (a random model's MLP, whose
// ablation costs nothing, scores about 1 whatever the SAE does).
const MinAblationCost = 0.01

// lossRecoveredCell writes loss recovered, or why it is not read.
func lossRecoveredCell(lr, clean, zero float64) string {
	if zero-clean < MinAblationCost*clean {
		return fmt.Sprintf("— (ablating the MLP costs %s bits)", sig(zero-clean))
	}
	return sig0(lr)
}

// fineSentence states the scores against the refined labels, from res.
func fineSentence(res MonoResult) string {
	parts := []string{fmt.Sprintf("neurons %d label-specific of %d alive (median specificity %.2f)", res.NeuronsFine.LabelSpecific, res.NeuronsFine.Alive, res.NeuronsFine.MedianSpecificity)}
	for _, s := range res.SAEs {
		parts = append(parts, fmt.Sprintf("%s-%d %d of %d (median %.2f)", s.Variant, s.Latents, s.Fine.LabelSpecific, s.Fine.Alive, s.Fine.MedianSpecificity))
	}
	return fmt.Sprintf("Against the %d refined labels (number, string, comment, keyword, identifier and operator kinds, from go/scanner and go/parser): %s.", len(res.FineLabels), strings.Join(parts, "; "))
}
