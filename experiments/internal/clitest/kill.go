package clitest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asMain is the environment variable that makes an experiment's test binary
// run the experiment itself, with the newline-separated arguments it holds.
const asMain = "SUPERPOSITION_RUN_AS_MAIN"

// memoryLimit, when set, is the address-space limit (bytes) of such a run.
const memoryLimit = "SUPERPOSITION_RUN_MAX_AS"

// Main is the TestMain of an experiment whose tests run it as a subprocess
// ([Command]): the test binary runs exitCode instead of the tests when asked.
func Main(m *testing.M, exitCode func(args []string) int) {
	if args, ok := os.LookupEnv(asMain); ok {
		if v, err := strconv.ParseUint(os.Getenv(memoryLimit), 10, 64); err == nil {
			lim := syscall.Rlimit{Cur: v, Max: v}
			if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
				fmt.Fprintln(os.Stderr, "clitest: address-space limit:", err)
				os.Exit(3)
			}
		}
		os.Exit(exitCode(strings.Split(args, "\n")))
	}
	os.Exit(m.Run())
}

// Command returns a command that runs the experiment under test (whose
// TestMain is [Main]) with args, in a process of its own.
func Command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), asMain+"="+strings.Join(args, "\n"))
	return cmd
}

// Resumed is what [KillAndResume] leaves for further checks.
type Resumed struct {
	// Args are the checkpointing run's arguments (with -out Out and
	// -checkpoint Checkpoint).
	Args            []string
	Out, Checkpoint string
	// Summary is its final summary.json.
	Summary []byte
}

// KillAndResume runs the experiment with args uninterrupted (in process),
// then in a subprocess with -checkpoint, kills that with SIGKILL as soon as
// at least n files match glob under the checkpoint folder, runs it again,
// and checks that the rerun says it resumed and that its summary.json is the
// uninterrupted run's, byte for byte.
func KillAndResume(t *testing.T, exitCode func(args []string) int, args []string, glob string, n int) Resumed {
	t.Helper()
	clean := t.TempDir()
	r := Resumed{Out: t.TempDir(), Checkpoint: t.TempDir()}
	if code := exitCode(append(append([]string(nil), args...), "-out", clean)); code != 0 {
		t.Fatalf("uninterrupted run: exit code %d", code)
	}
	r.Args = append(append([]string(nil), args...), "-out", r.Out, "-checkpoint", r.Checkpoint)
	cmd := Command(r.Args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if files, _ := filepath.Glob(filepath.Join(r.Checkpoint, glob)); len(files) >= n {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("fewer than %d checkpoints %s within 3 minutes", n, glob)
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(r.Out, "summary.json")); err == nil {
		t.Fatal("the run finished before it was killed; the test proves nothing")
	}
	stderr, err := Command(r.Args...).CombinedOutput()
	if err != nil {
		t.Fatalf("resumed run: %v: %s", err, stderr)
	}
	if !bytes.Contains(stderr, []byte("resumed")) {
		t.Errorf("the second run did not resume from the checkpoints; stderr: %s", stderr)
	}
	want, err := os.ReadFile(filepath.Join(clean, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary, err = os.ReadFile(filepath.Join(r.Out, "summary.json")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, r.Summary) {
		t.Error("summary.json after kill -9 and resume differs from the uninterrupted run's")
	}
	return r
}
