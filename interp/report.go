package interp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/internal/atomicfile"
)

// Report is a self-contained HTML page: sections of prose and figures, with
// every figure embedded as a data URI so the file still works when copied
// elsewhere, and the run's config at the end.
type Report struct {
	Title    string
	Intro    string
	Sections []Section
	Config   any
}

// Section is a heading, warnings, paragraphs, and figures (PNG files read
// from disk).
type Section struct {
	Heading string
	// Warnings are shown before the paragraphs, marked as warnings: a run
	// that had not converged, a result that failed.
	Warnings   []string
	Paragraphs []string
	Figures    []Figure
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
.warn{background:#fff4e5;border-left:4px solid #e69f00;padding:.5em .8em}
</style></head><body>
<h1>{{.Title}}</h1>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{range .Sections}}<h2>{{.Heading}}</h2>
{{range .Warnings}}<p class="warn" role="note">⚠ {{.}}</p>
{{end}}{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{range .Figures}}<figure><img src="{{.Src}}" alt="{{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}{{end}}
<h2>Configuration</h2>
<pre>{{.Config}}</pre>
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
	type sec struct {
		Heading              string
		Warnings, Paragraphs []string
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
		vs := sec{Heading: s.Heading, Warnings: s.Warnings, Paragraphs: s.Paragraphs}
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
