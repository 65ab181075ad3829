package main

import (
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

// TestHostileFlags runs the hostile-input suite (issue 19) on decompose: every flag
// with every class of bad value ends in a one-line error or a correct run.
func TestHostileFlags(t *testing.T) {
	clitest.Hostile(t, []string{"-features", "10", "-hidden", "4", "-probability", "0.1", "-toy-steps", "40", "-toy-restarts", "1", "-sae-steps", "20", "-batch", "64", "-eval-samples", "512", "-variants", "topk,relu-l1"})
}
