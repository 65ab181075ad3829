package paper

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// CorrelatedConfig is correlated's configuration.
type CorrelatedConfig struct {
	Common
	// Probabilities are the feature probabilities, one instance each.
	Probabilities []float64 `json:"probabilities"`
	Training
	Checkpoints
}

// DefaultCorrelatedConfig is the paper's setup.
func DefaultCorrelatedConfig() CorrelatedConfig {
	return CorrelatedConfig{
		Common:        Common{Out: "out/correlated", Seed: 1, Steps: 10000, Restarts: 10},
		Probabilities: toy.Powers(400, 0.5, 1, 5),
		Training:      Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 18},
	}
}

// CorrelatedSetup is one arrangement of feature sets.
type CorrelatedSetup struct {
	Name           string  `json:"name"`
	Features       int     `json:"features"`
	Correlated     [][]int `json:"correlated,omitempty"`
	Anticorrelated [][]int `json:"anticorrelated,omitempty"`
}

// CorrelatedSetups are the paper's three arrangements.
var CorrelatedSetups = []CorrelatedSetup{
	{Name: "correlated pairs", Features: 4, Correlated: [][]int{{0, 1}, {2, 3}}},
	{Name: "anticorrelated pairs", Features: 4, Anticorrelated: [][]int{{0, 1}, {2, 3}}},
	{Name: "three correlated pairs", Features: 6, Correlated: [][]int{{0, 1}, {2, 3}, {4, 5}}},
}

// SetCosine is the cosine between the two members of a pair.
type SetCosine struct {
	Kind     string  `json:"kind"` // correlated or anticorrelated
	Features []int   `json:"features"`
	Cosine   float64 `json:"cosine"`
}

// CorrelatedRun is one trained instance and its reading.
type CorrelatedRun struct {
	Setup              string       `json:"setup"`
	FeatureProbability float64      `json:"feature_probability"`
	Seed               uint64       `json:"seed"`
	Loss               float64      `json:"loss"`
	LossTrend          interp.Trend `json:"loss_trend"`
	W                  [][]float64  `json:"W"`
	B                  []float64    `json:"b"`
	Norms              []float64    `json:"norms"`
	Pairs              []SetCosine  `json:"pairs"`
	// CorrelatedOrthogonal: every correlated pair has |cos| < 0.1.
	CorrelatedOrthogonal bool `json:"correlated_orthogonal"`
	// AnticorrelatedAntipodal: every anticorrelated pair has cos < −0.9.
	AnticorrelatedAntipodal bool `json:"anticorrelated_antipodal"`
	// Collapsed lists the correlated pairs whose members point the same way
	// (cos > 0.9): the model stores (a+b)/√2 instead of a and b.
	Collapsed [][]int `json:"collapsed"`
}

// CorrelatedSummary is correlated's summary.json.
type CorrelatedSummary struct {
	Experiment string            `json:"experiment"`
	Config     CorrelatedConfig  `json:"config"`
	Setups     []CorrelatedSetup `json:"setups"`
	Runs       []CorrelatedRun   `json:"runs"`
}

// TrainCorrelated trains every setup at every probability, best of cfg.Restarts.
func TrainCorrelated(ctx context.Context, run Run, label string, cfg CorrelatedConfig, setups []CorrelatedSetup) (CorrelatedSummary, error) {
	var specs []tms.Spec
	for _, s := range setups {
		imp := make([]float64, s.Features)
		for i := range imp {
			imp[i] = 1
		}
		for _, p := range cfg.Probabilities {
			specs = append(specs, tms.Spec{
				Model: tms.Config{Kind: tms.ReLUOutput, Features: s.Features, Hidden: 2, Importance: imp},
				Data:  toy.Config{Features: s.Features, Probability: []float64{p}, Correlated: s.Correlated, Anticorrelated: s.Anticorrelated},
			})
		}
	}
	sc := tms.SweepConfig{
		Train:    graph.Config{Steps: cfg.Steps, Batch: cfg.Batch, LR: cfg.LR, Schedule: graph.Constant},
		Restarts: cfg.Restarts, Seed: cfg.Seed, EvalSamples: cfg.EvalSamples,
	}
	sc.CheckpointDir, sc.CheckpointEvery = cfg.sweepDir(label), cfg.CheckpointEvery
	runs, err := sweepToy(ctx, run, label, specs, sc, func(i int, res tms.Result) CorrelatedRun {
		return readCorrelated(setups[i/len(cfg.Probabilities)], res)
	})
	if err != nil {
		return CorrelatedSummary{}, err
	}
	if err := run.shardDone(); err != nil {
		return CorrelatedSummary{}, err
	}
	sum := CorrelatedSummary{Experiment: "correlated", Config: cfg, Setups: setups, Runs: runs}
	return sum, nil
}

// readCorrelated measures the cosines within the sets of one trained instance.
func readCorrelated(s CorrelatedSetup, res tms.Result) CorrelatedRun {
	W := res.W()
	r := CorrelatedRun{
		Setup: s.Name, FeatureProbability: res.Data.Probability[0], Seed: res.Seed, Loss: res.Loss, LossTrend: interp.LossTrend(res.TrainLoss),
		W: W, B: res.B(), Norms: interp.Norms(W),
		CorrelatedOrthogonal: true, AnticorrelatedAntipodal: true, Collapsed: [][]int{},
	}
	for _, set := range s.Correlated {
		c := interp.Cosine(W, set[0], set[1])
		r.Pairs = append(r.Pairs, SetCosine{Kind: "correlated", Features: set, Cosine: c})
		r.CorrelatedOrthogonal = r.CorrelatedOrthogonal && math.Abs(c) < 0.1
		if c > 0.9 {
			r.Collapsed = append(r.Collapsed, set)
		}
	}
	for _, set := range s.Anticorrelated {
		c := interp.Cosine(W, set[0], set[1])
		r.Pairs = append(r.Pairs, SetCosine{Kind: "anticorrelated", Features: set, Cosine: c})
		r.AnticorrelatedAntipodal = r.AnticorrelatedAntipodal && c < -0.9
	}
	return r
}

// CorrelatedExperiment trains every one of CorrelatedSetups at the
// probabilities of cfg (TrainCorrelated) and writes into cfg.Out
// summary.json, the figures of CorrelatedFigures and report.html.
func CorrelatedExperiment(ctx context.Context, run Run, cfg CorrelatedConfig) error {
	sum, err := TrainCorrelated(ctx, run, "correlated", cfg, CorrelatedSetups)
	if err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title:  "Toy Models of Superposition: correlated and anticorrelated features",
		Intro:  "Four or six features of equal importance in two dimensions, grouped in sets that are active together (correlated) or never together (anticorrelated).",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) { return CorrelatedFigures(out, "correlated", sum) })
}

// CorrelatedFigures draws the feature directions of every setup and returns the report
// sections reading them.
func CorrelatedFigures(out, prefix string, sum CorrelatedSummary) ([]interp.Section, error) {
	var sections []interp.Section
	for k, s := range sum.Setups {
		sec := interp.Section{Heading: fmt.Sprintf("%s (n = %d, m = 2)", s.Name, s.Features)}
		var names []string
		var trends []interp.Trend
		var losses []float64
		var panels []interp.DirectionPanel
		table := interp.Table{Caption: "Per feature probability: the cosine between the two features of each set, and the arrangement it makes.",
			Header: []string{"p = 1 − S"}}
		for _, set := range s.Correlated {
			table.Header = append(table.Header, fmt.Sprintf("cos(W%d, W%d), correlated", set[0], set[1]))
		}
		for _, set := range s.Anticorrelated {
			table.Header = append(table.Header, fmt.Sprintf("cos(W%d, W%d), anticorrelated", set[0], set[1]))
		}
		table.Header = append(table.Header, "arrangement", "loss", "still falling")
		colors := make([]color.Color, s.Features)
		for j, set := range append(append([][]int{}, s.Correlated...), s.Anticorrelated...) {
			for _, f := range set {
				colors[f] = interp.Color(j)
			}
		}
		for _, r := range sum.Runs {
			if r.Setup != s.Name {
				continue
			}
			panels = append(panels, interp.DirectionPanel{Title: fmt.Sprintf("p = %.3g", r.FeatureProbability), W: r.W, Colors: colors})
			names, trends, losses = append(names, "p = "+sig(r.FeatureProbability)), append(trends, r.LossTrend), append(losses, r.Loss)
			row := []string{sig(r.FeatureProbability)}
			for _, pc := range r.Pairs {
				row = append(row, sig0(pc.Cosine))
			}
			table.Rows = append(table.Rows, append(row, arrangement(s, r), sig(r.Loss), falling(r.LossTrend)))
		}
		sec.Tables = []interp.Table{table}
		sec.Warnings = nonEmpty(failureWarning("models", names, losses), convergenceWarning("models", names, trends))
		path := filepath.Join(out, fmt.Sprintf("%s_%d.png", prefix, k))
		if err := interp.SaveDirections(path, 5, panels); err != nil {
			return nil, err
		}
		sec.Figures = []interp.Figure{{Path: path, Caption: "Feature directions Wᵢ; features of one set share a colour."}}
		sections = append(sections, sec)
	}
	return sections, nil
}

// arrangement names how the sets of s sit in run r.
func arrangement(s CorrelatedSetup, r CorrelatedRun) string {
	switch {
	case math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0):
		return "failed (loss " + sig(r.Loss) + ")"
	case len(s.Correlated) > 0 && r.CorrelatedOrthogonal:
		return "correlated pairs orthogonal"
	case len(s.Anticorrelated) > 0 && r.AnticorrelatedAntipodal:
		return "anticorrelated pairs antipodal"
	case len(r.Collapsed) > 0:
		var ps []string
		for _, c := range r.Collapsed {
			ps = append(ps, fmt.Sprintf("(%d, %d)", c[0], c[1]))
		}
		return fmt.Sprintf("%d pair(s) collapsed onto (a+b)/√2: %s", len(r.Collapsed), strings.Join(ps, " "))
	case sideBySide(r.Pairs):
		return "pairs side by side: neighbours at about 60° (cos ≈ 0.5), as in a hexagon, none collapsed"
	}
	return "no clean arrangement"
}

// sideBySide reports whether every correlated pair sits as neighbours at
// roughly 60° (0.3 < cos < 0.7), the hexagon arrangement.
func sideBySide(pairs []SetCosine) bool {
	n := 0
	for _, p := range pairs {
		if p.Kind != "correlated" {
			continue
		}
		if p.Cosine <= 0.3 || p.Cosine >= 0.7 {
			return false
		}
		n++
	}
	return n > 0
}
