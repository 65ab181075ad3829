package main

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSlopeAndFigures(t *testing.T) {
	in := "sae-latents 512 {\"steps_per_s\": 8}\nsae-latents 2048 {\"steps_per_s\": 1}\nlm-ctx 64 {\"steps_per_s\": 4}\nlm-ctx 256 {\"steps_per_s\": 1}\n"
	dir := t.TempDir()
	var out bytes.Buffer
	if code := run([]string{"-out", dir}, strings.NewReader(in), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// Time ×8 over ×4 in size: slope log 8 / log 4 = 1.5; ×4 over ×4: 1.
	for _, want := range []string{"| sae-latents | 512 | 0.125 | 1.50 |", "| lm-ctx | 64 | 0.25 | 1.00 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"sae-latents.png", "lm-ctx.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}
	if s := logSlope([]point{{1, 2}, {10, 200}}); math.Abs(s-2) > 1e-12 {
		t.Errorf("logSlope = %v; want 2", s)
	}
}

func TestBadInput(t *testing.T) {
	for _, in := range []string{"", "sae-latents 512\n", "mystery 1 {\"steps_per_s\": 1}\n", "sae-k x {\"steps_per_s\": 1}\n", "sae-k 8 {\"steps_per_s\": 0}\n"} {
		var errs bytes.Buffer
		if code := run([]string{"-out", t.TempDir()}, strings.NewReader(in), io.Discard, &errs); code == 0 || strings.Count(strings.TrimSpace(errs.String()), "\n") > 0 {
			t.Errorf("input %q: exit %d, %q; want a failure and one line", in, code, errs.String())
		}
	}
}
