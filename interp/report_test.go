package interp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportStructure checks the page a Report writes: nested headings,
// warnings marked, tables with numeric columns right-aligned, every text
// escaped, and the configuration collapsed.
func TestReportStructure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	r := Report{Title: "t", Intro: "intro", Config: map[string]int{"seed": 1}, Sections: []Section{
		{Heading: "stage", Paragraphs: []string{"a <b> & c"}},
		{Heading: "sub", Level: 3, Warnings: []string{"Not converged"}, Tables: []Table{{
			Caption: "cap", Header: []string{"p", "represented", "which"},
			Rows: [][]string{{"0.05", "5 of 5", "0 1 2"}, {"1", "2 of 5"}},
		}}},
		{Heading: "subsub", Level: 4},
	}}
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	for _, want := range []string{
		"<h2>stage</h2>", "<h3>sub</h3>", "<h4>subsub</h4>",
		`<p class="warn" role="note">⚠ Not converged</p>`,
		"a &lt;b&gt; &amp; c",
		`<p class="tcap">cap</p><table>`,
		`<th scope="col" class="num">p</th>`, `<th scope="col" class="num">represented</th>`, `<th scope="col">which</th>`,
		`<td class="num">5 of 5</td><td>0 1 2</td>`,
		`<td class="num">2 of 5</td><td></td>`, // a short row is padded
		"<details><summary>Configuration",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	if strings.Contains(html, "<h2>Configuration</h2>") {
		t.Error("the configuration is a section of its own; want it collapsed in <details>")
	}
}

func TestNumericCell(t *testing.T) {
	for s, want := range map[string]bool{"0.863": true, "−0.12": true, "86.3%": true, "2 of 5": true, "1e-05": true, "NaN": true, "—": true,
		"topk": false, "0 1 2": false, "yes, 5.6%": false, "(0, 1)": false} {
		if got := numeric(s); got != want {
			t.Errorf("numeric(%q) = %v; want %v", s, got, want)
		}
	}
}
