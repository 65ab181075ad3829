package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestBenchPrintsOneJSONLine(t *testing.T) {
	for _, args := range [][]string{
		{"-workload", "toy", "-instances", "3", "-steps", "5", "-batch", "64"},
		{"-workload", "sae", "-d-in", "8", "-latents", "16", "-steps", "5", "-batch", "64"},
		{"-workload", "topk", "-d-in", "8", "-latents", "32", "-k", "4", "-steps", "5", "-batch", "64"},
		{"-workload", "topk", "-d-in", "8", "-latents", "32", "-k", "4", "-steps", "5", "-batch", "64", "-dense"},
	} {
		var out bytes.Buffer
		if code := exitCode(args, &out, io.Discard); code != 0 {
			t.Fatalf("exitCode(%q) = %d; want 0", args, code)
		}
		var r Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%q: output %q is not one JSON object: %v", args, out.String(), err)
		}
		if r.Workload != args[1] || !(r.StepsPerS > 0) || !(r.Loss > 0) || !(r.GFLOPs > 0) {
			t.Errorf("%q: result %+v; want the workload, positive steps/s, loss and GFLOP/s", args, r)
		}
	}
}

// TestGraphsDoNotChangeTheLoss: stacking the toy instances into 1, 2 or 5
// graphs must train them to the same final loss, to the bit.
func TestGraphsDoNotChangeTheLoss(t *testing.T) {
	var want float64
	for i, g := range []string{"5", "2", "1"} {
		args := []string{"-workload", "toy", "-instances", "5", "-features", "9", "-hidden", "3", "-steps", "20", "-batch", "64", "-graphs", g}
		var out bytes.Buffer
		if code := exitCode(args, &out, io.Discard); code != 0 {
			t.Fatalf("exitCode(%q) = %d; want 0", args, code)
		}
		var r Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = r.Loss
		} else if r.Loss != want {
			t.Errorf("-graphs %s: loss %v; want %v as with one graph per instance", g, r.Loss, want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-workload", "mlp"},
		{"-instances", "0"},
		{"-steps", "0"},
		{"-lr", "NaN"},
		{"-l1", "-1"},
		{"-batch", "x"},
		{"-graphs", "-1"},
		{"-workload", "topk", "-latents", "16", "-k", "17"},
	} {
		var out, errs bytes.Buffer
		if code := exitCode(args, &out, &errs); code != 2 || out.Len() != 0 {
			t.Errorf("exitCode(%q) = %d with output %q; want 2 and nothing on stdout", args, code, out.String())
		}
		if bytes.Count(errs.Bytes(), []byte("\n")) != 1 {
			t.Errorf("exitCode(%q): stderr %q; want one line", args, errs.String())
		}
	}
}

// TestOneStepIsRefused: the first step is a warm-up, so -steps 1 would time
// nothing; it is refused rather than reported as a rate (issue 19, item 10).
func TestOneStepIsRefused(t *testing.T) {
	for _, steps := range []string{"0", "1", "1000000000000"} {
		var stderr bytes.Buffer
		if got := exitCode([]string{"-steps", steps}, io.Discard, &stderr); got != 2 || !strings.Contains(stderr.String(), "-steps") {
			t.Errorf("bench -steps %s: exit %d, %q; want 2 and an error naming -steps", steps, got, stderr.String())
		}
	}
}
