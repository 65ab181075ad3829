package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
	"github.com/toymodels/superposition/paper"
)

func TestRunTiny(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Out, cfg.Steps, cfg.Restarts = t.TempDir(), 10, 1
	cfg.Intro.Probabilities = []float64{1, 0.05}
	cfg.Geometry.Features, cfg.Geometry.Hidden, cfg.Geometry.Probabilities = 10, 3, []float64{1, 0.1}
	cfg.Phase.Grid = 2
	cfg.Correlated.Probabilities = []float64{0.05}
	cfg.Privileged.Probabilities = []float64{0.75, 0.02}
	cfg.AbsVal.Features, cfg.AbsVal.Hidden, cfg.AbsVal.Probabilities = 6, 4, []float64{1, 0.1}
	cfg.Decompose.Features, cfg.Decompose.Hidden, cfg.Decompose.Probability, cfg.Decompose.Batch = 10, 4, 0.1, 64
	for _, e := range []*int{&cfg.Intro.EvalSamples, &cfg.Geometry.EvalSamples, &cfg.Phase.EvalSamples, &cfg.Correlated.EvalSamples,
		&cfg.Privileged.EvalSamples, &cfg.AbsVal.EvalSamples, &cfg.Decompose.EvalSamples} {
		*e = 1024
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), paper.Run{}, cfg); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(cfg.Out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "data:image/png;base64,"); n < 15 {
		t.Errorf("report.html embeds %d figures; want at least 15", n)
	}
	for _, f := range []string{"summary.json", "lm/model.safetensors", "monosemanticity/browser/index.html", "monosemanticity/saelens/topk-1024/cfg.json"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(string(html), "8. Towards Monosemanticity") {
		t.Error("report.html has no monosemanticity stage")
	}
}

func TestValidateNamesFlag(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps = -1
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "-steps") {
		t.Errorf("Validate(-steps -1) = %v; want an error naming -steps", err)
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-steps", "-1"},
		[]string{"-restarts", "-2"},
	)
}

// TestGolden pins the summary.json of a short tour, configured by
// testdata/summaries/tour.config.json (the tour has no flags for sizes).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "tour", exitCode, "-config", filepath.Join("..", "..", "testdata", "summaries", "tour.config.json"))
}
