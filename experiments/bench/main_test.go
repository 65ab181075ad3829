package main

import (
	"bytes"
	"encoding/json"
	"github.com/toymodels/superposition/graph"
	"io"
	"math"
	"strings"
	"testing"
)

func TestBenchPrintsOneJSONLine(t *testing.T) {
	for _, args := range [][]string{
		{"-workload", "toy", "-instances", "3", "-steps", "5", "-batch", "64"},
		{"-workload", "sae", "-d-in", "8", "-latents", "16", "-steps", "5", "-batch", "64"},
		{"-workload", "topk", "-d-in", "8", "-latents", "32", "-k", "4", "-steps", "5", "-batch", "64"},
		{"-workload", "topk", "-d-in", "8", "-latents", "32", "-k", "4", "-steps", "5", "-batch", "64", "-dense"},
		{"-workload", "topk-sae", "-d-in", "8", "-latents", "32", "-k", "4", "-steps", "5", "-batch", "64"},
		{"-workload", "sgemm", "-m", "64", "-k", "32", "-n", "48", "-steps", "3"},
		{"-workload", "harvest", "-batch", "2", "-ctx", "16", "-steps", "3"},
	} {
		var out bytes.Buffer
		if code := exitCode(args, &out, io.Discard); code != 0 {
			t.Fatalf("exitCode(%q) = %d; want 0", args, code)
		}
		var r Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%q: output %q is not one JSON object: %v", args, out.String(), err)
		}
		trains := args[1] != "sgemm" && args[1] != "harvest" // a product and a forward pass have no loss
		if r.Workload != args[1] || !(r.StepsPerS > 0) || trains && !(r.Loss > 0) || !(r.GFLOPs > 0) {
			t.Errorf("%q: result %+v; want the workload, positive steps/s, loss (when it trains) and GFLOP/s", args, r)
		}
		if args[1] == "harvest" && r.TokensPerS != math.Round(r.StepsPerS*2*16) && math.Abs(r.TokensPerS-r.StepsPerS*2*16) > 0.01*r.TokensPerS {
			t.Errorf("%q: %v tokens/s at %v steps/s of 2 × 16 rows; want their product", args, r.TokensPerS, r.StepsPerS)
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
		{"-workload", "sgemm", "-m", "0", "-k", "4", "-n", "4"},
		{"-workload", "sgemm", "-m", "65536", "-k", "65536", "-n", "65536"},
		{"-workload", "harvest", "-batch", "100000"},
		{"-workload", "lm", "-batch", "1000000000000"},
		{"-workload", "harvest", "-ctx", "4096", "-batch", "257"},
		{"-workload", "harvest", "-ctx", "-1"},
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

// TestSgemmIsOurMatMul: the sgemm workload times graph.MatMul32, which
// computes the product of its inputs.
func TestSgemmIsOurMatMul(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6}          // [2, 3]
	b := []float32{1, 0, 0, 1, 1, 1, 2, 0, 1} // [3, 3]
	c := make([]float32, 6)
	graph.MatMul32(c, a, b, 2, 3, 3)
	want := []float32{9, 2, 5, 21, 5, 11}
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("MatMul32 = %v; want %v", c, want)
		}
	}
	var out bytes.Buffer
	if code := exitCode([]string{"-workload", "sgemm", "-m", "128", "-k", "64", "-n", "96", "-steps", "4"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !(r.GFLOPS > 0) || r.GFLOPS != r.GFLOPs {
		t.Errorf("sgemm gflops = %v, gflop_per_s = %v; want one positive rate in both", r.GFLOPS, r.GFLOPs)
	}
}

// TestClockIsPlausible: the measured clock of every core is a number a CPU
// runs at (100 MHz to 10 GHz), and the slowest core is not above the mean.
func TestClockIsPlausible(t *testing.T) {
	if !haveClock {
		t.Skip("the clock workload needs amd64")
	}
	var out bytes.Buffer
	if code := exitCode([]string{"-workload", "clock", "-steps", "40"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !(r.MHz >= 100 && r.MHz <= 10000) || !(r.MHzMin > 0 && r.MHzMin <= r.MHz*(1+1e-12)) {
		t.Errorf("clock: mean %v MHz, slowest core %v; want a mean in [100, 10000] and the slowest at most the mean", r.MHz, r.MHzMin)
	}
}
