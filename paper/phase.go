package paper

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// PhaseConfig is phase's configuration.
type PhaseConfig struct {
	Common
	// Grid is the number of values per axis (≥ 2).
	Grid int `json:"grid"`
	// RMin and RMax bound the relative importance r of the extra feature.
	RMin float64 `json:"r_min"`
	RMax float64 `json:"r_max"`
	// PMin and PMax bound the feature probability.
	PMin float64 `json:"p_min"`
	PMax float64 `json:"p_max"`
	Training
	// Three also draws the n = 3, m = 2 diagram.
	Three bool `json:"three"`
	Checkpoints
}

// DefaultPhaseConfig is the paper's grid at a size that runs in minutes.
func DefaultPhaseConfig() PhaseConfig {
	return PhaseConfig{
		Common: Common{Out: "out/phase", Seed: 1, Steps: 6000, Restarts: 3},
		Grid:   12, RMin: 0.1, RMax: 10, PMin: 0.01, PMax: 1,
		Training: Training{Batch: 1024, LR: 3e-3, EvalSamples: 1 << 16}, Three: true,
	}
}

// PhaseCell is one trained grid cell.
type PhaseCell struct {
	ImportanceRatio    float64      `json:"importance_ratio"`
	FeatureProbability float64      `json:"feature_probability"`
	Phase              interp.Phase `json:"phase"`
	TheoryPhase        interp.Phase `json:"theory_phase,omitempty"`
	// FarFromBoundary: p is at least 25% away from the theoretical boundary.
	FarFromBoundary bool         `json:"far_from_boundary,omitempty"`
	Loss            float64      `json:"loss"`
	LossTrend       interp.Trend `json:"loss_trend"`
	W               [][]float64  `json:"W"`
	B               []float64    `json:"b"`
}

// PhaseAgreement counts how often the empirical phase matches the theory.
type PhaseAgreement struct {
	Cells    int     `json:"cells"`
	Agree    int     `json:"agree"`
	Fraction float64 `json:"fraction"`
	// Far counts only cells far (≥ 25%) from the boundary.
	FarCells    int     `json:"far_cells"`
	FarAgree    int     `json:"far_agree"`
	FarFraction float64 `json:"far_fraction"`
}

// PhaseSummary is phase's summary.json.
type PhaseSummary struct {
	Experiment string         `json:"experiment"`
	Config     PhaseConfig    `json:"config"`
	Agreement  PhaseAgreement `json:"agreement"`
	Cells      []PhaseCell    `json:"cells"`
	Cells3     []PhaseCell    `json:"cells3,omitempty"`
}

// logGrid returns k log-spaced values from lo to hi.
func logGrid(lo, hi float64, k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = lo * math.Pow(hi/lo, float64(i)/float64(k-1))
	}
	return out
}

// TrainPhase trains every cell of the n = 2 (and, with cfg.Three, n = 3) diagram.
func TrainPhase(ctx context.Context, run Run, label string, cfg PhaseConfig) (PhaseSummary, error) {
	rs, ps := logGrid(cfg.RMin, cfg.RMax, cfg.Grid), logGrid(cfg.PMin, cfg.PMax, cfg.Grid)
	var specs []tms.Spec
	sizes := []int{2}
	if cfg.Three {
		sizes = append(sizes, 3)
	}
	for _, n := range sizes {
		for _, r := range rs {
			for _, p := range ps {
				imp := make([]float64, n)
				for i := range imp {
					imp[i] = 1
				}
				imp[n-1] = r
				specs = append(specs, tms.Spec{
					Model: tms.Config{Kind: tms.ReLUOutput, Features: n, Hidden: n - 1, Importance: imp},
					Data:  toy.Config{Features: n, Probability: []float64{p}},
				})
			}
		}
	}
	sc := tms.SweepConfig{
		Train:    graph.Config{Steps: cfg.Steps, Batch: cfg.Batch, LR: cfg.LR, Schedule: graph.Constant},
		Restarts: cfg.Restarts, Seed: cfg.Seed, EvalSamples: cfg.EvalSamples,
	}
	sc.CheckpointDir, sc.CheckpointEvery = cfg.sweepDir(label), cfg.CheckpointEvery
	cells, err := sweepToy(ctx, run, label, specs, sc, func(_ int, res tms.Result) PhaseCell {
		n := res.Model.Features
		c := PhaseCell{
			ImportanceRatio:    res.Model.Importance[n-1],
			FeatureProbability: res.Data.Probability[0],
			Loss:               res.Loss,
			LossTrend:          interp.LossTrend(res.TrainLoss),
			W:                  res.W(),
			B:                  res.B(),
		}
		if n == 2 {
			c.Phase = interp.ClassifyPhase(c.W)
			c.TheoryPhase = interp.TheoryPhase(c.ImportanceRatio, c.FeatureProbability)
			c.FarFromBoundary = interp.FarFromBoundary(c.ImportanceRatio, c.FeatureProbability, 0.25)
		} else {
			c.Phase = interp.ClassifyExtra(c.W)
		}
		return c
	})
	if err != nil {
		return PhaseSummary{}, err
	}
	if err := run.shardDone(); err != nil {
		return PhaseSummary{}, err
	}
	sum := PhaseSummary{Experiment: "phase", Config: cfg}
	for i, c := range cells {
		if specs[i].Model.Features != 2 {
			sum.Cells3 = append(sum.Cells3, c)
			continue
		}
		a := &sum.Agreement
		a.Cells++
		agree := c.Phase == c.TheoryPhase
		if agree {
			a.Agree++
		}
		if c.FarFromBoundary {
			a.FarCells++
			if agree {
				a.FarAgree++
			}
		}
		sum.Cells = append(sum.Cells, c)
	}
	a := &sum.Agreement
	a.Fraction = float64(a.Agree) / float64(max(a.Cells, 1))
	a.FarFraction = float64(a.FarAgree) / float64(max(a.FarCells, 1))
	return sum, nil
}

// phaseColor gives each phase its palette colour; black is the boundary's.
var phaseColor = map[interp.Phase]int{interp.Ignored: 0, interp.Dedicated: 1, interp.Superposition: 2, interp.Other: 3}

// phaseDiagram draws cells as a phase diagram, with the theoretical boundary when
// boundary is set.
func phaseDiagram(path, title string, cells []PhaseCell, boundary bool) error {
	var series []interp.Series
	for _, ph := range []interp.Phase{interp.Ignored, interp.Dedicated, interp.Superposition, interp.Other} {
		s := interp.Series{Name: string(ph), Points: true, Radius: 5, Color: interp.Color(phaseColor[ph])}
		for _, c := range cells {
			if c.Phase == ph {
				s.X, s.Y = append(s.X, c.ImportanceRatio), append(s.Y, c.FeatureProbability)
			}
		}
		if len(s.X) > 0 {
			series = append(series, s)
		}
	}
	if boundary && len(cells) > 0 {
		lo, hi := cells[0].ImportanceRatio, cells[len(cells)-1].ImportanceRatio
		b := interp.Series{Name: "theory boundary", Line: true, Color: interp.Color(7)}
		for i := 0; i <= 100; i++ {
			r := lo * math.Pow(hi/lo, float64(i)/100)
			b.X, b.Y = append(b.X, r), append(b.Y, interp.Boundary(r))
		}
		b2 := interp.Series{Line: true, Color: interp.Color(7), X: []float64{1, 1}, Y: []float64{interp.Boundary(1), 1}}
		series = append(series, b, b2)
	}
	return interp.SaveChart(path, interp.Chart{
		Title: title, XLabel: "relative importance r of the extra feature", YLabel: "feature probability p = 1−S",
		LogX: true, LogY: true, Width: 6.5, Height: 5,
	}, series...)
}

// phaseReading says how well the trained cells agree with the theory.
func phaseReading(restarts int, a PhaseAgreement) string {
	if a.Cells == 0 {
		return "No cell was trained."
	}
	best := fmt.Sprintf("best of %d restarts", restarts)
	if restarts == 1 {
		best = "one restart each"
	}
	s := fmt.Sprintf("Trained models (%s) agree with the theory at %d of %d cells (%s), and at %d of the %d cells whose p is at least 25%% away from the boundary",
		best, a.Agree, a.Cells, pct(a.Fraction), a.FarAgree, a.FarCells)
	if a.FarCells > 0 {
		s += " (" + pct(a.FarFraction) + ")"
	}
	switch {
	case a.FarCells == 0:
		return s + ": no cell lies far from the boundary, so the test is inconclusive."
	case a.FarFraction >= 0.9:
		return s + ": away from the boundary the learned phases match the theory."
	case a.FarFraction >= 0.7:
		return s + ": away from the boundary most learned phases match the theory, not all."
	default:
		return s + ": the learned phases do not match the theory at this scale, even away from the boundary."
	}
}

// phaseWarnings are the failure and convergence warnings of the cells.
func phaseWarnings(cells []PhaseCell) []string {
	names := make([]string, len(cells))
	trends := make([]interp.Trend, len(cells))
	losses := make([]float64, len(cells))
	for i, c := range cells {
		names[i] = fmt.Sprintf("n = %d, r = %s, p = %s", len(c.B), sig(c.ImportanceRatio), sig(c.FeatureProbability))
		trends[i], losses[i] = c.LossTrend, c.Loss
	}
	return nonEmpty(failureWarning("cells", names, losses), convergenceWarning("cells", names, trends))
}

// PhaseExperiment trains the phase diagrams of cfg (TrainPhase) and writes
// into cfg.Out summary.json, the diagrams of PhaseFigures and report.html.
func PhaseExperiment(ctx context.Context, run Run, cfg PhaseConfig) error {
	sum, err := TrainPhase(ctx, run, "phase", cfg)
	if err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title:  "Toy Models of Superposition: superposition as a phase change",
		Intro:  "Two features, one dimension: is the extra feature ignored, given the dimension, or stored in superposition with the first?",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return PhaseFigures(out, "phase", sum) })
}

// PhaseFigures draws the diagrams of sum into out and returns the report section.
func PhaseFigures(out, prefix string, sum PhaseSummary) ([]interp.Section, error) {
	a := sum.Agreement
	sec := interp.Section{
		Heading:  "Phase diagram, n = 2, m = 1",
		Warnings: phaseWarnings(append(append([]PhaseCell{}, sum.Cells...), sum.Cells3...)),
		Paragraphs: []string{
			"Closed-form theory (every bias at its best constant), with p = 1 − S the probability that a feature is active: dropping the extra feature costs r(p/3 − p²/4), dropping the first costs p/3 − p²/4, " +
				"and the antipodal pair costs (1 + r)p²/6, so superposition wins below p = 4r/(2 + 5r) for r ≤ 1 and p = 4/(5 + 2r) for r ≥ 1; the lines meet at r = 1, p = 4/7.",
			phaseReading(sum.Config.Restarts, a),
		},
	}
	path := filepath.Join(out, prefix+".png")
	if err := phaseDiagram(path, "n = 2, m = 1: learned phase", sum.Cells, true); err != nil {
		return nil, err
	}
	sec.Figures = append(sec.Figures, interp.Figure{Path: path, Caption: "Learned phase per cell (colours in the legend); the black line is the closed-form boundary."})
	sections := []interp.Section{sec}
	if len(sum.Cells3) > 0 {
		path3 := filepath.Join(out, prefix+"3.png")
		if err := phaseDiagram(path3, "n = 3, m = 2: learned phase", sum.Cells3, false); err != nil {
			return nil, err
		}
		counts := map[interp.Phase]int{}
		for _, c := range sum.Cells3 {
			counts[c.Phase]++
		}
		sections = append(sections, interp.Section{
			Heading: "Phase diagram, n = 3, m = 2",
			Paragraphs: []string{fmt.Sprintf("Importances (1, 1, r). Ignored: the extra feature is dropped; dedicated: it is represented and another feature is dropped; "+
				"superposition: all three share the plane. Cells: %d ignored, %d dedicated, %d superposition.",
				counts[interp.Ignored], counts[interp.Dedicated], counts[interp.Superposition])},
			Figures: []interp.Figure{{Path: path3, Caption: "Learned phase per cell, n = 3, m = 2 (no closed form drawn)."}},
		})
	}
	return sections, nil
}
