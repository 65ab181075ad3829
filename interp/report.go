package interp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"regexp"

	"github.com/toymodels/superposition/internal/atomicfile"
)

// Report is a self-contained HTML page: sections of prose, tables and
// figures, with every figure embedded as a data URI so the file still works
// when copied elsewhere, and the run's config at the end, collapsed.
type Report struct {
	Title    string
	Intro    string
	Sections []Section
	Config   any
}

// Section is a heading, warnings, paragraphs, tables and figures (PNG files
// read from disk), in that order.
type Section struct {
	Heading string
	// Level is the heading's depth: 3 and 4 nest under the sections before
	// them (<h3>, <h4>); anything else is a top-level <h2>.
	Level int
	// Warnings are shown before the paragraphs, marked as warnings: a run
	// that had not converged, a result that failed.
	Warnings   []string
	Paragraphs []string
	Tables     []Table
	Figures    []Figure
}

// Table is a table of per-model results: a caption, a header row and rows
// of cells (a row shorter than the header is padded with empty cells).
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Figure is a PNG file and its caption.
type Figure struct {
	Path    string
	Caption string
}

var reportTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
figure{margin:1em 0} img{max-width:100%;border:1px solid #ddd} figcaption{font-size:.9em;color:#555}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.85em}
h3{margin-top:1.6em} h4{margin-top:1.2em}
.table{overflow-x:auto;margin:.8em 0}
table{border-collapse:collapse;font-size:.85em;font-variant-numeric:tabular-nums}
.tcap{margin:.3em 0;color:#444;font-size:.9em}
th,td{padding:.25em .45em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{border-bottom:2px solid #999} .num{text-align:right} td:first-child{min-width:9em}
details{margin:1em 0} summary{cursor:pointer;font-weight:600}
.warn{background:#fff4e5;border-left:4px solid #e69f00;padding:.5em .8em}
</style></head><body>
<h1>{{.Title}}</h1>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{range .Sections}}{{if eq .Level 3}}<h3>{{.Heading}}</h3>{{else if eq .Level 4}}<h4>{{.Heading}}</h4>{{else}}<h2>{{.Heading}}</h2>{{end}}
{{range .Warnings}}<p class="warn" role="note">⚠ {{.}}</p>
{{end}}{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{range .Tables}}<div class="table">{{if .Caption}}<p class="tcap">{{.Caption}}</p>{{end}}<table>
<thead><tr>{{range .Header}}<th scope="col"{{if .Num}} class="num"{{end}}>{{.Text}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td{{if .Num}} class="num"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
{{end}}{{range .Figures}}<figure><img src="{{.Src}}" alt="{{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}{{end}}
<details><summary>Configuration (the config block of summary.json)</summary>
<pre>{{.Config}}</pre>
</details>
<script>
// Self-check: every figure must decode; the result is left on <body> for
// headless browsers, and a broken figure is a console error.
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; }
    else { console.error("figure " + (i + 1) + " did not load: " + imgs[i].alt); }
  }
  document.body.setAttribute("data-figures", ok + "/" + imgs.length);
});
</script>
</body></html>
`))

// Write renders the report to path atomically. Figures are read from their
// paths and embedded.
func (r Report) Write(path string) error {
	type fig struct {
		Src     template.URL
		Caption string
	}
	type cell struct {
		Text string
		Num  bool // right-aligned: the column holds numbers
	}
	type table struct {
		Caption string
		Header  []cell
		Rows    [][]cell
	}
	type sec struct {
		Heading              string
		Level                int
		Warnings, Paragraphs []string
		Tables               []table
		Figures              []fig
	}
	view := struct {
		Title, Intro, Config string
		Sections             []sec
	}{Title: r.Title, Intro: r.Intro}
	cfg, err := json.MarshalIndent(r.Config, "", "  ")
	if err != nil {
		return fmt.Errorf("interp: report config: %w", err)
	}
	view.Config = string(cfg)
	for _, s := range r.Sections {
		vs := sec{Heading: s.Heading, Level: s.Level, Warnings: s.Warnings, Paragraphs: s.Paragraphs}
		for _, t := range s.Tables {
			rows := padRows(t.Rows, len(t.Header))
			vt := table{Caption: t.Caption}
			num := make([]bool, len(t.Header))
			for j := range num {
				num[j] = len(rows) > 0
				for _, r := range rows {
					num[j] = num[j] && numeric(r[j])
				}
			}
			for j, h := range t.Header {
				vt.Header = append(vt.Header, cell{h, num[j]})
			}
			for _, r := range rows {
				var vr []cell
				for j, c := range r {
					vr = append(vr, cell{c, j < len(num) && num[j]})
				}
				vt.Rows = append(vt.Rows, vr)
			}
			vs.Tables = append(vs.Tables, vt)
		}
		for _, f := range s.Figures {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return fmt.Errorf("interp: report figure: %w", err)
			}
			src := "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)
			vs.Figures = append(vs.Figures, fig{Src: template.URL(src), Caption: f.Caption})
		}
		view.Sections = append(view.Sections, vs)
	}
	var buf bytes.Buffer
	if err := reportTmpl.Execute(&buf, view); err != nil {
		return fmt.Errorf("interp: render %s: %w", filepath.Base(path), err)
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

// padRows copies rows with every row padded with empty cells to n.
func padRows(rows [][]string, n int) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = append([]string(nil), r...)
		for len(out[i]) < n {
			out[i] = append(out[i], "")
		}
	}
	return out
}

// numericCell matches a table cell that is a number: 0.863, −0.12, 86.3%,
// 2 of 5, 1e-05, NaN, or a dash for none.
var numericCell = regexp.MustCompile(`^([−+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(e[−+-]?[0-9]+)?%?( of [0-9]+)?|NaN|[+−-]?Inf|—)$`)

func numeric(s string) bool { return s == "" || numericCell.MatchString(s) }
