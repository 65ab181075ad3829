package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/paper"
)

func tiny(t *testing.T, source string) paper.DecomposeConfig {
	cfg := paper.DefaultDecomposeConfig()
	cfg.Out, cfg.Source = t.TempDir(), source
	cfg.Features, cfg.Hidden, cfg.Probability = 10, 4, 0.1
	cfg.ToySteps, cfg.SAESteps, cfg.Batch, cfg.EvalSamples = 200, 50, 64, 2048
	return cfg
}

func TestRunTiny(t *testing.T) {
	for _, source := range []string{paper.SourcePrivileged, paper.SourceSynthetic} {
		t.Run(source, func(t *testing.T) {
			cfg := tiny(t, source)
			if err := paper.DecomposeExperiment(context.Background(), paper.Run{}, cfg, paper.DecomposeExports{}); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Experiment string
				Config     map[string]any
				Toy        map[string]any
				SAEs       []map[string]any
			}
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			if s.Experiment != "decompose" || s.Config["source"] != source || len(s.SAEs) != len(cfg.Variants) {
				t.Fatalf("summary: experiment %q, source %v, %d SAEs; want decompose, %s, %d", s.Experiment, s.Config["source"], len(s.SAEs), source, len(cfg.Variants))
			}
			// Automatic settings are recorded as asked and as resolved:
			// 3/2 × 10 latents; k = n·p = 1 (synthetic: -active 4).
			wantK := 1.0
			if source == paper.SourceSynthetic {
				wantK = 4
			}
			for key, want := range map[string]float64{"latents": 0, "latents_resolved": 15, "k": 0, "k_resolved": wantK, "batchtopk_k": 0, "batchtopk_k_resolved": wantK} {
				if got, ok := s.Config[key].(float64); !ok || got != want {
					t.Errorf("config %s = %v; want %v", key, s.Config[key], want)
				}
			}
			keys := []string{"variant", "latents", "l0", "fvu", "dead_fraction", "mmcs_true_to_learned", "mmcs_learned_to_true",
				"matched_cosine", "recovered_fraction", "features_per_latent"}
			if source != paper.SourceSynthetic {
				keys = append(keys, "loss_recovered")
				if _, ok := s.Toy["features_per_neuron"]; !ok {
					t.Error("toy record lacks features_per_neuron")
				}
			}
			for _, key := range keys {
				if _, ok := s.SAEs[0][key]; !ok {
					t.Errorf("SAE record lacks %q", key)
				}
			}
			for _, f := range []string{"decompose_neurons_vs_latents.png", "decompose_density.png", "decompose_frontier.png", "report.html"} {
				if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestSameSeedSameSummary: the variants train concurrently, yet the summary
// is byte-identical whatever GOMAXPROCS is.
func TestSameSeedSameSummary(t *testing.T) {
	var outs [][]byte
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		cfg := tiny(t, paper.SourcePrivileged)
		err := paper.DecomposeExperiment(context.Background(), paper.Run{}, cfg, paper.DecomposeExports{})
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(cfg.Out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("summary.json differs between GOMAXPROCS 1 and 2")
	}
}

// TestSAEsFindTheFeatures checks the claim at reduced scale: the toy's
// neurons are polysemantic, and the best SAE recovers the features one latent
// each.
func TestSAEsFindTheFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("trains toy models and SAEs")
	}
	for _, tc := range []struct {
		source  string
		seed    uint64
		variant string
	}{{paper.SourcePrivileged, 1, "topk"}, {paper.SourceReLUOutput, 1, "relu-l1"}} {
		// The default run, with one variant and a smaller evaluation sample.
		cfg := paper.DefaultDecomposeConfig()
		cfg.Out, cfg.Source, cfg.Seed = t.TempDir(), tc.source, tc.seed
		cfg.EvalSamples = 1 << 15
		cfg.Variants = []string{tc.variant}
		s, err := paper.Decompose(context.Background(), paper.Run{}, cfg, paper.DecomposeExports{})
		if err != nil {
			t.Fatal(err)
		}
		if fpn := s.Toy.FeaturesPerNeuron; fpn < 2 {
			t.Errorf("%s seed %d: %.2f features per neuron; want ≥ 2", tc.source, tc.seed, fpn)
		}
		b := s.SAEs[paper.BestSAE(s.SAEs)]
		if b.RecoveredFraction < 0.9 || b.FeaturesPerLatent > 1.2 || b.DeadFraction > 0.1 || *b.LossRecovered < 0.85 {
			t.Errorf("%s seed %d, best SAE %s: recovered %.2f, %.2f features per latent, dead %.2f, loss recovered %.3f; want ≥ 0.9, ≤ 1.2, ≤ 0.1, ≥ 0.85",
				tc.source, tc.seed, b.Variant, b.RecoveredFraction, b.FeaturesPerLatent, b.DeadFraction, *b.LossRecovered)
		}
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-source", "mlp"},
		[]string{"-variants", "topk,relu"},
		[]string{"-probability", "0"},
		[]string{"-k", "-1"},
		[]string{"-k", "100"},
		[]string{"-l1", "-1"},
		[]string{"-sae-steps", "0"},
		[]string{"-latents", "-3"},
		[]string{"-source", "synthetic", "-active", "0"},
	)
}

func TestExports(t *testing.T) {
	out, ex := t.TempDir(), t.TempDir()
	args := []string{"-out", out, "-features", "10", "-hidden", "4", "-probability", "0.1", "-toy-steps", "100", "-sae-steps", "20",
		"-batch", "64", "-eval-samples", "512", "-variants", "topk,jumprelu",
		"-export-saelens", filepath.Join(ex, "saelens"), "-export-npy", filepath.Join(ex, "npy")}
	if code := exitCode(args); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, v := range []string{"topk", "jumprelu"} {
		if _, _, err := sae.ImportSAELens(filepath.Join(ex, "saelens", v)); err != nil {
			t.Errorf("import %s: %v", v, err)
		}
	}
	for _, f := range []string{"W.npy", "b.npy", "x.npy", "h.npy", "truth.npy"} {
		if _, err := os.Stat(filepath.Join(ex, "npy", f)); err != nil {
			t.Error(err)
		}
	}
}

// TestConfigReproduces reruns a run from its own summary.json with -config
// and gets a byte-identical summary.
func TestConfigReproduces(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	args := []string{"-features", "10", "-hidden", "4", "-probability", "0.1", "-toy-steps", "100", "-sae-steps", "20",
		"-batch", "64", "-eval-samples", "512", "-variants", "topk,relu-l1", "-seed", "5"}
	if code := exitCode(append(args, "-out", first)); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if code := exitCode([]string{"-config", filepath.Join(first, "summary.json"), "-out", second}); code != 0 {
		t.Fatalf("rerun from -config: exit code %d", code)
	}
	a, err := os.ReadFile(filepath.Join(first, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(second, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("summary.json of the -config rerun differs from the original")
	}
}

// TestSyntheticMMCS checks the synthetic-source claim at reduced scale
// (d = 32, 128 true features, 2 active per sample instead of 64, 256, 4):
// the best variant's MMCS (true → learned) is at least 0.95.
func TestSyntheticMMCS(t *testing.T) {
	if testing.Short() {
		t.Skip("trains SAEs")
	}
	cfg := paper.DefaultDecomposeConfig()
	cfg.Out, cfg.Source, cfg.Features, cfg.Hidden, cfg.Active = t.TempDir(), paper.SourceSynthetic, 128, 32, 2
	cfg.SAESteps, cfg.EvalSamples, cfg.Variants = 3000, 1<<14, []string{"relu-l1", "topk"}
	s, err := paper.Decompose(context.Background(), paper.Run{}, cfg, paper.DecomposeExports{})
	if err != nil {
		t.Fatal(err)
	}
	best := 0.0
	for _, r := range s.SAEs {
		best = max(best, r.MMCSTrueToLearned)
	}
	if best < 0.95 {
		t.Errorf("best MMCS (true → learned) %.3f; want ≥ 0.95", best)
	}
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "decompose", exitCode, "-features", "10", "-hidden", "4", "-probability", "0.1", "-toy-steps", "100", "-sae-steps", "20", "-batch", "64", "-eval-samples", "512")
}
