package interp

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/toymodels/superposition/internal/atomicfile"
)

// The page and its script, inlined into index.html when written.
var (
	//go:embed browser/index.html
	browserHTML string
	//go:embed browser/browser.js
	browserJS string
)

const (
	// snippetRadius is the bytes kept on each side of a context's peak in
	// the index, for search and the index's context column.
	snippetRadius = 6
	// snippetContexts is how many of a unit's top contexts the index keeps
	// snippets of.
	snippetContexts = 5
)

// WriteBrowser writes b as a static feature browser into dir, to be opened
// from file:// without a server:
//
//	dir/index.html          the page (CSS and script inline)
//	dir/data/index.js       browserIndex({...}): every unit's scores, and
//	                        snippets of its top contexts for search
//	dir/data/DICT/UNIT.js   browserUnit("DICT", UNIT, {...}): the full record,
//	                        loaded when the unit is opened
//
// Data files are JSONP (a call to a global function) because browsers refuse
// to fetch JSON from file://. Texts travel as byte strings (one character
// per byte, U+0000–U+00FF) so invalid UTF-8 survives and every byte keeps
// its activation; activations are rounded to 4 significant digits and
// non-finite numbers are written as null.
//
// WriteBrowser checks b first and writes nothing if it is malformed. Every
// file is written atomically, the unit files first and index.html last, so
// a killed run leaves the previous index (or none), never an index naming
// unit files not yet written. Unit files of units no longer in b are left
// in place.
func WriteBrowser(dir string, b Browser) error {
	if err := b.validate(); err != nil {
		return fmt.Errorf("interp: browser: %w", err)
	}
	for _, d := range b.Dictionaries {
		for _, u := range d.Units {
			data, err := unitFile(d.Name, u)
			if err != nil {
				return fmt.Errorf("interp: browser: %s unit %d: %w", d.Name, u.Index, err)
			}
			path := filepath.Join(dir, "data", d.Name, strconv.Itoa(u.Index)+".js")
			if err := atomicfile.WriteFile(path, data); err != nil {
				return fmt.Errorf("interp: browser: %w", err)
			}
		}
	}
	index, err := indexFile(b)
	if err != nil {
		return fmt.Errorf("interp: browser: index: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "data", "index.js"), index); err != nil {
		return fmt.Errorf("interp: browser: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "index.html"), []byte(browserPage())); err != nil {
		return fmt.Errorf("interp: browser: %w", err)
	}
	return nil
}

// browserPage is index.html with the script inlined.
func browserPage() string {
	const tag = `<script src="browser.js"></script>`
	if !strings.Contains(browserHTML, tag) || strings.Contains(browserJS, "</script") {
		panic("interp: browser assets: index.html must load browser.js, which must not contain </script")
	}
	return strings.Replace(browserHTML, tag, "<script>\n"+browserJS+"</script>", 1)
}

// validate returns the first problem with b, on one line.
func (b Browser) validate() error {
	if len(b.Dictionaries) == 0 {
		return errors.New("no dictionaries")
	}
	units := map[string]map[int]bool{}
	for _, d := range b.Dictionaries {
		if !validDictName(d.Name) {
			return fmt.Errorf("dictionary name %q: want letters, digits and '-' only", d.Name)
		}
		if units[d.Name] != nil {
			return fmt.Errorf("dictionary %q appears twice", d.Name)
		}
		seen := map[int]bool{}
		for _, u := range d.Units {
			if u.Index < 0 {
				return fmt.Errorf("%s: unit index %d is negative", d.Name, u.Index)
			}
			if seen[u.Index] {
				return fmt.Errorf("%s: unit %d appears twice", d.Name, u.Index)
			}
			seen[u.Index] = true
		}
		units[d.Name] = seen
	}
	for _, d := range b.Dictionaries {
		for _, u := range d.Units {
			if err := u.validate(len(b.Labels), units); err != nil {
				return fmt.Errorf("%s unit %d: %w", d.Name, u.Index, err)
			}
		}
	}
	return nil
}

func (u BrowserUnit) validate(labels int, units map[string]map[int]bool) error {
	if u.TopLabel < 0 || u.TopLabel >= max(labels, 1) {
		return fmt.Errorf("top label %d: want 0…%d (an index into Labels)", u.TopLabel, max(labels, 1)-1)
	}
	if len(u.LabelShare) != 0 && len(u.LabelShare) != labels {
		return fmt.Errorf("%d label shares for %d labels", len(u.LabelShare), labels)
	}
	if u.TopByte < 0 || u.TopByte > 255 {
		return fmt.Errorf("top byte %d: want 0…255", u.TopByte)
	}
	for _, set := range []struct {
		kind string
		cs   []BrowserContext
	}{{"context", u.Contexts}, {"sample", u.Samples}} {
		for i, c := range set.cs {
			if len(c.Acts) != len(c.Text) {
				return fmt.Errorf("%s %d: %d activations for %d bytes of text", set.kind, i, len(c.Acts), len(c.Text))
			}
			if c.Peak < 0 || c.Peak >= len(c.Text) {
				return fmt.Errorf("%s %d: peak %d outside its %d bytes", set.kind, i, c.Peak, len(c.Text))
			}
		}
	}
	for _, e := range slices.Concat(u.LogitTop, u.LogitBottom) {
		if e.Byte < 0 || e.Byte > 255 {
			return fmt.Errorf("logit effect on byte %d: want 0…255", e.Byte)
		}
	}
	for _, f := range u.Family {
		if !units[f.Dict][f.Index] {
			return fmt.Errorf("family member %s/%d is not in the browser", f.Dict, f.Index)
		}
	}
	return nil
}

func validDictName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// The files' JSON. Field names follow BrowserUnit's json tags, except that
// a context's Text travels as "bytes" (see byteString).

type browserIndexJSON struct {
	Title  string   `json:"title"`
	Labels []string `json:"labels"`
	// SnippetRadius and SnippetContexts say what search sees.
	SnippetRadius   int `json:"snippet_radius"`
	SnippetContexts int `json:"snippet_contexts"`
	// Columns names the entries of every row.
	Columns []string           `json:"columns"`
	Dicts   []browserIndexDict `json:"dicts"`
}

type browserIndexDict struct {
	Name string  `json:"name"`
	Rows [][]any `json:"rows"`
}

// indexColumns are the entries of an index row: snippets holds the bytes
// around the peak of each of the top snippetContexts contexts, and peak is
// the peak's position in the first snippet.
var indexColumns = []string{"index", "density", "max_act", "top_label", "specificity", "byte_baseline", "f1", "top_byte", "byte_share", "snippets", "peak"}

func indexFile(b Browser) ([]byte, error) {
	idx := browserIndexJSON{Title: b.Title, Labels: b.Labels, Columns: indexColumns,
		SnippetRadius: snippetRadius, SnippetContexts: snippetContexts}
	if idx.Labels == nil {
		idx.Labels = []string{}
	}
	for _, d := range b.Dictionaries {
		rows := make([][]any, len(d.Units))
		for i, u := range d.Units {
			snips := []byteString{}
			peak := 0
			for k, c := range u.Contexts[:min(len(u.Contexts), snippetContexts)] {
				lo, hi := max(0, c.Peak-snippetRadius), min(len(c.Text), c.Peak+snippetRadius+1)
				snips = append(snips, byteString(c.Text[lo:hi]))
				if k == 0 {
					peak = c.Peak - lo
				}
			}
			rows[i] = []any{u.Index, round4(u.Density), round4(u.MaxAct), u.TopLabel, round4(u.Specificity),
				round4(u.Baseline), round4(u.F1), u.TopByte, round4(u.ByteShare), snips, peak}
		}
		idx.Dicts = append(idx.Dicts, browserIndexDict{Name: d.Name, Rows: rows})
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	return jsonp("browserIndex", data), nil
}

type browserUnitJSON struct {
	Index       int                  `json:"index"`
	Density     jsFloat              `json:"density"`
	MaxAct      jsFloat              `json:"max_act"`
	TopLabel    int                  `json:"top_label"`
	Specificity jsFloat              `json:"specificity"`
	Baseline    jsFloat              `json:"byte_baseline"`
	F1          jsFloat              `json:"f1"`
	TopByte     int                  `json:"top_byte"`
	ByteShare   jsFloat              `json:"byte_share"`
	LabelShare  []jsFloat            `json:"label_share"`
	Histogram   []int                `json:"histogram"`
	Contexts    []browserContextJSON `json:"contexts"`
	Samples     []browserContextJSON `json:"samples"`
	LogitTop    []logitJSON          `json:"logit_top"`
	LogitBottom []logitJSON          `json:"logit_bottom"`
	Family      []familyJSON         `json:"family"`
}

type browserContextJSON struct {
	Offset     int        `json:"offset"`
	File       string     `json:"file,omitempty"`
	FileOffset int        `json:"file_offset,omitempty"`
	Bytes      byteString `json:"bytes"`
	Acts       []jsFloat  `json:"acts"`
	Peak       int        `json:"peak"`
}

type logitJSON struct {
	Byte  int     `json:"byte"`
	Value jsFloat `json:"value"`
}

type familyJSON struct {
	Dict   string  `json:"dict"`
	Index  int     `json:"index"`
	Cosine jsFloat `json:"cosine"`
}

func unitFile(dict string, u BrowserUnit) ([]byte, error) {
	w := browserUnitJSON{
		Index: u.Index, Density: jsFloat(u.Density), MaxAct: jsFloat(u.MaxAct), TopLabel: u.TopLabel,
		Specificity: jsFloat(u.Specificity), Baseline: jsFloat(u.Baseline), F1: jsFloat(u.F1),
		TopByte: u.TopByte, ByteShare: jsFloat(u.ByteShare),
		LabelShare: []jsFloat{}, Histogram: u.Histogram,
		Contexts: contextsJSON(u.Contexts), Samples: contextsJSON(u.Samples),
		LogitTop: []logitJSON{}, LogitBottom: []logitJSON{}, Family: []familyJSON{},
	}
	if w.Histogram == nil {
		w.Histogram = []int{}
	}
	for _, v := range u.LabelShare {
		w.LabelShare = append(w.LabelShare, jsFloat(v))
	}
	for _, e := range u.LogitTop {
		w.LogitTop = append(w.LogitTop, logitJSON{e.Byte, jsFloat(e.Value)})
	}
	for _, e := range u.LogitBottom {
		w.LogitBottom = append(w.LogitBottom, logitJSON{e.Byte, jsFloat(e.Value)})
	}
	for _, f := range u.Family {
		w.Family = append(w.Family, familyJSON{f.Dict, f.Index, jsFloat(f.Cosine)})
	}
	data, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	return jsonp("browserUnit", fmt.Appendf(nil, "%q, %d, %s", dict, u.Index, data)), nil
}

func contextsJSON(cs []BrowserContext) []browserContextJSON {
	out := make([]browserContextJSON, len(cs))
	for i, c := range cs {
		acts := make([]jsFloat, len(c.Acts))
		for j, a := range c.Acts {
			acts[j] = round4(float64(a))
		}
		out[i] = browserContextJSON{Offset: c.Offset, File: c.File, FileOffset: c.FileOffset,
			Bytes: byteString(c.Text), Acts: acts, Peak: c.Peak}
	}
	return out
}

// jsonp wraps a call's arguments: fn(args);
func jsonp(fn string, args []byte) []byte {
	out := append([]byte(fn+"("), args...)
	return append(out, ");\n"...)
}

// jsFloat is a number that is written as null when it is not finite
// (JSON has no NaN).
type jsFloat float64

func (f jsFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// round4 rounds v to 4 significant digits, which is all the page shows and
// keeps the files small.
func round4(v float64) jsFloat {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return jsFloat(v)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	return jsFloat(r)
}

// byteString is written as a JSON string with one character per byte
// (U+0000–U+00FF), so JavaScript's charCodeAt(i) is byte i, whatever the
// bytes are.
type byteString string

func (s byteString) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = fmt.Appendf(out, `\u%04x`, c)
		case c < utf8.RuneSelf:
			out = append(out, c)
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return append(out, '"'), nil
}
