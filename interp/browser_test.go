package interp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium renders path headlessly and returns the DOM after load and the
// browser's log.
func chromium(t *testing.T, path string) (dom, log string) {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("REQUIRE_CHROMIUM") != "" {
			t.Fatal("REQUIRE_CHROMIUM is set but no chromium is installed")
		}
		t.Skip("no chromium (apt-get install -y chromium); .ci/run installs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
		"--dump-dom", "file://"+path)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errs.String())
	}
	return out.String(), errs.String()
}

var consoleError = regexp.MustCompile(`:CONSOLE[:(]|Uncaught`)

// TestReportInChromium renders a report, copied away from the figures it was
// made from, in headless Chromium: every figure must load and the console
// must stay free of errors. A report with a broken figure must fail the same
// checks.
func TestReportInChromium(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "chart.png")
	if err := SaveChart(chart, Chart{Title: "t"}, Series{X: []float64{0, 1}, Y: []float64{1, 0}, Line: true}); err != nil {
		t.Fatal(err)
	}
	heat := filepath.Join(dir, "heat.png")
	if err := SaveHeatmaps(heat, 1, []HeatPanel{{Title: "h", Z: [][]float64{{1, -1}, {0, 0.5}}}}); err != nil {
		t.Fatal(err)
	}
	rep := Report{Title: "browser test", Sections: []Section{{Heading: "s", Figures: []Figure{{Path: chart, Caption: "chart"}, {Path: heat, Caption: "heat"}}}}, Config: map[string]int{"seed": 1}}
	built := filepath.Join(dir, "report.html")
	if err := rep.Write(built); err != nil {
		t.Fatal(err)
	}
	// Self-contained: only report.html travels.
	elsewhere := filepath.Join(t.TempDir(), "copy.html")
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(elsewhere, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(chart)
	os.Remove(heat)
	dom, log := chromium(t, elsewhere)
	if !strings.Contains(dom, `data-figures="2/2"`) {
		t.Errorf("figures loaded: %s; want 2/2", between(dom, "data-figures="))
	}
	if m := consoleError.FindString(log); m != "" {
		t.Errorf("console message in the browser log (the report logs only errors): %s", log)
	}

	broken := strings.Replace(string(data), "data:image/png;base64,", "data:image/png;base64,AAAA", 1)
	bad := filepath.Join(t.TempDir(), "broken.html")
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log = chromium(t, bad)
	if !strings.Contains(dom, `data-figures="1/2"`) || consoleError.FindString(log) == "" {
		t.Errorf("a broken figure went unnoticed: %s; log:\n%s", between(dom, "data-figures="), log)
	}
}

func between(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return fmt.Sprintf("(no %s)", key)
	}
	return s[i:min(len(s), i+len(key)+12)]
}

// testBrowser is a small browser with tricky bytes: dictionary a has four
// units (0, 1 and 3 of label string, 2 of keyword; 3 never fired and has
// NaN scores), b-2 has two, and unit b-2/1's context holds markup, an
// ampersand, a newline, a tab, an invalid byte and a two-byte character,
// with a marker far from its peak that the index must not hold.
func testBrowser() Browser {
	labels := []string{"other", "comment", "string", "char", "number", "keyword", "identifier", "operator"}
	ctx := func(text string, peak int) BrowserContext {
		acts := make([]float32, len(text))
		for i := range acts {
			acts[i] = float32(0.1 * float64(i%5))
		}
		acts[peak] = 2
		return BrowserContext{Offset: 1000, File: "src/x.go", FileOffset: 40, Text: text, Acts: acts, Peak: peak}
	}
	unit := func(i int, label int, density, f1 float64, cs ...BrowserContext) BrowserUnit {
		share := make([]float64, len(labels))
		share[label] = 0.8
		share[0] = 0.2
		return BrowserUnit{Index: i, Density: density, MaxAct: 2, TopLabel: label, Specificity: 0.8, Baseline: 0.3,
			F1: f1, TopByte: 'f', ByteShare: 0.4, LabelShare: share, Histogram: []int{50, 20, 5, 0, 1},
			Contexts: cs, LogitTop: []LogitEffect{{'(', 1.5}, {'\n', 1.2}, {0xff, 0.9}},
			LogitBottom: []LogitEffect{{' ', -1.1}, {'\'', -0.7}}}
	}
	tricky := "FARAWAY-MARKER x := \"<script>alert(1)</script>\" & y\n\tz\xffé q := 42 // tail"
	peak := strings.Index(tricky, "\xff")
	b1 := unit(1, 2, 0.02, 0.7, ctx(tricky, peak), ctx("second context", 3))
	b1.Samples = []BrowserContext{ctx("a sample", 2)}
	b1.Family = []FamilyMember{{Dict: "a", Index: 0, Cosine: 0.81}}
	dead := unit(3, 2, 0, math.NaN())
	dead.Specificity = math.NaN()
	dead.Histogram = nil
	return Browser{
		Title:  "browser test",
		Labels: labels,
		Dictionaries: []BrowserDict{
			{Name: "a", Units: []BrowserUnit{
				unit(0, 2, 0.1, 0.5, ctx("package main\n\n\"func\" main", 15)),
				unit(1, 2, 0.01, 0.9, ctx("x := 1\n\"hello\"", 9)),
				unit(2, 5, 0.05, 0.3, ctx("}\nfunc f()", 2)),
				dead,
			}},
			{Name: "b-2", Units: []BrowserUnit{unit(0, 6, 0.3, 0.1, ctx("abc", 1)), b1}},
		},
	}
}

// jsonpArgs returns what a data file passes to fn, with the leading
// arguments before the JSON object.
func jsonpArgs(t *testing.T, path, prefix string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, ");\n") {
		t.Fatalf("%s = %.40q…; want %s…);", filepath.Base(path), s, prefix)
	}
	return []byte(s[len(prefix) : len(s)-len(");\n")])
}

// latin1 undoes the files' byte strings (one character per byte).
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

func TestWriteBrowserFiles(t *testing.T) {
	dir := t.TempDir()
	b := testBrowser()
	if err := WriteBrowser(dir, b); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "data/index.js", "data/a/0.js", "data/a/1.js", "data/a/2.js", "data/a/3.js", "data/b-2/0.js", "data/b-2/1.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}

	raw, err := os.ReadFile(filepath.Join(dir, "data", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, far := range []string{"FARAWAY", "second context", "a sample", "histogram", "logit"} {
		if strings.Contains(string(raw), far) {
			t.Errorf("data/index.js holds %q; want only short snippets around peaks", far)
		}
	}
	var idx struct {
		Columns []string `json:"columns"`
		Dicts   []struct {
			Name string  `json:"name"`
			Rows [][]any `json:"rows"`
		} `json:"dicts"`
	}
	if err := json.Unmarshal(jsonpArgs(t, filepath.Join(dir, "data", "index.js"), "browserIndex("), &idx); err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range idx.Columns {
		col[c] = i
	}
	if len(idx.Dicts) != 2 || len(idx.Dicts[0].Rows) != 4 || len(idx.Dicts[1].Rows) != 2 {
		t.Fatalf("index holds %d dictionaries; want a (4 rows) and b-2 (2 rows)", len(idx.Dicts))
	}
	row := idx.Dicts[1].Rows[1]
	snips := row[col["snippets"]].([]any)
	tricky := b.Dictionaries[1].Units[1].Contexts[0]
	want := tricky.Text[tricky.Peak-snippetRadius : tricky.Peak+snippetRadius+1]
	if len(snips) != 2 || latin1(snips[0].(string)) != want {
		t.Errorf("b-2/1 snippets = %q; want 2, the first %q", snips, want)
	}
	if got := row[col["peak"]].(float64); got != snippetRadius {
		t.Errorf("b-2/1 peak in its snippet = %v; want %d", got, snippetRadius)
	}
	if got := idx.Dicts[0].Rows[3][col["specificity"]]; got != nil {
		t.Errorf("a/3 specificity (NaN) = %v; want null", got)
	}

	var unit struct {
		Contexts []struct {
			Bytes string    `json:"bytes"`
			Acts  []float64 `json:"acts"`
			Peak  int       `json:"peak"`
		} `json:"contexts"`
		Family []FamilyMember `json:"family"`
	}
	if err := json.Unmarshal(jsonpArgs(t, filepath.Join(dir, "data", "b-2", "1.js"), `browserUnit("b-2", 1, `), &unit); err != nil {
		t.Fatal(err)
	}
	if len(unit.Contexts) != 2 || latin1(unit.Contexts[0].Bytes) != tricky.Text || len(unit.Contexts[0].Acts) != len(tricky.Text) {
		t.Errorf("b-2/1 contexts do not round-trip the bytes: %+v", unit.Contexts)
	}
	if len(unit.Family) != 1 || unit.Family[0] != b.Dictionaries[1].Units[1].Family[0] {
		t.Errorf("b-2/1 family = %+v; want %+v", unit.Family, b.Dictionaries[1].Units[1].Family)
	}
}

func TestWriteBrowserErrors(t *testing.T) {
	edit := func(f func(b *Browser)) Browser {
		b := testBrowser()
		f(&b)
		return b
	}
	u := func(b *Browser) *BrowserUnit { return &b.Dictionaries[1].Units[1] }
	for _, tc := range []struct {
		name string
		b    Browser
		want string
	}{
		{"space in name", edit(func(b *Browser) { b.Dictionaries[0].Name = "a b" }), `"a b"`},
		{"slash in name", edit(func(b *Browser) { b.Dictionaries[0].Name = "../a" }), `"../a"`},
		{"empty name", edit(func(b *Browser) { b.Dictionaries[0].Name = "" }), `name ""`},
		{"same name twice", edit(func(b *Browser) { b.Dictionaries[1].Name = "a" }), "twice"},
		{"same unit twice", edit(func(b *Browser) { b.Dictionaries[0].Units[1].Index = 0 }), "unit 0 appears twice"},
		{"short acts", edit(func(b *Browser) { c := &u(b).Contexts[0]; c.Acts = c.Acts[:len(c.Acts)-1] }), "activations for"},
		{"acts counted in runes", edit(func(b *Browser) { c := &u(b).Contexts[0]; c.Acts = c.Acts[:len([]rune(c.Text))] }), "activations for"},
		{"sample acts", edit(func(b *Browser) { u(b).Samples[0].Acts = nil }), "sample 0"},
		{"peak outside", edit(func(b *Browser) { u(b).Contexts[1].Peak = 99 }), "peak 99"},
		{"top label", edit(func(b *Browser) { u(b).TopLabel = 8 }), "top label 8"},
		{"top byte", edit(func(b *Browser) { u(b).TopByte = 256 }), "top byte 256"},
		{"logit byte", edit(func(b *Browser) { u(b).LogitBottom[0].Byte = -1 }), "byte -1"},
		{"family", edit(func(b *Browser) { u(b).Family[0].Index = 7 }), "a/7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := WriteBrowser(dir, tc.b)
			if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WriteBrowser = %v; want a one-line error with %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected browser wrote %d entries; want none", len(entries))
			}
		})
	}
}

// units returns the data-unit attributes of the DOM's rows, in order.
var rowUnit = regexp.MustCompile(`<tr[^>]* data-unit="(\d+)"`)

func rowUnits(dom string) []string {
	var out []string
	for _, m := range rowUnit.FindAllStringSubmatch(dom, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestBrowserInChromium renders the browser from file:// through its URL
// hash: the index, a search with a label filter and a sort, paging, a
// unit's panel with escaped bytes, and a missing unit file, which must be a
// console error.
func TestBrowserInChromium(t *testing.T) {
	dir := t.TempDir()
	b := testBrowser()
	many := BrowserDict{Name: "many"}
	for i := range 201 {
		many.Units = append(many.Units, BrowserUnit{Index: i, Density: float64(i) / 1000})
	}
	b.Dictionaries = append(b.Dictionaries, many)
	if err := WriteBrowser(dir, b); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "index.html")
	clean := func(t *testing.T, log string) {
		t.Helper()
		if m := consoleError.FindString(log); m != "" {
			t.Errorf("console message in the browser log: %s", log)
		}
	}
	attr := func(dom, key string) string {
		m := regexp.MustCompile(key + `="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			return "(none)"
		}
		return m[1]
	}

	t.Run("index", func(t *testing.T) {
		dom, log := chromium(t, page)
		clean(t, log)
		if got := attr(dom, "data-rows"); got != "4" {
			t.Errorf("data-rows = %s; want 4 (dictionary a, the first)", got)
		}
		if got := rowUnits(dom); strings.Join(got, ",") != "0,1,2,3" {
			t.Errorf("rows = %v; want 0,1,2,3", got)
		}
		if !strings.Contains(dom, "<title>browser test</title>") {
			t.Errorf("title not set from the index: %s", between(dom, "<title>"))
		}
	})
	t.Run("search", func(t *testing.T) {
		dom, log := chromium(t, page+`#dict=a&label=string&q=%5Cn&sort=density`)
		clean(t, log)
		// \n is near the peaks of 0, 1 and 2; 2 is a keyword unit, 3 has no contexts.
		if got := rowUnits(dom); strings.Join(got, ",") != "1,0" || attr(dom, "data-rows") != "2" {
			t.Errorf("rows = %v (data-rows %s); want 1,0 (string units with \\n near a peak, by density)", got, attr(dom, "data-rows"))
		}
	})
	t.Run("paging", func(t *testing.T) {
		dom, log := chromium(t, page+"#dict=many&sort=-density")
		clean(t, log)
		got := rowUnits(dom)
		if attr(dom, "data-rows") != "201" || attr(dom, "data-shown") != "200" || len(got) != 200 || got[0] != "200" {
			t.Errorf("data-rows %s, data-shown %s, %d rows starting %v; want 201, 200, 200 starting 200",
				attr(dom, "data-rows"), attr(dom, "data-shown"), len(got), got[:min(1, len(got))])
		}
		if strings.Contains(dom, `id="more" hidden`) {
			t.Error("show more is hidden with rows left to show")
		}
	})
	t.Run("unit", func(t *testing.T) {
		dom, log := chromium(t, page+"#dict=b-2&unit=1")
		clean(t, log)
		if got := attr(dom, "data-unit-loaded"); got != "b-2/1" {
			t.Fatalf("data-unit-loaded = %s; want b-2/1", got)
		}
		panel := dom[strings.Index(dom, `id="unit"`):]
		panel = panel[:strings.Index(panel, "</section>")]
		if strings.Contains(panel, "<script>alert") {
			t.Error("the context's <script> became markup")
		}
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(panel, "")
		for _, want := range []string{
			"FARAWAY-MARKER", `"&lt;script&gt;alert(1)&lt;/script&gt;"·&amp;·y⏎`, "⇥z", `\xffé·q`,
			"second·context", "a·sample", "a / unit 0", "'('", `'\n'`, `\xff`, `'\''`, "string",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("unit panel lacks %q", want)
			}
		}
		if !regexp.MustCompile(`<span[^>]* class="esc bad peak"[^>]*>\\xff</span>`).MatchString(panel) {
			t.Errorf("the peak byte \\xff is not outlined: %s", between(panel, `\xff`))
		}
		if !strings.Contains(panel, "<svg") || strings.Count(panel, "<rect") != 5 {
			t.Errorf("histogram: %d bars; want 5", strings.Count(panel, "<rect"))
		}
	})
	t.Run("missing unit file", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, "data", "b-2", "0.js")); err != nil {
			t.Fatal(err)
		}
		dom, log := chromium(t, page+"#dict=b-2&unit=0")
		if attr(dom, "data-unit-error") != "b-2/0" || consoleError.FindString(log) == "" {
			t.Errorf("a missing unit file went unnoticed: data-unit-error %s; log:\n%s", attr(dom, "data-unit-error"), log)
		}
	})
}
