package main

import (
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestHostileFlags runs the hostile-input suite (issue 19) on absval: every flag
// with every class of bad value ends in a one-line error or a correct run.
func TestHostileFlags(t *testing.T) {
	clitest.Hostile(t, []string{"-steps", "20", "-eval-samples", "512", "-features", "6", "-hidden", "3", "-probabilities", "0.1", "-restarts", "1"})
}

// TestKilledRunResumes: kill -9 once a checkpoint is written, the same
// command again, and summary.json is the uninterrupted run's (both the small
// n = 3 model and the large ones checkpoint).
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	args := []string{"-steps", "4000", "-eval-samples", "2048", "-features", "6", "-hidden", "3", "-probabilities", "0.1", "-restarts", "1",
		"-checkpoint-every", "500", "-seed", "5"}
	clitest.KillAndResume(t, exitCode, args, "*/*.ckpt", 2)
}
