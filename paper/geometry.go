package paper

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/toy"
)

// GeometryPoint is the per-p summary of a geometry run.
type GeometryPoint struct {
	FeatureProbability float64                `json:"feature_probability"`
	InverseDensity     float64                `json:"inverse_density"`
	DimsPerFeature     float64                `json:"dims_per_feature"`
	SumDimensionality  float64                `json:"sum_dimensionality"`
	Represented        int                    `json:"represented"`
	Clusters           []interp.FractionCount `json:"clusters"`
	LossTrend          interp.Trend           `json:"loss_trend"`
}

// GeometrySummary is geometry's summary.json.
type GeometrySummary struct {
	Experiment string          `json:"experiment"`
	Config     Toy             `json:"config"`
	Points     []GeometryPoint `json:"points"`
	Runs       []interp.ToyRun `json:"runs"`
}

// clusterTol is how close Dᵢ must be to a sticky fraction to count.
const clusterTol = 0.01

// MeasureGeometry reads the per-p summary of one trained run: D*, Σᵢ Dᵢ,
// the represented features and how the Dᵢ cluster at the sticky fractions.
func MeasureGeometry(r interp.ToyRun) GeometryPoint {
	return GeometryPoint{
		FeatureProbability: r.FeatureProbability,
		InverseDensity:     1 / r.FeatureProbability,
		DimsPerFeature:     r.DimsPerFeature,
		SumDimensionality:  r.SumDimensionality,
		Represented:        r.Represented,
		Clusters:           interp.ClusterCounts(r.Dimensionality, clusterTol),
		LossTrend:          r.LossTrend,
	}
}

// DefaultGeometryConfig is the geometry of superposition in the paper:
// n = 200 features of equal importance in m = 20 dimensions, one
// ReLU-output model per feature probability p = 20^(−linspace(0, 1, 20)).
func DefaultGeometryConfig() Toy {
	return Toy{
		Common:        Common{Out: "out/geometry", Seed: 1, Steps: 10000, Restarts: 1},
		Features:      200,
		Hidden:        20,
		Importance:    1,
		Probabilities: toy.Powers(20, 0, 1, 20),
		Model:         "relu",
		Training:      Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 18},
	}
}

// GeometryExperiment trains the sweep of cfg (see DefaultGeometryConfig)
// and writes into cfg.Out its GeometrySummary as summary.json, the figures
// of GeometryFigures and report.html.
func GeometryExperiment(ctx context.Context, run Run, cfg Toy) error {
	runs, err := RunToy(ctx, run, "geometry", cfg)
	if err != nil {
		return err
	}
	sum := GeometrySummary{Experiment: "geometry", Config: cfg, Runs: runs}
	for _, r := range runs {
		sum.Points = append(sum.Points, MeasureGeometry(r))
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Toy Models of Superposition: the geometry of superposition",
		Intro: fmt.Sprintf("%d features of equal importance in %d dimensions, one ReLU-output model per feature probability (%d steps).",
			cfg.Features, cfg.Hidden, cfg.Steps),
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return GeometryFigures(out, "geometry", runs) })
}

// GeometryFigures draws the D* and Dᵢ figures of runs (one ReLU-output model per
// probability) into out and returns the report section reading them.
func GeometryFigures(out, prefix string, runs []interp.ToyRun) ([]interp.Section, error) {
	var x, dstar, fx, fd []float64
	var notes []string
	embedded, sticky := 0, 0
	for _, r := range runs {
		x = append(x, 1/r.FeatureProbability)
		dstar = append(dstar, r.DimsPerFeature)
		for _, d := range r.Dimensionality {
			if d > 0.01 {
				fx, fd = append(fx, 1/r.FeatureProbability), append(fd, d)
				embedded++
				for _, f := range interp.StickyFractions {
					if math.Abs(d-f.Value) <= clusterTol {
						sticky++
						break
					}
				}
			}
		}
		if r.Represented == 0 && r.FrobeniusSq > 0 {
			notes = append(notes, fmt.Sprintf("At p = %s D* = %s yet no feature counts as represented: no single feature has ‖Wᵢ‖ > %s, because Σᵢ ‖Wᵢ‖² = %s is spread over the %d features, %s each on average, rather than given to m of them; D* counts it all the same.",
				sig(r.FeatureProbability), sig(r.DimsPerFeature), sig(interp.RepresentedThreshold), sig(r.FrobeniusSq), r.Features, sig(r.FrobeniusSq/float64(r.Features))))
		}
	}
	dpath := filepath.Join(out, prefix+"_dstar.png")
	if err := interp.SaveChart(dpath, interp.Chart{
		Title: "Dimensions per feature", XLabel: "1/(1−S) = 1/p", YLabel: "D* = m / Σᵢ ‖Wᵢ‖²", LogX: true,
		HLines: []interp.Guide{{Y: 1, Label: "1"}, {Y: 0.5, Label: "1/2"}}, YMin: 0, YMax: 1.1,
	}, interp.Series{X: x, Y: dstar, Line: true, Points: true}); err != nil {
		return nil, err
	}
	fpath := filepath.Join(out, prefix+"_dimensionality.png")
	if err := interp.SaveChart(fpath, interp.Chart{
		Title: "Feature dimensionality", XLabel: "1/(1−S) = 1/p", YLabel: "Dᵢ", LogX: true,
		HLines: interp.StickyGuides(), YMin: 0, YMax: 1.1, Width: 7, Height: 5,
	}, interp.Series{X: fx, Y: fd, Points: true, Radius: 1.5, Color: interp.Color(0)}); err != nil {
		return nil, err
	}
	return []interp.Section{{
		Heading:  "Dimensions per feature and feature dimensionality",
		Warnings: toyWarnings(runs),
		Paragraphs: append([]string{
			"D* is the number of hidden dimensions each embedded feature gets. In the paper it sticks at 1 while features are dense, " +
				"then at 1/2 (features in antipodal pairs) before falling as features get sparser, " +
				"and each feature's dimensionality Dᵢ clusters at the fractions of uniform polytopes: " +
				"1/2 for a digon, 2/3 for a triangle, 2/5 for a pentagon, 3/8 for a square antiprism, 3/4 for a tetrahedron.",
			geometryReading(runs, embedded, sticky),
		}, notes...),
		Tables: []interp.Table{geometryTable(runs)},
		Figures: []interp.Figure{
			{Path: dpath, Caption: "D*, the hidden dimensions m over the squared Frobenius norm of W (Σᵢ ‖Wᵢ‖²), against 1/(1−S) = 1/p, with guide lines at 1 and 1/2."},
			{Path: fpath, Caption: "Every embedded feature's Dᵢ (Dᵢ > 0.01) against 1/(1−S), with guide lines at the sticky fractions."},
		},
	}}, nil
}

// geometryReading says what D* does over the runs (in order of falling p)
// and how many of the embedded features sit at a sticky fraction.
func geometryReading(runs []interp.ToyRun, embedded, sticky int) string {
	if len(runs) == 0 {
		return "No model was trained."
	}
	first, last := runs[0], runs[len(runs)-1]
	s := fmt.Sprintf("Here D* goes from %s at p = %s to %s at p = %s", sig(first.DimsPerFeature), sig(first.FeatureProbability), sig(last.DimsPerFeature), sig(last.FeatureProbability))
	var half []interp.ToyRun
	for _, r := range runs {
		if math.Abs(r.DimsPerFeature-0.5) <= 0.05 {
			half = append(half, r)
		}
	}
	switch len(half) {
	case 0:
		s += "; it never comes within 0.05 of 1/2, so it does not stick there at this scale"
	case 1:
		s += fmt.Sprintf("; it passes 1/2 at 1/(1−S) = %s without sticking there", sig(1/half[0].FeatureProbability))
	default:
		s += fmt.Sprintf("; it sticks near 1/2 (within 0.05) at %d probabilities, 1/(1−S) from %s to %s", len(half), sig(1/half[0].FeatureProbability), sig(1/half[len(half)-1].FeatureProbability))
	}
	if embedded == 0 {
		return s + "; no feature is embedded (every Dᵢ ≤ 0.01)."
	}
	return s + fmt.Sprintf(". Of the %d embedded features (Dᵢ > 0.01) across all models, %d (%s) lie within %s of a sticky fraction.", embedded, sticky, pct(float64(sticky)/float64(embedded)), sig(clusterTol))
}
