package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary run as the decompose command itself (for
// the kill test) when DECOMPOSE_AS_MAIN is set; arguments come in
// DECOMPOSE_ARGS.
func TestMain(m *testing.M) {
	if os.Getenv("DECOMPOSE_AS_MAIN") == "1" {
		os.Exit(exitCode(strings.Fields(os.Getenv("DECOMPOSE_ARGS"))))
	}
	os.Exit(m.Run())
}

// TestKilledRunResumes kills a checkpointing run with SIGKILL once its SAEs
// have written their first checkpoints, runs the same command again, and
// compares summary.json with an uninterrupted run's: identical.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	args := []string{"-features", "20", "-hidden", "8", "-probability", "0.05", "-toy-steps", "1500", "-sae-steps", "3000",
		"-eval-samples", "8192", "-variants", "relu-l1,topk,batchtopk,jumprelu", "-seed", "3"}
	clean, killed, ckpt := t.TempDir(), t.TempDir(), t.TempDir()
	if code := exitCode(append(args, "-out", clean)); code != 0 {
		t.Fatalf("uninterrupted run: exit code %d", code)
	}
	withCkpt := append(args, "-out", killed, "-checkpoint", ckpt, "-checkpoint-every", "400")
	env := append(os.Environ(), "DECOMPOSE_AS_MAIN=1", "DECOMPOSE_ARGS="+strings.Join(withCkpt, " "))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		files, _ := filepath.Glob(filepath.Join(ckpt, "SAEs", "sae-*.ckpt"))
		if len(files) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no SAE checkpoints within 3 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, "summary.json")); err == nil {
		t.Fatal("the run finished before it was killed; the test proves nothing")
	}
	resume := exec.Command(os.Args[0], "-test.run=^$")
	resume.Env = env
	stderr, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resumed run: %v: %s", err, stderr)
	}
	if !bytes.Contains(stderr, []byte("resumed")) {
		t.Errorf("the second run did not resume from the checkpoints; stderr: %s", stderr)
	}
	a, err := os.ReadFile(filepath.Join(clean, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(killed, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("summary.json after kill -9 and resume differs from the uninterrupted run's")
	}
}
