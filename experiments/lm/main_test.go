package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// small is a model and run small enough for a test.
func small(root string) []string {
	return []string{"-goroot-src", root, "-d-model", "16", "-heads", "2", "-d-mlp", "32", "-ctx", "16", "-batch", "4",
		"-steps", "40", "-warmup", "5", "-eval-every", "10", "-eval-windows", "16", "-samples", "2", "-sample-bytes", "16", "-seed", "3"}
}

func TestLMWritesItsOutputs(t *testing.T) {
	root := clitest.SmallGoroot(t)
	out := t.TempDir()
	if code := exitCode(append(small(root), "-out", out)); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, f := range []string{"summary.json", "report.html", "lm_curve.png", "model.safetensors", "config.json", "timing.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	var sum struct {
		ValBits float64 `json:"val_bits_per_byte"`
		Tokens  int     `json:"tokens_seen"`
		Curve   []struct {
			Step      int     `json:"step"`
			TrainBits float64 `json:"train_bits_per_byte"`
			ValBits   float64 `json:"val_bits_per_byte_quick"`
		} `json:"curve"`
		Corpus struct {
			Files int    `json:"files"`
			SHA   string `json:"sha256_train"`
		} `json:"corpus"`
		Config struct {
			Model struct {
				Act string `json:"act_fn"`
			} `json:"model"`
			EvalEvery int `json:"eval_every"`
		} `json:"config"`
	}
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.Tokens != 40*4*16 {
		t.Errorf("tokens_seen = %d; want %d", sum.Tokens, 40*4*16)
	}
	// Points every 10 steps from the first, at the last, and at powers of
	// two; the training loss is recorded at the first two kinds.
	var steps []int
	for _, pt := range sum.Curve {
		steps = append(steps, pt.Step)
		if !(pt.ValBits > 0) {
			t.Errorf("curve point %+v: want positive validation bits", pt)
		}
		if recorded := (pt.Step-1)%10 == 0 || pt.Step == 40; recorded != (pt.TrainBits > 0) {
			t.Errorf("curve point %+v: training loss recorded %v; want %v", pt, pt.TrainBits > 0, recorded)
		}
	}
	if want := []int{1, 2, 4, 8, 11, 16, 21, 31, 32, 40}; !slices.Equal(steps, want) {
		t.Errorf("curve at steps %v; want %v", steps, want)
	}
	// 40 steps of a tiny model learn the byte frequencies at least.
	if first, last := sum.Curve[0].ValBits, sum.ValBits; !(last < first-0.5) {
		t.Errorf("validation bits went from %.3f to %.3f; want a drop of more than 0.5", first, last)
	}
	if sum.Corpus.Files == 0 || len(sum.Corpus.SHA) != 64 || sum.Config.Model.Act != "relu" || sum.Config.EvalEvery != 10 {
		t.Errorf("summary misses the corpus or the resolved config: %+v", sum)
	}
	var timing map[string]float64
	readJSON(t, filepath.Join(out, "timing.json"), &timing)
	if !(timing["tokens_per_s"] > 0) {
		t.Errorf("timing.json = %v; want tokens_per_s", timing)
	}
	var tl map[string]any
	readJSON(t, filepath.Join(out, "config.json"), &tl)
	if tl["d_model"] != 16.0 || tl["n_heads"] != 2.0 || tl["d_head"] != 8.0 || tl["act_fn"] != "relu" || tl["n_ctx"] != 16.0 {
		t.Errorf("config.json = %v; want HookedTransformerConfig fields of the model", tl)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestKilledRunResumes: kill -9 after a checkpoint, the same command again,
// and summary.json is the uninterrupted run's; a checkpoint of another
// configuration is refused.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	root := clitest.SmallGoroot(t)
	args := append(small(root), "-steps", "300", "-checkpoint-every", "20")
	r := clitest.KillAndResume(t, exitCode, args, "*.ckpt", 1)
	other := append(append([]string(nil), r.Args...), "-lr", "0.005")
	if code := exitCode(other); code != 2 {
		t.Errorf("resume with another -lr: exit code %d; want 2 (refused before any work)", code)
	}
}

func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-act", "gelu"},
		[]string{"-d-model", "10", "-heads", "3"},
		[]string{"-steps", "0"},
		[]string{"-lr", "-1"},
		[]string{"-clip", "NaN"},
		[]string{"-temperature", "0"},
		[]string{"-goroot-src", "/nonexistent/src"},
		[]string{"-checkpoint", "x", "-checkpoint-every", "0"},
		[]string{"-batch", "1000000000"},
		[]string{"-d-mlp", "1000000000"},
		[]string{"-steps", "1e12"},
		[]string{"-lr", "Inf"},
		[]string{"-sample-bytes", "1000000000"},
		[]string{"-eval-windows", "0"},
	)
}
