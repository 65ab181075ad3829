package main

import (
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestHostileFlags runs the hostile-input suite (issue 19) on the tour, on
// the golden test's small configuration.
func TestHostileFlags(t *testing.T) {
	cfg, err := filepath.Abs(filepath.Join("..", "..", "testdata", "summaries", "tour.config.json"))
	if err != nil {
		t.Fatal(err)
	}
	clitest.Hostile(t, []string{"-config", cfg})
}
