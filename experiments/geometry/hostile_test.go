package main

import (
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestHostileFlags runs the hostile-input suite (issue 19) on geometry: every flag
// with every class of bad value ends in a one-line error or a correct run.
func TestHostileFlags(t *testing.T) {
	clitest.Hostile(t, []string{"-steps", "20", "-eval-samples", "512", "-features", "8", "-hidden", "3", "-probabilities", "0.1", "-restarts", "1"})
}
