package cli

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mainWith runs Main on a test Toy config with args and a run function that
// gets the folder it writes into.
func mainWith(t *testing.T, args []string, run func(dir string) error) (int, string) {
	t.Helper()
	cfg := testToy("unset")
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.Register(fs)
	var code int
	stderr := captureStderr(t, func() {
		code = Main("test", fs, args, &cfg, &cfg.Out, func(context.Context, Env) error { return run(cfg.Out) })
	})
	return code, stderr
}

// writeSummary is a run that writes summary.json holding s.
func writeSummary(s string) func(string) error {
	return func(dir string) error { return os.WriteFile(filepath.Join(dir, "summary.json"), []byte(s), 0o644) }
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestFailedRunKeepsOldOutput is issue 19, item 6: a rerun that fails half-way
// (a full disk, say) leaves the previous run's folder as it was, not a mix.
func TestFailedRunKeepsOldOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, stderr := mainWith(t, []string{"-out", out}, writeSummary("first")); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	code, _ := mainWith(t, []string{"-out", out, "-seed", "2"}, func(dir string) error {
		if err := writeSummary("second")(dir); err != nil {
			return err
		}
		return errors.New("no space left on device")
	})
	if code != 1 {
		t.Errorf("failing rerun: exit %d; want 1", code)
	}
	if got := readString(t, filepath.Join(out, "summary.json")); got != "first" {
		t.Errorf("summary.json after a failed rerun = %q; want the first run's %q", got, "first")
	}
	if _, err := os.Stat(filepath.Join(out, "timing.json")); err != nil {
		t.Errorf("the first run's timing.json is gone: %v", err)
	}
	if code, stderr := mainWith(t, []string{"-out", out}, writeSummary("third")); code != 0 {
		t.Fatalf("third run: exit %d: %s", code, stderr)
	}
	if got := readString(t, filepath.Join(out, "summary.json")); got != "third" {
		t.Errorf("summary.json after a successful rerun = %q; want %q", got, "third")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.staging-*"))
	if len(left) != 0 {
		t.Errorf("staging folders left behind: %v", left)
	}
}

// TestConcurrentRunsRefused is issue 19, item 7: a second run on an -out (or
// a -checkpoint) another run holds is refused, naming the folder.
func TestConcurrentRunsRefused(t *testing.T) {
	for _, shared := range []string{"out", "checkpoint"} {
		t.Run(shared, func(t *testing.T) {
			root := t.TempDir()
			ck := filepath.Join(root, "ck")
			args := func(i string) []string {
				a := []string{"-checkpoint", filepath.Join(root, "ck"+i), "-out", filepath.Join(root, "out"+i)}
				if shared == "out" {
					a[3] = filepath.Join(root, "out")
				} else {
					a[1] = ck
				}
				return a
			}
			started, release := make(chan struct{}), make(chan struct{})
			done := make(chan int)
			go func() {
				cfg := testToy("unset")
				fs := flag.NewFlagSet("test", flag.ContinueOnError)
				cfg.Register(fs)
				done <- Main("test", fs, args("1"), &cfg, &cfg.Out, func(context.Context, Env) error {
					close(started)
					<-release
					return writeSummary("first")(cfg.Out)
				})
			}()
			<-started
			code, stderr := mainWith(t, args("2"), writeSummary("second"))
			close(release)
			if first := <-done; first != 0 {
				t.Errorf("the first run: exit %d; want 0", first)
			}
			if code != 2 || !strings.Contains(stderr, "in use by another run") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("second run on a held -%s: exit %d, stderr %q; want exit 2 and one line saying it is in use", shared, code, stderr)
			}
		})
	}
}

// TestCheckpointFolderBelongsToOneRun: a checkpoint folder with checkpoints of
// one configuration refuses another configuration before any work, and then
// still serves its own run.
func TestCheckpointFolderBelongsToOneRun(t *testing.T) {
	root := t.TempDir()
	ck := filepath.Join(root, "ck")
	withCheckpoint := func(dir string) error {
		if err := os.MkdirAll(ck, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(ck, "a.ckpt"), []byte("x"), 0o644); err != nil {
			return err
		}
		return writeSummary("s")(dir)
	}
	base := []string{"-checkpoint", ck, "-out", filepath.Join(root, "out")}
	if code, stderr := mainWith(t, append(base, "-seed", "1"), withCheckpoint); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	ran := false
	code, stderr := mainWith(t, append(base, "-seed", "2"), func(string) error { ran = true; return nil })
	if code != 2 || ran || !strings.Contains(stderr, "another configuration") {
		t.Errorf("another seed on the folder: exit %d (ran %v), %q; want exit 2 before running", code, ran, stderr)
	}
	if code, stderr := mainWith(t, append(base, "-seed", "1"), withCheckpoint); code != 0 {
		t.Errorf("the first configuration again: exit %d: %s", code, stderr)
	}
	// An interrupted atomic write's temporary file is cleaned up.
	tmp := filepath.Join(ck, ".a.ckpt.tmp123")
	if err := os.WriteFile(tmp, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _ := mainWith(t, append(base, "-seed", "1"), withCheckpoint); code != 0 {
		t.Errorf("rerun: exit %d", code)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Errorf("%s survived a rerun", tmp)
	}
}

// TestOutFolderRefusals: folders a run must not replace, and a checkpoint
// inside -out (which a rerun replaces whole), are refused before running.
func TestOutFolderRefusals(t *testing.T) {
	root := t.TempDir()
	notes := filepath.Join(root, "mine")
	if err := os.MkdirAll(notes, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notes, "notes.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		args       []string
	}{
		{"a folder that is not a run's", "holds no run's summary.json", []string{"-out", notes}},
		{"checkpoint inside out", "inside -out", []string{"-out", filepath.Join(root, "o"), "-checkpoint", filepath.Join(root, "o", "ck")}},
		{"unwritable", "-out", []string{"-out", "/proc/self/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			code, stderr := mainWith(t, tt.args, func(string) error { ran = true; return nil })
			if code != 2 || ran || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("Main(%q): exit %d (ran %v), stderr %q; want exit 2 before running, one line containing %q", tt.args, code, ran, stderr, tt.want)
			}
		})
	}
	if got := readString(t, filepath.Join(notes, "notes.txt")); got != "keep" {
		t.Errorf("notes.txt = %q after a refused run", got)
	}
}
