// Command geometry reproduces "The Geometry of Superposition" of Toy Models of
// Superposition: n = 200 features of equal importance in m = 20 dimensions,
// one ReLU-output model per feature probability p = 20^(−linspace(0, 1, 20)).
// Dimensions per feature D* stick at 1 and then at 1/2 (antipodal pairs) as
// features get sparser, and individual features' dimensionalities Dᵢ cluster
// at the fractions of uniform polytopes (2/3, 1/2, 2/5, 3/8, …).
//
//	go run ./experiments/geometry [-out out/geometry] [-seed 1] [-steps 10000]
//	    [-features 200] [-hidden 20] [-probabilities p1,p2,...]
//
// It writes summary.json (one record per p with dims_per_feature,
// frobenius_sq, sum_dimensionality and every dimensionality), geometry_dstar.png,
// geometry_dimensionality.png, report.html and timing.json.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/toy"
)

// DefaultConfig is the paper's setup.
func DefaultConfig() cli.Toy {
	return cli.Toy{
		Common:        cli.Common{Out: "out/geometry", Seed: 1, Steps: 10000, Restarts: 1},
		Features:      200,
		Hidden:        20,
		Importance:    1,
		Probabilities: toy.Powers(20, 0, 1, 20),
		Model:         "relu",
		Batch:         1024,
		LR:            1e-3,
		EvalSamples:   1 << 18,
	}
}

func main() {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("geometry", flag.ContinueOnError)
	cfg.Register(fs)
	os.Exit(cli.Main("geometry", fs, os.Args[1:], cfg.Validate, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		return run(ctx, env, cfg)
	}))
}

// Point is the per-p summary of a geometry run.
type Point struct {
	FeatureProbability float64                `json:"feature_probability"`
	InverseDensity     float64                `json:"inverse_density"`
	DimsPerFeature     float64                `json:"dims_per_feature"`
	SumDimensionality  float64                `json:"sum_dimensionality"`
	Represented        int                    `json:"represented"`
	Clusters           []interp.FractionCount `json:"clusters"`
}

// Summary is geometry's summary.json.
type Summary struct {
	Experiment string          `json:"experiment"`
	Config     cli.Toy         `json:"config"`
	Points     []Point         `json:"points"`
	Runs       []interp.ToyRun `json:"runs"`
}

func run(ctx context.Context, env cli.Env, cfg cli.Toy) error {
	runs, err := cli.RunToy(ctx, env, "geometry", cfg)
	if err != nil {
		return err
	}
	sum := Summary{Experiment: "geometry", Config: cfg, Runs: runs}
	for _, r := range runs {
		sum.Points = append(sum.Points, measure(r))
	}
	if err := interp.WriteJSON(filepath.Join(cfg.Out, "summary.json"), sum); err != nil {
		return err
	}
	sections, err := Figures(cfg.Out, "geometry", runs)
	if err != nil {
		return err
	}
	return interp.Report{
		Title: "Toy Models of Superposition: the geometry of superposition",
		Intro: fmt.Sprintf("%d features of equal importance in %d dimensions, one ReLU-output model per feature probability (%d steps).",
			cfg.Features, cfg.Hidden, cfg.Steps),
		Sections: sections,
		Config:   cfg,
	}.Write(filepath.Join(cfg.Out, "report.html"))
}

// clusterTol is how close Dᵢ must be to a sticky fraction to count.
const clusterTol = 0.01

func measure(r interp.ToyRun) Point {
	return Point{
		FeatureProbability: r.FeatureProbability,
		InverseDensity:     1 / r.FeatureProbability,
		DimsPerFeature:     r.DimsPerFeature,
		SumDimensionality:  r.SumDimensionality,
		Represented:        r.Represented,
		Clusters:           interp.ClusterCounts(r.Dimensionality, clusterTol),
	}
}

// Figures draws the D* and Dᵢ figures of runs (one ReLU-output model per
// probability) into out and returns the report section reading them.
func Figures(out, prefix string, runs []interp.ToyRun) ([]interp.Section, error) {
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
		pt := measure(r)
		lines = append(lines, fmt.Sprintf("p = %.3g (1/(1−S) = %.3g): D* = %.3f, Σᵢ Dᵢ = %.2f of m = %d, %d features represented; Dᵢ clusters: %s.",
			r.FeatureProbability, pt.InverseDensity, r.DimsPerFeature, r.SumDimensionality, r.Hidden, r.Represented, interp.DescribeClusters(pt.Clusters)))
	}
	dpath := filepath.Join(out, prefix+"_dstar.png")
	if err := interp.SaveChart(dpath, interp.Chart{
		Title: "Dimensions per feature", XLabel: "1/(1−S)", YLabel: "D* = m / ‖W‖²_F", LogX: true,
		HLines: []interp.Guide{{Y: 1, Label: "1"}, {Y: 0.5, Label: "1/2"}}, YMin: 0, YMax: 1.1,
	}, interp.Series{Name: "D*", X: x, Y: dstar, Line: true, Points: true}); err != nil {
		return nil, err
	}
	fpath := filepath.Join(out, prefix+"_dimensionality.png")
	if err := interp.SaveChart(fpath, interp.Chart{
		Title: "Feature dimensionality", XLabel: "1/(1−S)", YLabel: "Dᵢ", LogX: true,
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
			{Path: dpath, Caption: "D* against 1/(1−S) = 1/p, with guide lines at 1 and 1/2."},
			{Path: fpath, Caption: "Every embedded feature's Dᵢ (Dᵢ > 0.01) against 1/(1−S), with guide lines at the sticky fractions."},
		},
	}}, nil
}
