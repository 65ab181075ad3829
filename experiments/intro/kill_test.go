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

// TestMain lets the test binary run as the intro command itself (for the
// kill test) when INTRO_AS_MAIN is set; the arguments come in INTRO_ARGS.
func TestMain(m *testing.M) {
	if os.Getenv("INTRO_AS_MAIN") == "1" {
		os.Exit(exitCode(strings.Fields(os.Getenv("INTRO_ARGS"))))
	}
	os.Exit(m.Run())
}

// TestKilledRunResumes kills a checkpointing run with SIGKILL right after
// its first checkpoint, runs the same command again, and compares the final
// summary.json with an uninterrupted run's: identical.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	args := []string{"-probabilities", "1,0.1", "-steps", "3000", "-restarts", "2", "-eval-samples", "8192", "-model", "relu", "-seed", "4"}
	clean, killed, ckpt := t.TempDir(), t.TempDir(), t.TempDir()
	if code := exitCode(append(args, "-out", clean)); code != 0 {
		t.Fatalf("uninterrupted run: exit code %d", code)
	}
	withCkpt := append(args, "-out", killed, "-checkpoint", ckpt, "-checkpoint-every", "500")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "INTRO_AS_MAIN=1", "INTRO_ARGS="+strings.Join(withCkpt, " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		files, _ := filepath.Glob(filepath.Join(ckpt, "*", "*.ckpt"))
		if len(files) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint written within 2 minutes")
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
	resume.Env = cmd.Env
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
	// The same checkpoints with another learning rate, or corrupted: a
	// failed run that leaves the earlier outputs alone.
	other := append(append([]string(nil), withCkpt...), "-lr", "0.01")
	if code := exitCode(other); code != 1 {
		t.Errorf("resume with another -lr: exit code %d; want 1", code)
	}
	files, _ := filepath.Glob(filepath.Join(ckpt, "*", "*.ckpt"))
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(files[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(withCkpt); code != 1 {
		t.Errorf("resume from a corrupted checkpoint: exit code %d; want 1", code)
	}
	if after, _ := os.ReadFile(filepath.Join(killed, "summary.json")); !bytes.Equal(after, b) {
		t.Error("a failed resume changed summary.json")
	}
}

// TestDivergingLearningRate: a learning rate that makes the weights blow up
// stops the run with exit status 1 and leaves earlier outputs alone.
func TestDivergingLearningRate(t *testing.T) {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "summary.json"), []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "INTRO_AS_MAIN=1", "INTRO_ARGS=-lr 1e30 -steps 200 -restarts 1 -probabilities 1 -eval-samples 1024 -out "+out)
	stderr, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
		t.Fatalf("exit code %d; want 1", code)
	}
	if lines := strings.Count(strings.TrimSpace(string(stderr)), "\n"); lines != 0 || !strings.Contains(string(stderr), "lr 1e+30") {
		t.Errorf("stderr %q; want one line naming the learning rate", stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "summary.json")); string(data) != "earlier" {
		t.Error("the failed run overwrote summary.json")
	}
}
