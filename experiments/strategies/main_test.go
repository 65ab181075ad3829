package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

// tinyArgs make a run of every strategy in a few seconds.
var tinyArgs = []string{"-steps", "60", "-restarts", "1", "-probabilities", "0.35,0.05", "-eval-samples", "2048",
	"-wide", "10", "-l1s", "0.01,0.1", "-bias-hidden", "10", "-solu-hidden", "5", "-sae-steps", "40", "-sae-batch", "256"}

// TestRunTiny: a tiny run writes summary.json with the records the issue
// names under "toy", every figure and the report.
func TestRunTiny(t *testing.T) {
	out := t.TempDir()
	if code := exitCode(append(append([]string(nil), tinyArgs...), "-out", out)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Experiment string
		Config     map[string]any
		Toy        []map[string]any
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Experiment != "strategies" || s.Config["seed"] == nil {
		t.Errorf("experiment %q, config seed %v; want strategies and a seed", s.Experiment, s.Config["seed"])
	}
	seen := map[string]bool{}
	for _, r := range s.Toy {
		seen[r["strategy"].(string)] = true
		for _, key := range []string{"strategy", "features", "hidden", "feature_probability", "monosemantic", "polysemantic", "dead", "represented", "loss", "loss_plain"} {
			if _, ok := r[key]; !ok {
				t.Errorf("%v record lacks %q", r["strategy"], key)
			}
		}
		if _, ok := r["recovered_fraction"]; ok != (r["strategy"] == "hybrid") {
			t.Errorf("%v record: recovered_fraction present %v; want it on hybrid records only", r["strategy"], ok)
		}
	}
	for _, name := range []string{"plain", "wide", "l1", "bias", "solu", "hybrid"} {
		if !seen[name] {
			t.Errorf("no %s record", name)
		}
	}
	for _, f := range []string{"strategies_tradeoff.png", "strategies_tradeoff_all.png", "strategies_l1_curve.png", "report.html", "timing.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSameAtAnyGOMAXPROCS: the same seed gives a byte-identical
// summary.json with one core and with two.
func TestSameAtAnyGOMAXPROCS(t *testing.T) {
	run := func(procs int) []byte {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out := t.TempDir()
		if code := exitCode(append(append([]string(nil), tinyArgs...), "-out", out)); code != 0 {
			t.Fatalf("GOMAXPROCS=%d: exit %d", procs, code)
		}
		data, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if one, two := run(1), run(2); !bytes.Equal(one, two) {
		t.Error("summary.json differs between GOMAXPROCS=1 and 2")
	}
}

// TestLMScaleNotBuilt: -scale lm and both end, before any work, with one
// line naming the flag and saying the scale is not built.
func TestLMScaleNotBuilt(t *testing.T) {
	for _, scale := range []string{"lm", "both"} {
		cmd := clitest.Command("-scale", scale, "-out", filepath.Join(t.TempDir(), "out"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		exit, _ := err.(*exec.ExitError)
		msg := strings.TrimSpace(stderr.String())
		if exit == nil || exit.ExitCode() != 2 || strings.Contains(msg, "\n") || !strings.Contains(msg, "-scale "+scale) || !strings.Contains(msg, "not built yet") {
			t.Errorf("-scale %s: %v, stderr %q; want exit 2 and one line naming -scale and saying it is not built yet", scale, err, msg)
		}
	}
}

// TestBadFlags: bad flags exit with status 2 before anything is trained.
func TestBadFlags(t *testing.T) {
	clitest.BadFlags(t, exitCode,
		[]string{"-strategies", "dropout"},
		[]string{"-l1s", "0"},
		[]string{"-bias-modes", "sometimes"},
		[]string{"-bias-init", "0.5", "-bias-modes", "negative"},
		[]string{"-solu", "gelu"},
		[]string{"-wide", ""},
		[]string{"-sae-variant", "pca"},
		[]string{"-sae-k", "16"},
	)
}

// TestGolden pins the summary.json of a short run: refactorings must not move
// results (go test -update records a deliberate change).
func TestGolden(t *testing.T) {
	clitest.Golden(t, "strategies", exitCode, tinyArgs...)
}
