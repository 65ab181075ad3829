package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestHostileFlags runs the hostile-input suite (issue 19) on monosemanticity:
// every flag with every class of bad value ends in a one-line error or a
// correct run.
func TestHostileFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the experiment hundreds of times")
	}
	root, lm := tinyLM(t)
	clitest.Hostile(t, []string{"-lm", lm, "-goroot-src", root, "-sizes", "32", "-k", "4", "-sae-steps", "20", "-sae-batch", "64",
		"-buffer", "512", "-eval-windows", "20", "-variants", "topk"})
}

// TestKilledRunResumes: kill -9 during the first SAE's training, then after
// it has finished, the same command again, and summary.json is the
// uninterrupted run's, byte for byte.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three times")
	}
	root, lm := tinyLM(t)
	args := []string{"-lm", lm, "-goroot-src", root, "-sizes", "32,64", "-k", "4", "-sae-steps", "300", "-sae-batch", "128",
		"-buffer", "1024", "-eval-windows", "40", "-seed", "3", "-checkpoint-every", "20"}
	clitest.KillAndResume(t, exitCode, args, "*.ckpt", 1)
	clitest.KillAndResume(t, exitCode, args, "*.done", 1)
}

// TestShards: the SAEs (two sizes and the random-model baseline) split
// into 2 and 3 shards, run as separate processes and merged, give the
// unsharded summary.json byte for byte, and the merge writes the browser and
// the SAELens exports.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the SAEs several times")
	}
	root, lm := tinyLM(t)
	args := []string{"-lm", lm, "-goroot-src", root, "-sizes", "32,64", "-k", "4", "-sae-steps", "40", "-sae-batch", "128",
		"-buffer", "1024", "-eval-windows", "40", "-seed", "3", "-random-baseline"}
	dir := clitest.ShardMerge(t, exitCode, args, 2, 3)
	for _, f := range []string{"browser/index.html", "saelens/topk-64/cfg.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the merge wrote no %s: %v", f, err)
		}
	}
}

// TestCacheChangesNothing: SAEs trained from an activation cache (harvested
// by the first, read by the rest and by a second run) give the streamed
// run's summary.json byte for byte; a float16 cache is recorded in the
// config and keeps the results close.
func TestCacheChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the SAEs several times")
	}
	root, lm := tinyLM(t)
	args := []string{"-lm", lm, "-goroot-src", root, "-sizes", "32,64", "-k", "4", "-sae-steps", "40", "-sae-batch", "128",
		"-buffer", "1024", "-eval-windows", "40", "-seed", "3", "-random-baseline"}
	run := func(extra ...string) []byte {
		out := t.TempDir()
		if code := exitCode(append(append(append([]string(nil), args...), extra...), "-out", out)); code != 0 {
			t.Fatalf("%v: exit code %d", extra, code)
		}
		b, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := run()
	cache := t.TempDir()
	for i := range 2 {
		if got := run("-cache", cache); !bytes.Equal(got, want) {
			t.Errorf("run %d with -cache: summary.json differs from the streamed run's", i+1)
		}
	}
	caches, _ := filepath.Glob(filepath.Join(cache, "*", "cache.json"))
	if len(caches) != 2 {
		t.Errorf("%d caches harvested; want 2 (the model's and the random baseline's)", len(caches))
	}
	half := run("-cache", t.TempDir(), "-cache-float16")
	if !bytes.Contains(half, []byte(`"cache_float16": true`)) {
		t.Error("a float16 cache is not recorded in the config")
	}
	var a, b struct {
		SAEs []struct {
			FVU float64 `json:"fvu"`
		} `json:"saes"`
	}
	if json.Unmarshal(want, &a) != nil || json.Unmarshal(half, &b) != nil || len(a.SAEs) != len(b.SAEs) {
		t.Fatal("summaries do not parse")
	}
	for i := range a.SAEs {
		if d := math.Abs(a.SAEs[i].FVU - b.SAEs[i].FVU); d > 0.02 {
			t.Errorf("SAE %d: FVU %v from the float16 cache; %v streamed (want within 0.02)", i, b.SAEs[i].FVU, a.SAEs[i].FVU)
		}
	}
}
