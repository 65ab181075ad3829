package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/transformer"
	"github.com/toymodels/superposition/paper"
)

// tinyArgs make a run of every strategy in a few seconds.
var tinyArgs = []string{"-steps", "60", "-restarts", "1", "-probabilities", "0.35,0.05", "-eval-samples", "2048",
	"-wide", "10", "-l1s", "0.01,0.1", "-bias-hidden", "10", "-solu-hidden", "5", "-sae-steps", "40", "-sae-batch", "256"}

// TestRunTiny: a tiny run writes summary.json with the records the issue
// names under "toy", every figure and the report.
func TestRunTiny(t *testing.T) {
	out := t.TempDir()
	if code := exitCode(append(append([]string(nil), tinyArgs...), "-out", out)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Experiment string
		Config     map[string]any
		Toy        []map[string]any
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Experiment != "strategies" || s.Config["seed"] == nil {
		t.Errorf("experiment %q, config seed %v; want strategies and a seed", s.Experiment, s.Config["seed"])
	}
	seen := map[string]bool{}
	for _, r := range s.Toy {
		seen[r["strategy"].(string)] = true
		for _, key := range []string{"strategy", "features", "hidden", "feature_probability", "monosemantic", "polysemantic", "dead", "represented", "loss", "loss_plain"} {
			if _, ok := r[key]; !ok {
				t.Errorf("%v record lacks %q", r["strategy"], key)
			}
		}
		if _, ok := r["recovered_fraction"]; ok != (r["strategy"] == "hybrid") {
			t.Errorf("%v record: recovered_fraction present %v; want it on hybrid records only", r["strategy"], ok)
		}
	}
	for _, name := range []string{"plain", "wide", "l1", "bias", "solu", "hybrid"} {
		if !seen[name] {
			t.Errorf("no %s record", name)
		}
	}
	for _, f := range []string{"strategies_tradeoff.png", "strategies_tradeoff_all.png", "strategies_l1_curve.png", "report.html", "timing.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSameAtAnyGOMAXPROCS: the same seed gives a byte-identical
// summary.json with one core and with two.
func TestSameAtAnyGOMAXPROCS(t *testing.T) {
	run := func(procs int) []byte {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out := t.TempDir()
		if code := exitCode(append(append([]string(nil), tinyArgs...), "-out", out)); code != 0 {
			t.Fatalf("GOMAXPROCS=%d: exit %d", procs, code)
		}
		data, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if one, two := run(1), run(2); !bytes.Equal(one, two) {
		t.Error("summary.json differs between GOMAXPROCS=1 and 2")
	}
}

// TestLMScaleNeedsModels: -scale lm and both without trained models end,
// before any work, with one line naming the folder's flag.
func TestLMScaleNeedsModels(t *testing.T) {
	for _, scale := range []string{"lm", "both"} {
		empty := t.TempDir()
		cmd := clitest.Command("-scale", scale, "-lm-relu", empty, "-out", filepath.Join(t.TempDir(), "out"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		exit, _ := err.(*exec.ExitError)
		msg := strings.TrimSpace(stderr.String())
		if exit == nil || exit.ExitCode() != 2 || strings.Contains(msg, "\n") || !strings.Contains(msg, "-lm-relu "+empty+": no model.safetensors") {
			t.Errorf("-scale %s: %v, stderr %q; want exit 2 and one line naming -lm-relu", scale, err, msg)
		}
	}
}

// tinyLM trains a small transformer with MLP activation act on a few
// standard-library packages of root and returns its folder.
func tinyLM(t *testing.T, root, act string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := paper.DefaultLMConfig()
	cfg.Out, cfg.Root, cfg.Steps, cfg.Batch, cfg.Warmup, cfg.EvalWindows, cfg.Samples = dir, root, 60, 8, 10, 8, 0
	cfg.Model = transformer.Config{DModel: 32, Heads: 2, DMLP: 64, Ctx: 16, Act: act}
	res, _, err := paper.TrainLM(context.Background(), paper.Run{}, "lm", cfg)
	if err != nil {
		t.Fatal(err)
	}
	// experiments/lm writes this summary beside the model.
	if err := interp.WriteJSON(filepath.Join(dir, "summary.json"), res); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLMScaleTiny: two tiny transformers (ReLU and SoLU, the same size and
// tokens) measured at the language-model scale: both records with scored
// neurons and an SAE each, the table and both conclusions in the report;
// folders swapped are refused.
func TestLMScaleTiny(t *testing.T) {
	root := clitest.SmallGoroot(t)
	relu, solu := tinyLM(t, root, "relu"), tinyLM(t, root, "solu")
	lmArgs := []string{"-scale", "lm", "-lm-relu", relu, "-lm-solu", solu, "-goroot-src", root, "-lm-sizes", "64", "-lm-k", "8",
		"-lm-sae-steps", "100", "-lm-sae-batch", "256", "-lm-buffer", "2048", "-lm-eval-windows", "200"}
	out := t.TempDir()
	if code := exitCode(append(append([]string(nil), lmArgs...), "-out", out)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Toy []json.RawMessage
		LM  []struct {
			Act        string  `json:"act"`
			TokensSeen int     `json:"tokens_seen"`
			Clean      float64 `json:"clean_bits_per_byte"`
			Neurons    struct {
				Alive int `json:"alive"`
			} `json:"neurons"`
			SAEs []struct {
				Latents int     `json:"latents"`
				Spliced float64 `json:"spliced_bits_per_byte"`
			} `json:"saes"`
		}
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Toy) != 0 || len(s.LM) != 2 || s.LM[0].Act != "relu" || s.LM[1].Act != "solu" {
		t.Fatalf("%d toy records, lm records %+v; want none and relu, solu", len(s.Toy), s.LM)
	}
	for _, r := range s.LM {
		if r.Neurons.Alive == 0 || len(r.SAEs) != 1 || r.SAEs[0].Latents != 64 || !(r.Clean > 0) || r.TokensSeen != 60*8*16 {
			t.Errorf("%s: %+v; want alive neurons, one SAE of 64 latents, a clean figure and the lm run's 7680 tokens", r.Act, r)
		}
	}
	report, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SoLU against ReLU at the same size", "SAE of 64 latents on each MLP", "strategies_lm_tradeoff.png"} {
		if want == "strategies_lm_tradeoff.png" {
			if _, err := os.Stat(filepath.Join(out, want)); err != nil {
				t.Error(err)
			}
			continue
		}
		if !strings.Contains(string(report), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	swapped := append(append([]string(nil), lmArgs...), "-lm-relu", solu, "-lm-solu", relu, "-out", t.TempDir())
	if code := exitCode(swapped); code != 1 {
		t.Errorf("swapped folders: exit %d; want 1 (a SoLU model where the ReLU one belongs)", code)
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-strategies", "dropout"},
		[]string{"-l1s", "0"},
		[]string{"-bias-modes", "sometimes"},
		[]string{"-bias-init", "0.5", "-bias-modes", "negative"},
		[]string{"-solu", "gelu"},
		[]string{"-wide", ""},
		[]string{"-l1-hidden", "0"},
		[]string{"-l1-hidden", ""},
		[]string{"-sae-variant", "pca"},
		[]string{"-sae-k", "16"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "strategies", exitCode, tinyArgs...)
}
