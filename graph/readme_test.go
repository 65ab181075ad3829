package graph_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeShowsExample keeps the README's "write your own model graph"
// section identical to example_test.go, which go test compiles and runs.
func TestReadmeShowsExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body := string(ex)
	i := strings.Index(body, "// Untied is")
	if i < 0 {
		t.Fatal("example_test.go lost its Untied model")
	}
	if !strings.Contains(string(readme), "```go\n"+body[i:]+"```") {
		t.Error("README.md's Go example differs from graph/example_test.go; copy the file from \"// Untied is\" on into the README")
	}
}
