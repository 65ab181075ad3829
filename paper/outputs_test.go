package paper

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toymodels/superposition/interp"
)

// TestWriteOutputsFigureFails checks that a failing figure costs neither
// summary.json nor report.html, and that its error still comes back.
func TestWriteOutputsFigureFails(t *testing.T) {
	errFigure := errors.New("chart \"x\": drawing failed")
	tests := []struct {
		name     string
		sections func(out string) ([]interp.Section, error)
		wantErr  error
		// wantReport is text report.html must contain.
		wantReport string
	}{
		{name: "figures drawn", sections: func(string) ([]interp.Section, error) {
			return []interp.Section{{Heading: "Results", Paragraphs: []string{"all fine"}}}, nil
		}, wantReport: "all fine"},
		{name: "a figure fails", sections: func(string) ([]interp.Section, error) { return nil, errFigure }, wantErr: errFigure, wantReport: "drawing failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			err := WriteOutputs(out, map[string]int{"steps": 1}, interp.Report{Title: "t", Config: map[string]int{"steps": 1}}, tt.sections)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("WriteOutputs = %v; want %v", err, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
				t.Errorf("summary.json: %v; want it written", err)
			}
			html, err := os.ReadFile(filepath.Join(out, "report.html"))
			if err != nil {
				t.Fatalf("report.html: %v; want it written", err)
			}
			if !strings.Contains(string(html), tt.wantReport) {
				t.Errorf("report.html does not contain %q", tt.wantReport)
			}
		})
	}
}
