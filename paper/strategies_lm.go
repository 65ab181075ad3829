package paper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/transformer"
)

// This file holds the language-model scale of the strategies experiment:
// the one-layer byte transformer of experiments/lm with a SoLU MLP against
// the same model with a ReLU MLP (road 1: the cost in bits per byte, the gain
// in label-specific neurons), and an SAE on each MLP (road 2 on the ReLU
// model, road 3 on the SoLU one), all measured by the monosemanticity
// experiment's rules.

// StrategiesLM configures the language-model scale.
type StrategiesLM struct {
	// ReLU and SoLU are folders of experiments/lm runs (-act relu, -act
	// solu) of the same size; Root is the corpus ("" for `go env
	// GOROOT`/src). None is part of the results; the models' SHA-256 are.
	ReLU string `json:"-"`
	SoLU string `json:"-"`
	Root string `json:"-"`
	// SAE is the monosemanticity experiment's configuration of the SAEs
	// trained on each MLP and of the measurement (its LM, Out, Root and
	// Seed are set per model).
	SAE MonoConfig `json:"sae"`
}

// DefaultStrategiesLM reads out/lm and out/lm-solu and trains one TopK SAE
// of 512 latents (as many as the MLP has neurons) on each, as
// experiments/monosemanticity trains its own.
func DefaultStrategiesLM() StrategiesLM {
	sae := DefaultMonoConfig()
	sae.Sizes = []int{512}
	return StrategiesLM{ReLU: "out/lm", SoLU: "out/lm-solu", SAE: sae}
}

// LMStrategy is one transformer of the language-model scale, its neurons
// and the SAEs on its MLP.
type LMStrategy struct {
	// Act is the MLP's activation, relu or solu.
	Act         string             `json:"act"`
	Model       transformer.Config `json:"model"`
	ModelSHA256 string             `json:"model_sha256"`
	// TokensSeen and ValBitsPerByte are the lm run's (its summary.json;
	// absent when the folder has none).
	TokensSeen     *int     `json:"tokens_seen,omitempty"`
	ValBitsPerByte *float64 `json:"val_bits_per_byte,omitempty"`
	// CleanBits and ZeroBits are measured here, on EvalWindows validation
	// windows: the model, and the model with its MLP zeroed.
	EvalWindows int     `json:"eval_windows"`
	CleanBits   float64 `json:"clean_bits_per_byte"`
	ZeroBits    float64 `json:"zero_ablated_bits_per_byte"`
	// Neurons are the MLP's neurons (hook_post) scored against the byte
	// labels; NeuronCoverage counts the labels some pure neuron
	// (specificity ≥ 0.9) is specific to.
	Neurons        interp.ScoreSummary `json:"neurons"`
	NeuronCoverage int                 `json:"neuron_coverage"`
	// SAEs are the SAEs on the MLP, with the same coverage of their
	// latents.
	SAEs        []MonoSAE `json:"saes"`
	SAECoverage []int     `json:"sae_coverage"`
	// Labels names the label classes.
	Labels []string `json:"labels"`
}

// lmRunSummary is what the strategies experiment reads of an lm run's
// summary.json.
type lmRunSummary struct {
	TokensSeen     *int     `json:"tokens_seen"`
	ValBitsPerByte *float64 `json:"val_bits_per_byte"`
}

// CheckLMFolder reports a folder that holds no experiments/lm model.
func CheckLMFolder(dir string) error {
	for _, f := range []string{transformer.WeightsFile, transformer.ConfigFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: no %s (train it first: go run ./experiments/lm -out %s)", dir, f, dir)
		}
	}
	return nil
}

// lmConfig reads the transformer configuration of an lm folder.
func lmConfig(dir string) (transformer.Config, error) {
	raw, err := safeio.ReadFile(filepath.Join(dir, transformer.ConfigFile), 1<<20)
	if err != nil {
		return transformer.Config{}, err
	}
	var tc transformer.TLConfig
	if err := json.Unmarshal(raw, &tc); err != nil {
		return transformer.Config{}, fmt.Errorf("%s: %w", dir, err)
	}
	return transformer.Config{DModel: tc.DModel, Heads: tc.NHeads, DMLP: tc.DMLP, Ctx: tc.NCtx, Vocab: tc.DVocab, Act: tc.ActFn}, nil
}

// StrategiesLMScale measures the ReLU and the SoLU transformer of cfg.LM,
// each with the monosemanticity experiment (neurons scored against the byte
// labels, SAEs trained on the MLP and spliced in), the SAEs of both drawn
// from the same seed. It refuses models of different sizes, or folders whose
// activation is not the one they stand for.
func StrategiesLMScale(ctx context.Context, run Run, cfg StrategiesConfig) ([]LMStrategy, error) {
	l := cfg.LM
	var shapes []transformer.Config
	for _, f := range []struct{ act, dir string }{{transformer.ReLU, l.ReLU}, {transformer.SoLU, l.SoLU}} {
		if err := CheckLMFolder(f.dir); err != nil {
			return nil, err
		}
		c, err := lmConfig(f.dir)
		if err != nil {
			return nil, err
		}
		if c.Act != f.act {
			return nil, fmt.Errorf("%s: a %s model where the %s one belongs", f.dir, c.Act, f.act)
		}
		c.Act = ""
		shapes = append(shapes, c)
	}
	if shapes[0] != shapes[1] {
		return nil, fmt.Errorf("%s and %s: models of different sizes (%+v and %+v); compare them at the same size", l.ReLU, l.SoLU, shapes[0], shapes[1])
	}
	var out []LMStrategy
	for _, f := range []struct{ act, dir string }{{transformer.ReLU, l.ReLU}, {transformer.SoLU, l.SoLU}} {
		mc := l.SAE
		mc.LM, mc.Root, mc.Seed = f.dir, l.Root, cfg.Seed
		mc.Out = filepath.Join(cfg.Out, "lm_"+f.act)
		res, browser, err := Monosemanticity(ctx, run, mc)
		if err != nil {
			return nil, fmt.Errorf("lm %s: %w", f.act, err)
		}
		s := LMStrategy{Act: f.act, Model: res.Model, ModelSHA256: res.ModelSHA256, EvalWindows: res.EvalWindows,
			CleanBits: res.CleanBits, ZeroBits: res.ZeroBits, Neurons: res.Neurons, SAEs: res.SAEs, Labels: res.Labels}
		for i, d := range browser.Dictionaries {
			if i == 0 {
				s.NeuronCoverage = coverage(d)
			} else {
				s.SAECoverage = append(s.SAECoverage, coverage(d))
			}
		}
		raw, err := safeio.ReadFile(filepath.Join(f.dir, "summary.json"), 64<<20)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			var rs lmRunSummary
			if err := json.Unmarshal(raw, &rs); err != nil {
				return nil, fmt.Errorf("%s/summary.json: %w", f.dir, err)
			}
			s.TokensSeen, s.ValBitsPerByte = rs.TokensSeen, rs.ValBitsPerByte
		}
		out = append(out, s)
	}
	return out, nil
}

// coverage counts the labels that some firing unit of d is pure for
// (specificity ≥ 0.9).
func coverage(d interp.BrowserDict) int {
	seen := map[int]bool{}
	for _, u := range d.Units {
		if u.Density > 0 && u.Specificity >= 0.9 {
			seen[u.TopLabel] = true
		}
	}
	return len(seen)
}

// share is a/b, 0 when b is 0.
func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// actName is how the report writes an MLP activation.
func actName(act string) string {
	if act == transformer.SoLU {
		return "SoLU"
	}
	return "ReLU"
}

// LMCostThreshold is the extra validation bits per byte the report still
// calls "little loss".
const LMCostThreshold = 0.05

// lmPair returns the ReLU and SoLU records of recs (nil when missing).
func lmPair(recs []LMStrategy) (relu, solu *LMStrategy) {
	for i := range recs {
		switch recs[i].Act {
		case transformer.ReLU:
			relu = &recs[i]
		case transformer.SoLU:
			solu = &recs[i]
		}
	}
	return relu, solu
}

// LMSoLUConclusion reads SoLU against ReLU: the cost in bits per byte and
// the gain in label-specific and pure neurons.
func LMSoLUConclusion(recs []LMStrategy) string {
	relu, solu := lmPair(recs)
	if relu == nil || solu == nil {
		return "The language-model scale needs a ReLU and a SoLU model."
	}
	r, s := relu.Neurons, solu.Neurons
	rs, ss := share(r.LabelSpecific, r.Alive), share(s.LabelSpecific, s.Alive)
	rp, sp := share(r.Pure, r.Alive), share(s.Pure, s.Alive)
	cost := solu.CleanBits - relu.CleanBits
	head := fmt.Sprintf("SoLU against ReLU at the same size (%d-wide MLP): %.4f against %.4f bits per byte on the same %d validation windows (%+.4f); "+
		"of the alive neurons %s against %s are label-specific (%d of %d against %d of %d), %s against %s pure (specificity ≥ 0.9), median specificity %.2f against %.2f, and pure neurons cover %d against %d labels. ",
		solu.Model.DMLP, solu.CleanBits, relu.CleanBits, solu.EvalWindows, cost,
		pct(ss), pct(rs), s.LabelSpecific, s.Alive, r.LabelSpecific, r.Alive, pct(sp), pct(rp), s.MedianSpecificity, r.MedianSpecificity, solu.NeuronCoverage, relu.NeuronCoverage)
	gain := ss > rs+ShareMargin || sp > rp+ShareMargin
	paper := " (the SoLU paper reports the share of interpretable-looking neurons rising from about a third to about 60% at little loss)"
	switch {
	case gain && cost <= LMCostThreshold:
		return head + "SoLU makes more neurons readable at little cost" + paper + "."
	case gain:
		return head + fmt.Sprintf("SoLU makes more neurons readable, but at a cost above %g bits per byte", LMCostThreshold) + paper + "."
	default:
		return head + "SoLU does not make the neurons more label-specific here" + paper + "."
	}
}

// LMHybridConclusion compares the SAE on the SoLU MLP (road 3) with the SAE
// on the ReLU MLP (road 2), and the SAE on the SoLU MLP with the SoLU
// neurons: what an SAE still finds there is what SoLU's neurons hide.
func LMHybridConclusion(recs []LMStrategy) string {
	relu, solu := lmPair(recs)
	if relu == nil || solu == nil || len(relu.SAEs) == 0 || len(solu.SAEs) == 0 {
		return "The hybrid at language-model scale needs an SAE on each of a ReLU and a SoLU model."
	}
	r, s := relu.SAEs[0], solu.SAEs[0]
	rs, ss := share(r.LabelSpecific, r.Alive), share(s.LabelSpecific, s.Alive)
	ns := share(solu.Neurons.LabelSpecific, solu.Neurons.Alive)
	head := fmt.Sprintf("A %s SAE of %d latents on each MLP: on SoLU, %s of its alive latents are label-specific, FVU %.3f, loss recovered %.3f (spliced %.4f bits per byte); on ReLU, %s, FVU %.3f, loss recovered %.3f (spliced %.4f). ",
		s.Variant, s.Latents, pct(ss), s.FVU, s.LossRecovered, s.SplicedBits, pct(rs), r.FVU, r.LossRecovered, r.SplicedBits)
	var road string
	switch {
	case ss > rs+ShareMargin:
		road = "Dictionary learning on the SoLU model finds more label-specific features than on the ReLU one: the mix helps. "
	case ss < rs-ShareMargin:
		road = "Dictionary learning on the SoLU model finds fewer label-specific features than on the ReLU one: the mix does not help. "
	default:
		road = "Dictionary learning finds about as many label-specific features on either model. "
	}
	if ss > ns+ShareMargin {
		return head + road + fmt.Sprintf("The SAE finds label-specific features in the SoLU MLP beyond what its neurons show (%s of latents against %s of neurons): superposition is still there, so SoLU hides features here rather than removing superposition, as the SoLU paper warns.", pct(ss), pct(ns))
	}
	return head + road + fmt.Sprintf("The SAE finds no more label-specific features in the SoLU MLP than its neurons show (%s of latents against %s of neurons): no sign here that SoLU hides features.", pct(ss), pct(ns))
}

// LMSections draws the language-model scale's trade-off figure into out and
// returns its section: the table, the two conclusions and the figure.
func LMSections(out string, recs []LMStrategy) ([]interp.Section, error) {
	relu, solu := lmPair(recs)
	sec := interp.Section{Heading: "The language-model scale: SoLU against ReLU, and SAEs on both"}
	sec.Paragraphs = append(sec.Paragraphs, "Every unit is scored as experiments/monosemanticity scores it, against go/scanner's label of every byte on the validation stream: "+
		"units, alive, label-specific (specificity ≥ 0.9 with a byte-only baseline < 0.9), pure (specificity ≥ 0.9), byte detectors, median specificity, labels covered by a pure unit; and the bits per byte with the unit's layer in place (an SAE: spliced).")
	var points []interp.Series
	for i, r := range []*LMStrategy{relu, solu} {
		if r == nil {
			continue
		}
		n := r.Neurons
		sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf("%s neurons: %d units, %d alive, %d label-specific, %d pure, %d byte detectors, median specificity %.2f, %s covered; %.4f bits per byte.",
			actName(r.Act), n.Units, n.Alive, n.LabelSpecific, n.Pure, n.ByteDetectors, n.MedianSpecificity, count(r.NeuronCoverage, "label"), r.CleanBits))
		ps := interp.Series{Name: actName(r.Act) + " neurons", Points: true, Color: interp.Color(i), Radius: 5,
			X: []float64{share(n.LabelSpecific, n.Alive)}, Y: []float64{r.CleanBits}}
		points = append(points, ps)
		for k, s := range r.SAEs {
			cov := 0
			if k < len(r.SAECoverage) {
				cov = r.SAECoverage[k]
			}
			sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf("%s SAE of %d latents on %s: %d alive, %d label-specific, %d pure, %d byte detectors, median specificity %.2f, %s covered; FVU %.3f, %.4f bits per byte spliced, loss recovered %.3f.",
				s.Variant, s.Latents, actName(r.Act), s.Alive, s.LabelSpecific, s.Pure, s.ByteDetectors, s.MedianSpecificity, count(cov, "label"), s.FVU, s.SplicedBits, s.LossRecovered))
			points = append(points, interp.Series{Name: fmt.Sprintf("SAE %d on %s", s.Latents, actName(r.Act)), Points: true, Color: interp.Color(i + 2 + 2*k), Radius: 5,
				X: []float64{share(s.LabelSpecific, s.Alive)}, Y: []float64{s.SplicedBits}})
		}
	}
	sec.Paragraphs = append(sec.Paragraphs, LMSoLUConclusion(recs), LMHybridConclusion(recs))
	var names []string
	var trends []interp.Trend
	for _, r := range []*LMStrategy{relu, solu} {
		if r == nil {
			continue
		}
		for _, s := range r.SAEs {
			names, trends = append(names, fmt.Sprintf("%s-%d on %s", s.Variant, s.Latents, actName(r.Act))), append(trends, s.LossTrend)
		}
	}
	sec.Warnings = nonEmpty(convergenceWarningFlag("SAEs", names, trends, "-lm-sae-steps"))
	path := filepath.Join(out, "strategies_lm_tradeoff.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "language-model scale: bits per byte against label-specific units",
		XLabel: "share of alive units that are label-specific", YLabel: "validation bits per byte (SAEs spliced in)", Width: 7, Height: 4.5}, points...); err != nil {
		return nil, err
	}
	sec.Figures = []interp.Figure{{Path: path, Caption: "Each point is one set of units: a model's MLP neurons, or an SAE's latents spliced into the MLP. Right is more label-specific, lower is cheaper."}}
	return []interp.Section{sec}, nil
}
