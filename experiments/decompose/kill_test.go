package main

import (
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestKilledRunResumes kills a checkpointing run with SIGKILL once two SAEs
// have written checkpoints, runs the same command again, and compares
// summary.json with an uninterrupted run's: identical.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	args := []string{"-features", "20", "-hidden", "8", "-probability", "0.05", "-toy-steps", "1500", "-sae-steps", "3000",
		"-eval-samples", "8192", "-variants", "relu-l1,topk,batchtopk,jumprelu", "-seed", "3", "-checkpoint-every", "400"}
	clitest.KillAndResume(t, exitCode, args, "SAEs/sae-*.ckpt", 2)
}

// TestCheckpointOtherData checks that an SAE checkpoint is not resumed on
// other activations (issue 19, item 2): the same SAE settings on a synthetic
// source with other features, or another number active, are refused. The
// dictionary size and k are fixed, so only the data differs.
func TestCheckpointOtherData(t *testing.T) {
	ck := t.TempDir()
	base := []string{"-source", "synthetic", "-hidden", "8", "-sae-steps", "60", "-eval-samples", "512",
		"-variants", "topk", "-latents", "18", "-k", "2", "-seed", "2", "-checkpoint", ck, "-checkpoint-every", "20"}
	run := func(extra ...string) int {
		return exitCode(append(append(append([]string{}, base...), "-out", t.TempDir()), extra...))
	}
	if got := run("-features", "12", "-active", "2"); got != 0 {
		t.Fatalf("first run: exit %d; want 0", got)
	}
	for _, extra := range [][]string{{"-features", "24", "-active", "2"}, {"-features", "12", "-active", "3"}} {
		if got := run(extra...); got == 0 {
			t.Errorf("rerun with %q on the first run's checkpoints: exit 0; want a refusal", extra)
		}
	}
	if got := run("-features", "12", "-active", "2"); got != 0 {
		t.Errorf("the first run again: exit %d; want 0 (its checkpoints still resume)", got)
	}
}
