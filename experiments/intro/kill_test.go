package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toymodels/superposition/experiments/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, exitCode) }

// TestKilledRunResumes kills a checkpointing run with SIGKILL right after
// its first checkpoint, runs the same command again, and compares the final
// summary.json with an uninterrupted run's: identical.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	args := []string{"-probabilities", "1,0.1", "-steps", "3000", "-restarts", "2", "-eval-samples", "8192", "-model", "relu", "-seed", "4",
		"-checkpoint-every", "500"}
	r := clitest.KillAndResume(t, exitCode, args, "*/*.ckpt", 1)
	withCkpt, ckpt, killed, b := r.Args, r.Checkpoint, r.Out, r.Summary
	// The same checkpoints with another learning rate, or corrupted: a
	// run refused before any work, leaving the earlier outputs alone.
	other := append(append([]string(nil), withCkpt...), "-lr", "0.01")
	if code := exitCode(other); code != 2 {
		t.Errorf("resume with another -lr: exit code %d; want 2 (refused before any work)", code)
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

// TestDivergingLearningRate: a learning rate that would make the weights blow
// up is refused before any work, with exit status 2 and one line naming it,
// and leaves earlier outputs alone. (Divergence within the bound stops the
// loop with ErrNonFinite: graph's tests.)
func TestDivergingLearningRate(t *testing.T) {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "summary.json"), []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := clitest.Command("-lr", "1e30", "-steps", "200", "-restarts", "1", "-probabilities", "1", "-eval-samples", "1024", "-out", out)
	stderr, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 {
		t.Fatalf("exit code %d; want 2", code)
	}
	if lines := strings.Count(strings.TrimSpace(string(stderr)), "\n"); lines != 0 || !strings.Contains(string(stderr), "-lr 1e+30") {
		t.Errorf("stderr %q; want one line naming the learning rate", stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "summary.json")); string(data) != "earlier" {
		t.Error("the refused run overwrote summary.json")
	}
}

// TestSignalsStopCleanly: SIGINT, SIGTERM and SIGHUP stop a run with one line
// naming the signal and the shell's exit status 128 + n, leaving the earlier
// output as it was.
func TestSignalsStopCleanly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if code := exitCode([]string{"-probabilities", "1", "-steps", "20", "-restarts", "1", "-eval-samples", "256", "-out", out}); code != 0 {
				t.Fatalf("first run: exit %d", code)
			}
			before, err := os.ReadFile(filepath.Join(out, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			cmd := clitest.Command("-probabilities", "1", "-steps", "100000000", "-restarts", "1", "-seed", "9", "-out", out)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 20 s after %v", sig)
			}
			msg := strings.TrimSpace(stderr.String())
			if got, want := cmd.ProcessState.ExitCode(), 128+int(sig); got != want || strings.Contains(msg, "\n") || !strings.Contains(msg, "stopped by") {
				t.Errorf("after %v: exit %d, stderr %q; want exit %d and one line saying it stopped", sig, got, msg, want)
			}
			after, err := os.ReadFile(filepath.Join(out, "summary.json"))
			if err != nil || !bytes.Equal(before, after) {
				t.Errorf("summary.json changed by the stopped run (%v)", err)
			}
		})
	}
}
