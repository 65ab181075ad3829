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
