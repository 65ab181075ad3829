package main

import (
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
