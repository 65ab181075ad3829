package paper

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/toymodels/superposition/interp"
)

// WriteOutputs writes a pipeline's outputs into the folder out: summary as
// summary.json, then the figures and report sections that sections draws
// into out, appended to report's, as report.html. A figure that fails does
// not cost the rest: report.html is still written, with a section saying
// that the figures failed and why in place of the figure sections, and the
// error is returned.
func WriteOutputs(out string, summary any, report interp.Report, sections func(out string) ([]interp.Section, error)) error {
	if err := interp.WriteJSON(filepath.Join(out, "summary.json"), summary); err != nil {
		return err
	}
	secs, figErr := sections(out)
	if figErr != nil {
		figErr = fmt.Errorf("figures: %w", figErr)
		secs = []interp.Section{{
			Heading:    "Figures",
			Paragraphs: []string{"The figures could not all be drawn, so the report leaves them out; summary.json holds every result. " + figErr.Error()},
		}}
	}
	report.Sections = append(report.Sections, secs...)
	if err := report.Write(filepath.Join(out, "report.html")); err != nil {
		return errors.Join(figErr, err)
	}
	return figErr
}
