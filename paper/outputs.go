package paper

import (
	"path/filepath"

	"github.com/toymodels/superposition/interp"
)

// WriteOutputs writes a pipeline's outputs into the folder out: summary as
// summary.json, then the figures and report sections that sections draws
// into out, appended to report's, as report.html.
func WriteOutputs(out string, summary any, report interp.Report, sections func(out string) ([]interp.Section, error)) error {
	if err := interp.WriteJSON(filepath.Join(out, "summary.json"), summary); err != nil {
		return err
	}
	secs, err := sections(out)
	if err != nil {
		return err
	}
	report.Sections = append(report.Sections, secs...)
	return report.Write(filepath.Join(out, "report.html"))
}
