package main

import (
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

// TestHostileFlags runs the hostile-input suite (issue 19) on lm: every flag
// with every class of bad value ends in a one-line error or a correct run.
func TestHostileFlags(t *testing.T) {
	clitest.Hostile(t, small(clitest.SmallGoroot(t)))
}
