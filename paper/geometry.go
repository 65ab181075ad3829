package paper

import (
	"fmt"
	"path/filepath"

	"github.com/toymodels/superposition/interp"
)

// GeometryPoint is the per-p summary of a geometry run.
type GeometryPoint struct {
	FeatureProbability float64                `json:"feature_probability"`
	InverseDensity     float64                `json:"inverse_density"`
	DimsPerFeature     float64                `json:"dims_per_feature"`
	SumDimensionality  float64                `json:"sum_dimensionality"`
	Represented        int                    `json:"represented"`
	Clusters           []interp.FractionCount `json:"clusters"`
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
	}
}

// GeometryFigures draws the D* and Dᵢ figures of runs (one ReLU-output model per
// probability) into out and returns the report section reading them.
func GeometryFigures(out, prefix string, runs []interp.ToyRun) ([]interp.Section, error) {
	var x, dstar, fx, fd []float64
	var lines []string
	for _, r := range runs {
		x = append(x, 1/r.FeatureProbability)
		dstar = append(dstar, r.DimsPerFeature)
		for _, d := range r.Dimensionality {
			if d > 0.01 {
				fx, fd = append(fx, 1/r.FeatureProbability), append(fd, d)
			}
		}
		pt := MeasureGeometry(r)
		lines = append(lines, fmt.Sprintf("p = %.3g (1/(1−S) = %.3g): D* = %.3f, Σᵢ Dᵢ = %.2f of m = %d, %d features represented; Dᵢ clusters: %s.",
			r.FeatureProbability, pt.InverseDensity, r.DimsPerFeature, r.SumDimensionality, r.Hidden, r.Represented, interp.DescribeClusters(pt.Clusters)))
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
		Heading: "Dimensions per feature and feature dimensionality",
		Paragraphs: append([]string{
			"D* is the number of hidden dimensions each embedded feature gets. It sticks at 1 while features are dense, " +
				"then at 1/2 (features in antipodal pairs) before falling as features get sparser. " +
				"Each feature's dimensionality Dᵢ clusters at the fractions of uniform polytopes: " +
				"1/2 for a digon, 2/3 for a triangle, 2/5 for a pentagon, 3/8 for a square antiprism, 3/4 for a tetrahedron.",
		}, lines...),
		Figures: []interp.Figure{
			{Path: dpath, Caption: "D*, the hidden dimensions m over the squared Frobenius norm of W (Σᵢ ‖Wᵢ‖²), against 1/(1−S) = 1/p, with guide lines at 1 and 1/2."},
			{Path: fpath, Caption: "Every embedded feature's Dᵢ (Dᵢ > 0.01) against 1/(1−S), with guide lines at the sticky fractions."},
		},
	}}, nil
}
