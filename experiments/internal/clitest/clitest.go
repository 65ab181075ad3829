// Package clitest holds test helpers shared by the experiments' tests.
package clitest

import (
	"os"
	"testing"
)

// BadFlags checks that exitCode returns 2, and writes nothing to its -out
// folder, for every set of bad arguments.
func BadFlags(t *testing.T, exitCode func(args []string) int, cases ...[]string) {
	t.Helper()
	for _, args := range cases {
		out := t.TempDir()
		if got := exitCode(append(args, "-out", out)); got != 2 {
			t.Errorf("exitCode(%q) = %d; want 2", args, got)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("exitCode(%q) wrote %d files; want none", args, len(entries))
		}
	}
}
