package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

// tinyLM trains a small transformer on a few standard-library packages and
// returns the corpus root and the lm folder.
func tinyLM(t *testing.T) (root, dir string) {
	t.Helper()
	root = clitest.SmallGoroot(t)
	dir = t.TempDir()
	cfg := paper.DefaultLMConfig()
	cfg.Out, cfg.Root, cfg.Steps, cfg.Batch, cfg.Warmup, cfg.EvalWindows, cfg.Samples = dir, root, 60, 8, 10, 8, 0
	cfg.Model = transformer.Config{DModel: 32, Heads: 2, DMLP: 64, Ctx: 16}
	if _, _, err := paper.TrainLM(context.Background(), paper.Run{}, "lm", cfg); err != nil {
		t.Fatal(err)
	}
	return root, dir
}

type record struct {
	Variant       string  `json:"variant"`
	Latents       int     `json:"latents"`
	K             int     `json:"k"`
	L0            float64 `json:"l0"`
	FVU           float64 `json:"fvu"`
	Spliced       float64 `json:"spliced_bits_per_byte"`
	KL            float64 `json:"kl_bits_per_byte"`
	LossRecovered float64 `json:"loss_recovered"`
	Dead          float64 `json:"dead_fraction"`
	Alive         int     `json:"alive"`
	Specific      int     `json:"label_specific"`
	Bytes         int     `json:"byte_detectors"`
	Median        float64 `json:"median_specificity"`
	Export        string  `json:"export"`
	FineSummary   struct {
		Units int `json:"units"`
		Alive int `json:"alive"`
	} `json:"fine"`
	Coverage []struct {
		Label string  `json:"label"`
		F1    float64 `json:"best_f1"`
	} `json:"coverage"`
}

func TestMonosemanticity(t *testing.T) {
	root, lm := tinyLM(t)
	out := t.TempDir()
	args := []string{"-lm", lm, "-goroot-src", root, "-sizes", "64,128", "-k", "8", "-sae-steps", "150", "-sae-batch", "256",
		"-buffer", "2048", "-eval-windows", "200", "-seed", "2", "-out", out}
	if code := exitCode(args); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	var sum struct {
		Clean   float64  `json:"clean_bits_per_byte"`
		Zero    float64  `json:"zero_ablated_bits_per_byte"`
		Windows int      `json:"eval_windows"`
		Neurons record   `json:"neurons"`
		Fine    []string `json:"fine_labels"`
		SAEs    []record `json:"saes"`
		Random  *struct {
			Clean   float64 `json:"clean_bits_per_byte"`
			Neurons record  `json:"neurons"`
			SAE     record  `json:"sae"`
		} `json:"random_model"`
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"browser/index.html", "browser/data/index.js", "browser/data/neurons/0.js", "browser/data/topk-128/5.js"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("feature browser: %v", err)
		}
	}
	if len(sum.SAEs) != 2 || sum.Neurons.Alive == 0 || !(sum.Zero > sum.Clean) {
		t.Fatalf("summary = %+v; want two SAEs, alive neurons, zero-ablation worse than clean", sum)
	}
	if sum.Random == nil || sum.Random.SAE.Latents != 128 || !(sum.Random.Clean > sum.Clean) {
		t.Errorf("random-model baseline %+v: want an SAE of the largest size (128) on a model worse than the trained one (%.4f)", sum.Random, sum.Clean)
	}
	if len(sum.Fine) < 20 {
		t.Errorf("%d refined labels; want the corpus's fine classes", len(sum.Fine))
	}
	for _, s := range sum.SAEs {
		if s.FineSummary.Units != s.Latents || s.FineSummary.Alive != s.Alive || len(s.Coverage) != 8 {
			t.Errorf("%s-%d: fine scores %+v, %d coverage rows; want every latent scored, as many alive as against the coarse labels, 8 rows", s.Variant, s.Latents, s.FineSummary, len(s.Coverage))
		}
		for _, c := range s.Coverage {
			if !(c.F1 >= 0 && c.F1 <= 1) {
				t.Errorf("%s-%d: coverage F1 of %s = %v; want in [0, 1]", s.Variant, s.Latents, c.Label, c.F1)
			}
		}
	}
	for _, s := range sum.SAEs {
		if s.Variant != "topk" || s.K != 8 || math.Abs(s.L0-8) > 1e-9 || !(s.FVU > 0 && s.FVU < 1) || !(s.LossRecovered > 0.5) {
			t.Errorf("SAE %+v: want topk, k 8, L0 8, FVU in (0, 1), loss recovered > 0.5", s)
		}
		// The spliced model predicts differently from the clean one, by
		// less than a fresh model would (about 8 bits).
		if !(s.KL > 0 && s.KL < 8) {
			t.Errorf("%s-%d: KL %.4f bits per byte; want in (0, 8)", s.Variant, s.Latents, s.KL)
		}
		// The exported SAE, with the activation scale folded back, reads the
		// model's own activations: splicing it in gives the figure measured.
		m, p, err := sae.ImportSAELens(filepath.Join(out, s.Export))
		if err != nil {
			t.Fatal(err)
		}
		got := splice(t, root, lm, m, p, sum.Windows)
		if math.Abs(got-s.Spliced) > 2e-3 {
			t.Errorf("%s-%d: the exported SAE spliced in gives %.4f bits per byte; the run measured %.4f", s.Variant, s.Latents, got, s.Spliced)
		}
	}
}

// splice returns the validation bits per byte of the model in lm with
// hook_post replaced by the SAE's reconstruction.
func splice(t *testing.T, root, lm string, m *sae.Model, p *graph.Params, windows int) float64 {
	t.Helper()
	tm, tp, err := transformer.ImportTransformerLens(lm, 1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Config().Inputs
	bits, err := transformer.BitsPerByte(context.Background(), tm, tp, c.Val, 32, windows, graph.HookPoints{
		transformer.HookMLPPost: func(x []float32, rows, _ int) error {
			out, err := graph.Forward(p, x, d, rows, func(b *graph.Builder, x *graph.Node) []*graph.Node {
				_, f := m.Encode(b, x, true)
				return []*graph.Node{m.Decode(b, f)}
			})
			if err != nil {
				return err
			}
			copy(x, out[0])
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return bits
}

func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-lm", "/nonexistent"},
		[]string{"-sizes", "16", "-k", "32"},
		[]string{"-variants", "bogus"},
		[]string{"-sae-steps", "0"},
		[]string{"-sizes", "x"},
		[]string{"-sizes", "1000000000"},
		[]string{"-sae-batch", "1000000000"},
		[]string{"-sizes", "16384", "-sae-batch", "1048576"}, // about 64 GiB of SAE activations
		[]string{"-buffer", "0"},
		[]string{"-sae-lr", "NaN"},
		[]string{"-k", "-1"},
	)
}
