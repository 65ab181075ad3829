package clitest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The hostile-input suite: every flag of an experiment, given each class of
// bad value, must end in a one-line error naming the flag with exit status 2,
// or run correctly (exit 0 and a summary.json); never a panic trace, a hang,
// a runaway allocation, or a run that trains and then loses its output.

// Limits of one hostile run.
const (
	hostileTimeout = 30 * time.Second
	// hostileMemory bounds the child's address space: a run that tries to
	// allocate past it dies with "out of memory", which the suite reports.
	hostileMemory = 3 << 30
)

// Values tried for every numeric flag (int, uint, float and list flags).
var NumericValues = []string{"0", "-1", "NaN", "Inf", "-Inf", "1000000000000", "1e12", "1e-300", "text", ""}

// Values tried for every string flag (paths, names). FILE stands for a
// regular file of the run's own folder (never a real system file: a flag that
// writes, such as -cpuprofile, would overwrite it).
var StringValues = []string{"", "text", "/dev/zero", "/proc/self/nope/x", "FILE"}

// Flag is a flag of an experiment as its -h output lists it.
type Flag struct {
	Name string
	// Type is the type word of the usage line: int, uint, float, string,
	// value (a list), or "" for a boolean.
	Type string
}

// usageLine matches a flag's line in flag.PrintDefaults' output: the name,
// the type word (none for a boolean; a usage's `quoted` name, as I/N), and for one-letter flags the usage on
// the same line after a tab.
var usageLine = regexp.MustCompile(`^  -([a-z0-9-]+)(?: ([A-Za-z/]+))?(?:\t.*)?$`)

// Flags runs the experiment under test with -h and returns its flags.
func Flags(t *testing.T) []Flag {
	t.Helper()
	cmd := Command("-h")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("-h: %v: %s", err, stderr.String())
	}
	var flags []Flag
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if m := usageLine.FindStringSubmatch(sc.Text()); m != nil {
			flags = append(flags, Flag{Name: m[1], Type: m[2]})
		}
	}
	if len(flags) == 0 {
		t.Fatalf("-h listed no flags: %s", stderr.String())
	}
	return flags
}

// HostileCase is one run of the suite.
type HostileCase struct {
	Flag, Value string
}

// Hostile runs the experiment under test (its TestMain is [Main]) once for
// every flag and value class, on top of base (arguments that make an
// accepted run short), each in its own process, folder and working folder,
// and reports every run that does not end as the suite demands. skip names
// flags to leave out (with the reason in the caller's comment); -out is
// supplied by the suite and tried with the string values too.
func Hostile(t *testing.T, base []string, skip ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the experiment hundreds of times")
	}
	var cases []HostileCase
	for _, f := range Flags(t) {
		if f.Type == "" || contains(skip, f.Name) {
			continue
		}
		values := NumericValues
		if f.Type == "string" || f.Name == "config" {
			values = StringValues
		}
		for _, v := range values {
			cases = append(cases, HostileCase{f.Name, v})
		}
	}
	jobs := make(chan HostileCase)
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if msg := hostileRun(t, base, c); msg != "" {
					mu.Lock()
					failures = append(failures, msg)
					mu.Unlock()
				}
			}
		}()
	}
	for _, c := range cases {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d hostile runs, %d failed", len(cases), len(failures))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostileRun runs one case and returns "" or what went wrong.
func hostileRun(t *testing.T, base []string, c HostileCase) string {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	args := append(append([]string(nil), base...), "-out", out)
	if c.Flag == "out" {
		args = args[:len(args)-2]
		out = c.Value
		if !filepath.IsAbs(out) {
			out = filepath.Join(dir, out)
		}
	}
	value := c.Value
	if value == "FILE" {
		value = filepath.Join(dir, "file")
		if err := os.WriteFile(value, []byte("not what the flag wants\n"), 0o644); err != nil {
			return err.Error()
		}
		if c.Flag == "out" {
			out = value
		}
	}
	args = append(args, "-"+c.Flag, value)
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), asMain+"="+strings.Join(args, "\n"), memoryLimit+"="+fmt.Sprint(hostileMemory))
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	name := fmt.Sprintf("-%s %q", c.Flag, c.Value)
	text := strings.TrimSpace(stderr.String())
	last := text
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		last = text[i+1:]
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Sprintf("%s: still running after %v", name, hostileTimeout)
	case strings.Contains(text, "panic:") || strings.Contains(text, "goroutine ") || strings.Contains(text, "fatal error"):
		return fmt.Sprintf("%s: crashed: %s", name, crashLines(text))
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("%s: killed by %v: %s", name, ws.Signal(), firstLines(text, 3))
		}
	} else if err != nil {
		return fmt.Sprintf("%s: %v", name, err)
	}
	switch code {
	case 0:
		if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
			return fmt.Sprintf("%s: exit 0 without a summary.json in %s", name, out)
		}
		return ""
	case 2:
		if strings.Contains(text, "\n") {
			return fmt.Sprintf("%s: exit 2 with %d lines of error: %s", name, strings.Count(text, "\n")+1, firstLines(text, 3))
		}
		if !strings.Contains(text, c.Flag) {
			return fmt.Sprintf("%s: exit 2, but the error does not name the flag: %s", name, text)
		}
		return ""
	default:
		return fmt.Sprintf("%s: exit %d (a run that failed after starting): %s", name, code, last)
	}
}

// crashLines returns the panic or fatal-error line of a crash's output and
// the two after it.
func crashLines(s string) string {
	for _, marker := range []string{"panic:", "fatal error", "goroutine "} {
		if i := strings.Index(s, marker); i >= 0 {
			return firstLines(s[i:], 3)
		}
	}
	return firstLines(s, 3)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
