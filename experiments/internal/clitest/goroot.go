package clitest

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/toymodels/superposition/corpus"
)

// SmallGoroot copies a few packages of the real standard library into a
// temporary GOROOT/src and returns its path, so that a test trains on real
// Go source in seconds. It skips the test when no GOROOT can be found.
func SmallGoroot(t *testing.T) string {
	t.Helper()
	src, err := corpus.DefaultRoot()
	if err != nil {
		t.Skipf("no GOROOT: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "src")
	for _, pkg := range []string{"strings", "bytes", "sort", "errors", "unicode/utf8", "container/list", "container/ring", "path"} {
		files, err := filepath.Glob(filepath.Join(src, pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Skipf("no Go source at %s: %v", filepath.Join(src, pkg), err)
		}
		if err := os.MkdirAll(filepath.Join(dst, pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			copyFile(t, f, filepath.Join(dst, pkg, filepath.Base(f)))
		}
	}
	return dst
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
