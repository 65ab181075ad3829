package clitest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeFlags keeps the README's claims about flags true: every clause
// "`a`, `b` and `c` take `-x`, `-y`" (or "Every experiment takes …", "all but
// `a` take …", and `go run ./experiments/NAME -flag …` examples) is checked
// against the flags each experiment's -h lists.
func TestReadmeFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every experiment")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "internal" {
			names = append(names, e.Name())
		}
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin, "../../...")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	flags := map[string][]string{}
	for _, n := range names {
		var stderr bytes.Buffer
		cmd := exec.Command(filepath.Join(bin, n), "-h")
		cmd.Stderr, cmd.Stdout = &stderr, &stderr
		_ = cmd.Run() // -h exits 0 for cli experiments, whatever for others
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			if m := usageLine.FindStringSubmatch(sc.Text()); m != nil {
				flags[n] = append(flags[n], m[1])
			}
		}
		if len(flags[n]) == 0 {
			t.Fatalf("%s -h listed no flags: %s", n, stderr.String())
		}
	}
	claims := readmeClaims(string(readme), names)
	if len(claims) < 20 {
		t.Fatalf("found %d claims in the README; the parser has lost them", len(claims))
	}
	for _, c := range claims {
		if !slices.Contains(flags[c.experiment], c.flag) {
			t.Errorf("README: %q says %s takes -%s; its -h does not list it", c.clause, c.experiment, c.flag)
		}
	}
}

type claim struct{ experiment, flag, clause string }

var (
	verb      = regexp.MustCompile(`\b(?:also )?takes?\b`)
	backticks = regexp.MustCompile("`([^`]+)`")
	goRun     = regexp.MustCompile("go run \\./experiments/([a-z]+)((?: +-[a-z0-9-]+(?:[ =][^ `-][^ `]*)?)+)")
	flagWord  = regexp.MustCompile(`^-([a-z0-9-]+)`)
)

// readmeClaims returns the README's (experiment, flag) claims.
func readmeClaims(readme string, names []string) []claim {
	var out []claim
	for _, m := range goRun.FindAllStringSubmatch(readme, -1) {
		for _, f := range strings.Fields(m[2]) {
			if fm := flagWord.FindStringSubmatch(f); fm != nil && slices.Contains(names, m[1]) {
				out = append(out, claim{m[1], strings.TrimSuffix(fm[1], "="), m[0]})
			}
		}
	}
	for _, para := range strings.Split(readme, "\n\n") {
		text := strings.Join(strings.Fields(para), " ")
		for _, clause := range splitClauses(text) {
			loc := verbOutsideParens(clause)
			if loc < 0 {
				continue
			}
			subject, object := clause[:loc], stripParens(clause[loc:])
			var who []string
			switch {
			case strings.Contains(subject, "very experiment") || strings.Contains(subject, "all but"):
				// "Every experiment", "Every experiment but `x`", "all but `x`".
				for _, n := range names {
					if !strings.Contains(stripParens(subject), "`"+n+"`") {
						who = append(who, n)
					}
				}
			default:
				for _, m := range backticks.FindAllStringSubmatch(stripParens(subject), -1) {
					if slices.Contains(names, m[1]) {
						who = append(who, m[1])
					}
				}
			}
			for _, m := range backticks.FindAllStringSubmatch(object, -1) {
				fm := flagWord.FindStringSubmatch(m[1])
				if fm == nil {
					continue
				}
				for _, n := range who {
					out = append(out, claim{n, fm[1], clause})
				}
			}
		}
	}
	return out
}

// splitClauses splits a paragraph at "; " and at sentence ends.
func splitClauses(text string) []string {
	var out []string
	for _, s := range strings.Split(text, "; ") {
		out = append(out, strings.Split(s, ". ")...)
	}
	return out
}

// verbOutsideParens is the index of the first "take(s)" outside
// parentheses and backticks, or -1.
func verbOutsideParens(s string) int {
	depth, tick := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '`':
			tick = !tick
		case tick:
		case c == '(':
			depth++
		case c == ')':
			depth = max(depth-1, 0)
		case depth == 0 && (c == 't' || c == 'a'):
			if loc := verb.FindStringIndex(s[i:]); loc != nil && loc[0] == 0 && (i == 0 || s[i-1] == ' ') {
				return i
			}
		}
	}
	return -1
}

// stripParens removes parenthesised text (outside backticks).
func stripParens(s string) string {
	var b strings.Builder
	depth, tick := 0, false
	for _, c := range s {
		switch {
		case c == '`':
			tick = !tick
		case !tick && c == '(':
			depth++
			continue
		case !tick && c == ')':
			depth = max(depth-1, 0)
			continue
		}
		if depth == 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}
