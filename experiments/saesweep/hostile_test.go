package main

import (
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestHostileFlags runs the hostile-input suite (issue 19) on saesweep: every flag
// with every class of bad value ends in a one-line error or a correct run.
func TestHostileFlags(t *testing.T) {
	clitest.Hostile(t, []string{"-features", "8", "-hidden", "3", "-probability", "0.1", "-toy-steps", "40", "-toy-restarts", "1", "-sae-steps", "10", "-batch", "32", "-eval-samples", "256", "-l1s", "0.1", "-ratios", "1", "-ks", "1", "-l0s", "0.1", "-superposition", "2", "-grid-probabilities", "0.1", "-variants", "topk", "-grid-variants", "topk"})
}
