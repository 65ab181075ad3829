package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toymodels/superposition/paper"
)

func testToy(out string) Toy {
	return Toy{paper.Toy{
		Common:        paper.Common{Out: out, Seed: 3, Steps: 20, Restarts: 2},
		Features:      4,
		Hidden:        2,
		Importance:    0.9,
		Probabilities: []float64{1, 0.1},
		Model:         "both",
		Training:      paper.Training{Batch: 64, LR: 1e-3, EvalSamples: 256},
	}}
}

func TestToyValidateNamesFlag(t *testing.T) {
	tests := []struct {
		flag string
		edit func(*Toy)
	}{
		{"-hidden", func(c *Toy) { c.Hidden = 0 }},
		{"-features", func(c *Toy) { c.Features = -1 }},
		{"-probabilities", func(c *Toy) { c.Probabilities = []float64{0.5, 0} }},
		{"-probabilities", func(c *Toy) { c.Probabilities = []float64{1.2} }},
		{"-steps", func(c *Toy) { c.Steps = -5 }},
		{"-restarts", func(c *Toy) { c.Restarts = 0 }},
		{"-model", func(c *Toy) { c.Model = "tanh" }},
		{"-importance", func(c *Toy) { c.Importance = 0 }},
		{"-lr", func(c *Toy) { c.LR = -1 }},
	}
	for _, tt := range tests {
		c := testToy("x")
		tt.edit(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.flag) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Validate() = %v; want one line starting with %s", err, tt.flag)
		}
	}
	c := testToy("x")
	c.Hidden = 9 // hidden ≥ features is allowed (and warned about at run time)
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(hidden ≥ features) = %v; want nil", err)
	}
}

func TestMainExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"-hidden", "0"}, 2},
		{[]string{"-probabilities", "0.5,x"}, 2},
		{[]string{"-steps", "-1"}, 2},
		{[]string{"-model", "cubic"}, 2},
		{[]string{"stray"}, 2},
		{[]string{"-nosuchflag"}, 2},
		{[]string{"-cpuprofile", "/nonexistent/dir/cpu.prof"}, 2},
		{[]string{"-h"}, 0},
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		args []string
		want int
	}{[]string{"-out", file}, 2}, struct {
		args []string
		want int
	}{[]string{"-out", filepath.Join(file, "sub")}, 2})
	for _, tt := range tests {
		cfg := testToy(t.TempDir())
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg.Register(fs)
		ran := false
		got := Main("test", fs, tt.args, &cfg, &cfg.Out, func(context.Context, Env) error {
			ran = true
			return nil
		})
		if got != tt.want || ran {
			t.Errorf("Main(%q) = %d (ran %v); want %d without running", tt.args, got, ran, tt.want)
		}
	}
}

func TestCPUProfile(t *testing.T) {
	cfg := testToy(t.TempDir())
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.Register(fs)
	path := filepath.Join(t.TempDir(), "cpu.prof")
	got := Main("test", fs, []string{"-cpuprofile", path}, &cfg, &cfg.Out, func(context.Context, Env) error { return nil })
	if got != 0 {
		t.Fatalf("Main(-cpuprofile %s) = %d; want 0", path, got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("profile %s: %v (size %d); want a non-empty file", path, err, sizeOf(fi))
	}
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return -1
	}
	return fi.Size()
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	block := write("block.json", `{"seed": 7, "steps": 30, "features": 6, "probabilities": [0.5]}`)
	summary := write("summary.json", `{"experiment": "intro", "config": {"seed": 9, "hidden": 3}, "runs": []}`)
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(Toy) bool
	}{
		{"block", []string{"-config", block}, "", func(c Toy) bool {
			return c.Seed == 7 && c.Steps == 30 && c.Features == 6 && len(c.Probabilities) == 1 && c.Hidden == 2
		}},
		{"summary", []string{"-config=" + summary}, "", func(c Toy) bool { return c.Seed == 9 && c.Hidden == 3 }},
		{"flags override", []string{"-config", block, "-seed", "11"}, "", func(c Toy) bool { return c.Seed == 11 && c.Steps == 30 }},
		{"unknown field", []string{"-config", write("typo.json", `{"stpes": 3}`)}, `unknown field "stpes"`, nil},
		{"wrong type", []string{"-config", write("type.json", `{"steps": "many"}`)}, "steps", nil},
		{"malformed", []string{"-config", write("bad.json", `{"steps": 3`)}, "bad.json", nil},
		{"missing", []string{"-config", dir + "/none.json"}, "none.json", nil},
		{"bad value", []string{"-config", write("zero.json", `{"steps": 0}`)}, "-steps 0", nil},
		// Issue 19, item 1: -config after other flags was silently ignored.
		{"after flags", []string{"-out", filepath.Join(t.TempDir(), "o"), "-config", write("fh.json", `{"features": 7, "hidden": 3}`), "-steps", "20"}, "", func(c Toy) bool {
			return c.Features == 7 && c.Hidden == 3 && c.Steps == 20
		}},
		{"flag before overrides too", []string{"-seed", "5", "-config", block}, "", func(c Toy) bool { return c.Seed == 5 && c.Steps == 30 }},
		{"missing after flags", []string{"-out", filepath.Join(t.TempDir(), "o"), "-config", dir + "/none.json"}, "none.json", nil},
		{"twice", []string{"-config", block, "-config", summary}, "given twice", nil},
		{"empty path", []string{"-config="}, "empty path", nil},
		{"key case", []string{"-config", write("case.json", `{"STEPS": 5}`)}, `"STEPS": names are case-sensitive`, nil},
		{"nested key case", []string{"-config", write("ncase.json", `{"experiment": "x", "config": {"Seed": 5}}`)}, `"Seed"`, nil},
		{"device", []string{"-config", "/dev/zero"}, "not a regular file", nil},
		{"folder", []string{"-config", dir}, "not a regular file", nil},
		{"two values", []string{"-config", write("two.json", `{"steps": 3} {"steps": 4}`)}, "after top-level value", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testToy(t.TempDir())
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			c.Register(fs)
			var got Toy
			stderr := captureStderr(t, func() {
				code := Main("x", fs, tc.args, &c, &c.Out, func(context.Context, Env) error { got = c; return nil })
				if (code == 0) != (tc.wantErr == "") {
					t.Errorf("exit code %d", code)
				}
			})
			if tc.wantErr != "" {
				if !strings.Contains(stderr, tc.wantErr) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q; want one line containing %q", stderr, tc.wantErr)
				}
				return
			}
			if !tc.check(got) {
				t.Errorf("config after %v: %+v", tc.args, got)
			}
		})
	}
}

// captureStderr returns what f writes to os.Stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	f()
	os.Stderr = old
	w.Close()
	data, _ := io.ReadAll(r)
	return string(data)
}

func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte(`{"seed": 7, "steps": 30, "features": 6, "probabilities": [0.5]}`))
	f.Add([]byte(`{"experiment": "intro", "config": {"seed": 9}}`))
	f.Add([]byte(`{"steps": 1e999}`))
	f.Add([]byte(`[1, 2]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := dir + "/c.json"
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c := testToy("x")
		if err := LoadConfig(path, &c); err != nil {
			if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), "-config") {
				t.Errorf("error %q names neither the file nor -config", err)
			}
			return
		}
		_ = c.Validate() // must not panic on whatever was decoded
	})
}
