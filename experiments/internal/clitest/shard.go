package clitest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ShardMerge checks a sweep experiment's split runs (whose TestMain is
// [Main]): for each count N, it runs the N shards with args as separate
// processes, two at a time in a seeded random order, merges them, and
// checks that the merge's summary.json is the unsharded run's byte for byte.
// It returns the folder of the last count's parts and merge.
func ShardMerge(t *testing.T, exitCode func(args []string) int, args []string, counts ...int) string {
	t.Helper()
	whole := t.TempDir()
	if code := exitCode(append(clone(args), "-out", whole)); code != 0 {
		t.Fatalf("unsharded run: exit code %d", code)
	}
	want := readFile(t, filepath.Join(whole, "summary.json"))
	rng := rand.New(rand.NewPCG(uint64(len(counts)), 7))
	var dir string
	for _, n := range counts {
		dir = filepath.Join(t.TempDir(), "parts")
		order := rng.Perm(n)
		for i := 0; i < n; i += 2 {
			var running []*shardProc
			for _, idx := range order[i:min(i+2, n)] {
				running = append(running, startShard(t, append(clone(args), "-shard", fmt.Sprintf("%d/%d", idx, n), "-out", dir)))
			}
			for _, p := range running {
				p.wait(t)
			}
		}
		if code := exitCode(append(clone(args), "-merge", "-out", dir)); code != 0 {
			t.Fatalf("%d shards: merge: exit code %d", n, code)
		}
		if got := readFile(t, filepath.Join(dir, "summary.json")); !bytes.Equal(got, want) {
			t.Errorf("%d shards: merged summary.json differs from the unsharded run's (%d bytes, want %d)", n, len(got), len(want))
		}
		parts, _ := filepath.Glob(filepath.Join(dir, "shard-*.part"))
		if len(parts) != n {
			t.Errorf("%d shards: %d parts kept after the merge; want %d", n, len(parts), n)
		}
	}
	return dir
}

// MergeRefusals checks that a merge refuses, with exit status 2 and one
// line naming the problem, a missing shard, a part of another configuration
// (made with extra), a corrupted part and two parts of one index; and that
// a refused merge leaves the folder as it was.
func MergeRefusals(t *testing.T, exitCode func(args []string) int, args, extra []string) {
	t.Helper()
	good := filepath.Join(t.TempDir(), "parts")
	for i := range 3 {
		if code := exitCode(append(clone(args), "-shard", fmt.Sprintf("%d/3", i), "-out", good)); code != 0 {
			t.Fatalf("shard %d/3: exit code %d", i, code)
		}
	}
	other := t.TempDir()
	if code := exitCode(append(append(clone(args), extra...), "-shard", "1/3", "-out", other)); code != 0 {
		t.Fatalf("shard 1/3 of another configuration: exit code %d", code)
	}
	tests := []struct {
		name  string
		spoil func(dir string)
		want  string
	}{
		{"missing shard", func(dir string) { os.Remove(filepath.Join(dir, "shard-1-of-3.part")) }, "shard 1 of 3 missing"},
		{"another configuration", func(dir string) {
			copyTo(t, filepath.Join(other, "shard-1-of-3.part"), filepath.Join(dir, "shard-1-of-3.part"))
		}, "another configuration"},
		{"corrupted part", func(dir string) {
			p := filepath.Join(dir, "shard-2-of-3.part")
			b := readFile(t, p)
			b[len(b)/2] ^= 0x40
			os.WriteFile(p, b, 0o644)
		}, "checksum"},
		{"truncated part", func(dir string) {
			p := filepath.Join(dir, "shard-0-of-3.part")
			b := readFile(t, p)
			os.WriteFile(p, b[:len(b)-9], 0o644)
		}, "shard-0-of-3.part"},
		{"two parts of one index", func(dir string) {
			copyTo(t, filepath.Join(dir, "shard-0-of-3.part"), filepath.Join(dir, "shard-2-of-3.part"))
		}, "two parts of shard 0/3"},
		{"parts of two splits", func(dir string) {
			if code := exitCode(append(clone(args), "-shard", "0/2", "-out", dir)); code != 0 {
				t.Fatalf("shard 0/2: exit code %d", code)
			}
		}, "parts of two splits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "parts")
			os.MkdirAll(dir, 0o755)
			for i := range 3 {
				name := fmt.Sprintf("shard-%d-of-3.part", i)
				copyTo(t, filepath.Join(good, name), filepath.Join(dir, name))
			}
			tc.spoil(dir)
			before := listing(t, dir)
			out, err := Command(append(clone(args), "-merge", "-out", dir)...).CombinedOutput()
			code := exitStatus(err)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("merge = exit %d, output %q; want exit 2 and one line containing %q", code, out, tc.want)
			}
			if after := listing(t, dir); after != before {
				t.Errorf("a refused merge changed the folder:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// KillShard runs shard I/N of args with -checkpoint in a process of its own,
// kills it with SIGKILL once glob matches the name of a file anywhere under
// its checkpoint folder, and runs it again to the end (both with -out dir).
func KillShard(t *testing.T, args []string, shard, dir, glob string) {
	t.Helper()
	ck := t.TempDir()
	full := append(clone(args), "-shard", shard, "-out", dir, "-checkpoint", ck)
	cmd := Command(full...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
		if found(ck, glob) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint %s within 3 minutes", glob)
		}
	}
	cmd.Process.Kill()
	_ = cmd.Wait()
	part := filepath.Join(dir, "shard-"+strings.ReplaceAll(shard, "/", "-of-")+".part")
	if _, err := os.Stat(part); err == nil {
		t.Fatal("the shard finished before it was killed; the test proves nothing")
	}
	out, err := Command(full...).CombinedOutput()
	if err != nil {
		t.Fatalf("rerun of the killed shard: %v: %s", err, out)
	}
	if !bytes.Contains(out, []byte("resumed")) {
		t.Errorf("the rerun of the killed shard did not resume from its checkpoints; it printed %s", out)
	}
}

type shardProc struct {
	args []string
	out  bytes.Buffer
	done chan error
}

func startShard(t *testing.T, args []string) *shardProc {
	t.Helper()
	p := &shardProc{args: args, done: make(chan error, 1)}
	cmd := Command(args...)
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	return p
}

func (p *shardProc) wait(t *testing.T) {
	t.Helper()
	if err := <-p.done; err != nil {
		t.Fatalf("%v: %v: %s", p.args, err, p.out.String())
	}
}

func clone(s []string) []string { return append([]string(nil), s...) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.WriteFile(dst, readFile(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listing names every file under dir with its size and SHA-256.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(path)
			fmt.Fprintf(&b, "%s %d %x\n", strings.TrimPrefix(path, dir), fi.Size(), sha256.Sum256(data))
		}
		return nil
	})
	return b.String()
}

// exitStatus is the exit status of a finished command's error.
func exitStatus(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// found reports whether glob matches the name of a file under dir.
func found(dir, glob string) bool {
	hit := false
	filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if ok, _ := filepath.Match(glob, e.Name()); err == nil && ok && !e.IsDir() {
			hit = true
			return filepath.SkipAll
		}
		return nil
	})
	return hit
}
