package main

import (
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
