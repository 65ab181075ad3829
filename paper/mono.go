package paper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/transformer"
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
	// Verbose asks for per-step debug logging; not part of the results.
	Verbose bool `json:"-"`
}

// DefaultMonoConfig returns TopK SAEs (k 32) of 512 and 4,096 latents,
// 800 steps of 4,096 activations (3.3M, the peer's setup) at Adam 1e-3.
func DefaultMonoConfig() MonoConfig {
	return MonoConfig{Out: "out/monosemanticity", LM: "out/lm", Seed: 1, Sizes: []int{512, 4096}, Variants: []string{"topk"},
		K: 32, L1: 5, SAESteps: 800, Batch: 4096, LR: 1e-3, PassWindows: 32, BufferRows: 1 << 16, EvalBatch: 32}
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
	// DeadFraction: latents that never fired on the validation stream;
	// DenseFraction: latents firing on more than 10% of its bytes.
	DeadFraction  float64 `json:"dead_fraction"`
	DenseFraction float64 `json:"dense_fraction"`
	interp.ScoreSummary
	// Export is the SAELens folder, relative to Out.
	Export string `json:"export"`
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
	// Labels names the label classes the units are scored against.
	Labels  []string            `json:"labels"`
	Neurons interp.ScoreSummary `json:"neurons"`
	SAEs    []MonoSAE           `json:"saes"`
	// Splits are feature-splitting families: for each smaller dictionary,
	// its latent with the most children (latents of a larger dictionary
	// whose nearest decoder direction it is, at cosine ≥ 0.5).
	Splits []SplitFamily `json:"splits,omitempty"`
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
	_, f := e.m.Encode(b, in.X(), true)
	xh := e.m.Decode(b, f)
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
	for i := 0; i < int(corpus.NumClasses); i++ {
		res.Labels = append(res.Labels, corpus.Class(i).String())
	}
	labels := c.Labels(corpus.Val)
	classes := make([]uint8, len(labels.Classes))
	for i, v := range labels.Classes {
		classes[i] = uint8(v)
	}
	val := c.Val
	res.EvalWindows = transformer.Windows(val, mc.Ctx)
	if cfg.EvalWindows > 0 {
		res.EvalWindows = min(res.EvalWindows, cfg.EvalWindows)
	}

	// The clean pass scores the neurons; the zero-ablated one is the floor
	// of loss recovered.
	neurons := interp.NewLabelScorer(mc.DMLP, int(corpus.NumClasses))
	npages := newUnitPages(mc.DMLP, int(corpus.NumClasses))
	next := 0
	clean, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, rows, _ int) error {
			npages.first(x, rows, next)
			err := neurons.Add(x, val[next:next+rows], classes[next:next+rows])
			next += rows
			return err
		}})
	if err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
	res.CleanBits = round4(clean)
	nscores := neurons.Scores()
	res.Neurons = interp.Summarise(nscores)
	npages.prepare()
	next = 0
	if _, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, rows, _ int) error {
			npages.second(x, rows, next, classes[next:next+rows], topLabels(nscores))
			next += rows
			return nil
		}}); err != nil {
		return MonoResult{}, interp.Browser{}, err
	}
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

	var decoders [][]float64
	for vi, vname := range cfg.Variants {
		variant, _ := sae.ParseVariant(vname)
		for si, size := range cfg.Sizes {
			rec, dict, dec, err := trainMonoSAE(ctx, r, cfg, m, p, c, val, classes, variant, size, vi*len(cfg.Sizes)+si, &res, logits)
			if err != nil {
				return MonoResult{}, interp.Browser{}, err
			}
			res.SAEs = append(res.SAEs, rec)
			browser.Dictionaries = append(browser.Dictionaries, dict)
			decoders = append(decoders, dec)
		}
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

func trainMonoSAE(ctx context.Context, r Run, cfg MonoConfig, m *transformer.Model, p *graph.Params, c *corpus.Corpus,
	val []byte, classes []uint8, variant sae.Variant, size, index int, res *MonoResult, logits func([]float64) []float64) (MonoSAE, interp.BrowserDict, []float64, error) {
	mc := m.Config()
	name := fmt.Sprintf("%s-%d", variant, size)
	// Every SAE sees the same activations: the same windows, the same
	// shuffle.
	win, err := corpus.NewWindows(c.Train, mc.Ctx, graph.StreamSeed(cfg.Seed, "mono/windows"))
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	stream, err := transformer.NewActivationStream(m, p, win, transformer.HookMLPPost, cfg.PassWindows, cfg.BufferRows, graph.StreamSeed(cfg.Seed, "mono/shuffle"))
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	defer stream.Close()
	res.Scale = float64(stream.Scale)
	sc := sae.Config{Variant: variant, Inputs: mc.DMLP, Latents: size,
		Train: graph.Config{Steps: cfg.SAESteps, Batch: cfg.Batch, LR: cfg.LR}, Seed: graph.StreamSeed(cfg.Seed, "mono/sae", index)}
	switch variant {
	case sae.TopK, sae.BatchTopK:
		sc.K = cfg.K
	case sae.ReLUL1, sae.ReLUL1Norm:
		sc.L1 = cfg.L1
	}
	sm, err := sae.New(sc)
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	sp := graph.NewParams(graph.StreamSeed(cfg.Seed, "mono/sae/params", index))
	if err := sae.Init(sp, sm, graph.Stream(cfg.Seed, "mono/sae/init", index), stream.Sample(4096)); err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	bar := r.progress("sae "+name, cfg.SAESteps)
	_, _, err = sae.Train(ctx, sm, stream, sp, graph.StreamSeed(cfg.Seed, "mono/sae/train", index), r.trainOptions(bar)...)
	bar.Finish()
	if err == nil {
		err = stream.Err()
	}
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, fmt.Errorf("sae %s: %w", name, err)
	}
	rec := MonoSAE{Variant: string(variant), Latents: size, K: sm.Config().K, Activations: cfg.SAESteps * cfg.Batch}

	// Splice: hook_post is replaced by the reconstruction (in the model's
	// units), and the latents are scored on the bytes they fire on.
	runners := &saeRunners{m: sm, p: sp, in: &feed{w: mc.DMLP}, run: map[int]*graph.Runner{}}
	defer runners.close()
	scorer := interp.NewLabelScorer(size, int(corpus.NumClasses))
	pages := newUnitPages(size, int(corpus.NumClasses))
	fired := make([]int, size)
	scale := stream.Scale
	var l0, sse, sumsq float64
	mean := make([]float64, mc.DMLP)
	next, rows := 0, 0
	scaled := []float32(nil)
	spliced, err := transformer.BitsPerByte(ctx, m, p, val, cfg.EvalBatch, cfg.EvalWindows, graph.HookPoints{
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
			if err := scorer.Add(f, val[next:next+n], classes[next:next+n]); err != nil {
				return err
			}
			next += n
			rows += n
			return nil
		}})
	if err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
	var ms float64
	for _, v := range mean {
		ms += v * v
	}
	variance := sumsq - ms/float64(rows)
	rec.L0 = round4(l0 / float64(rows))
	rec.FVU = round4(sse / variance)
	rec.SplicedBits = round4(spliced)
	rec.LossRecovered = round4((res.ZeroBits - spliced) / (res.ZeroBits - res.CleanBits))
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
	scores := scorer.Scores()
	rec.ScoreSummary = interp.Summarise(scores)
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
			next += n
			return nil
		}}); err != nil {
		return MonoSAE{}, interp.BrowserDict{}, nil, err
	}
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

	// Export with the activation scale folded back: the SAE then reads the
	// model's own activations.
	if cfg.Out != "" {
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
				return MonoSAE{}, interp.BrowserDict{}, nil, err
			}
		}
		rec.Export = filepath.Join("saelens", name)
		if err := sae.ExportSAELens(filepath.Join(cfg.Out, rec.Export), sm, ep, "superposition-lm", transformer.HookMLPPost); err != nil {
			return MonoSAE{}, interp.BrowserDict{}, nil, err
		}
	}
	return rec, dict, dec, nil
}

// MonoReport returns the report's sections, every sentence computed from
// res.
func MonoReport(res MonoResult) []interp.Section {
	n := res.Neurons
	paras := []string{fmt.Sprintf("The transformer makes %s bits per byte on %d validation windows; with its MLP output zeroed, %s.",
		sig4(res.CleanBits), res.EvalWindows, sig4(res.ZeroBits)),
		fmt.Sprintf("Its %d neurons: %d alive, median specificity %s (quartiles %s / %s / %s), %d pure (≥ 0.9), %d label-specific (pure only through context), %d byte detectors, median firing rate %s.",
			n.Units, n.Alive, sig0(n.MedianSpecificity), sig0(n.SpecificityQuartiles[0]), sig0(n.SpecificityQuartiles[1]), sig0(n.SpecificityQuartiles[2]), n.Pure, n.LabelSpecific, n.ByteDetectors, pct(n.MedianDensity))}
	table := interp.Table{Caption: "Every SAE on the MLP's output: reconstruction, the loss with the reconstruction spliced in, and how specific its latents are to one go/scanner label.",
		Header: []string{"SAE", "trained on", "L0", "FVU", "spliced bits per byte", "above clean", "loss recovered", "dead", "dense", "alive latents",
			"median specificity (quartiles)", "pure", "label-specific", "byte detectors", "median firing rate"}}
	for _, s := range res.SAEs {
		table.Rows = append(table.Rows, []string{fmt.Sprintf("%s, %d latents", s.Variant, s.Latents), fmt.Sprintf("%d activations", s.Activations),
			sig0(s.L0), sig0(s.FVU), sig4(s.SplicedBits), sig(s.SplicedBits - res.CleanBits), sig0(s.LossRecovered),
			pct(s.DeadFraction), pct(s.DenseFraction), strconv.Itoa(s.Alive),
			fmt.Sprintf("%s (%s / %s / %s)", sig0(s.MedianSpecificity), sig0(s.SpecificityQuartiles[0]), sig0(s.SpecificityQuartiles[1]), sig0(s.SpecificityQuartiles[2])),
			strconv.Itoa(s.Pure), strconv.Itoa(s.LabelSpecific), strconv.Itoa(s.ByteDetectors), pct(s.MedianDensity)})
	}
	for _, f := range res.Splits {
		kids := make([]string, len(f.Children))
		for i, k := range f.Children {
			kids[i] = fmt.Sprintf("%d (%s, cos %s, specificity %s)", k.Index, k.Label, sig0(k.Cosine), sig0(k.Specificity))
		}
		paras = append(paras, fmt.Sprintf("Feature splitting: latent %s (%s) is the nearest decoder direction, at cosine ≥ 0.5, of %d latents of %s; the nearest: %s.",
			f.Parent, f.ParentLabel, f.Count, f.Child, strings.Join(kids, ", ")))
	}
	return []interp.Section{{Heading: "Sparse autoencoders on the MLP", Paragraphs: paras, Tables: []interp.Table{table}}}
}
