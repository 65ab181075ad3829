package clitest

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden summary hashes under testdata/summaries")

// Golden runs exitCode with args and -out set to a fresh folder and compares
// the SHA-256 of the summary.json it writes with the hash recorded in the
// repository's testdata/summaries/NAME.sha256. Refactorings must leave these
// hashes alone; a change of results is made on purpose with -update, and named
// in the commit.
func Golden(t *testing.T, name string, exitCode func(args []string) int, args ...string) {
	t.Helper()
	out := t.TempDir()
	if code := exitCode(append(append([]string(nil), args...), "-out", out)); code != 0 {
		t.Fatalf("exitCode(%q) = %d; want 0", args, code)
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	path := filepath.Join(repoRoot(t), "testdata", "summaries", name+".sha256")
	if *update {
		if err := os.WriteFile(path, []byte(got+"  "+strings.Join(args, " ")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to record it)", err)
	}
	if w, _, _ := strings.Cut(string(want), " "); w != got {
		t.Errorf("sha256(summary.json of %s %q) = %s; want %s (results moved: rerun with -update only if that is intended)", name, args, got, w)
	}
}

// repoRoot returns the folder holding go.mod above the working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
