package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/toymodels/superposition/experiments/internal/cli"
)

func TestRunTiny(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Out, cfg.Steps, cfg.Restarts = t.TempDir(), 20, 1
	cfg.Intro.Probabilities = []float64{1, 0.05}
	cfg.Intro.EvalSamples = 1024
	log := logrus.New()
	log.SetLevel(logrus.WarnLevel)
	if err := run(context.Background(), cli.Env{Log: log, Stderr: os.Stderr}, cfg); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(cfg.Out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "data:image/png;base64,"); n < 3 {
		t.Errorf("report.html embeds %d figures; want at least 3", n)
	}
}
