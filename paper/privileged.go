package paper

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/toymodels/superposition/interp"
)

// NeuronRun is a toy run of a model with a privileged hidden basis, read
// neuron by neuron.
type NeuronRun struct {
	interp.ToyRun
	interp.NeuronView
	// MaxInterference is the largest interference of a represented feature.
	MaxInterference float64 `json:"max_interference"`
	// PolysemanticFraction is the fraction of neurons that are polysemantic.
	PolysemanticFraction float64 `json:"polysemantic_fraction"`
	// MonosemanticFeatures are the features some neuron carries alone.
	MonosemanticFeatures []int `json:"monosemantic_features"`
	// Motifs are the asymmetric-superposition motifs (untied models only).
	Motifs []interp.Motif `json:"asymmetric_motifs,omitempty"`
}

// ReadNeurons reads the neurons of a trained run; signed says whether the
// inputs take both signs.
func ReadNeurons(r interp.ToyRun, signed bool) NeuronRun {
	nr := NeuronRun{ToyRun: r, NeuronView: interp.Neurons(r.W, signed)}
	for _, f := range r.RepresentedFeatures {
		nr.MaxInterference = math.Max(nr.MaxInterference, r.Interference[f])
	}
	nr.PolysemanticFraction = float64(nr.Polysemantic) / float64(len(r.W))
	nr.MonosemanticFeatures = nr.NeuronView.MonosemanticFeatures()
	if nr.MonosemanticFeatures == nil {
		nr.MonosemanticFeatures = []int{}
	}
	if r.W2 != nil {
		nr.Motifs = interp.AsymmetricMotifs(r.W, r.W2)
	}
	return nr
}

// DefaultPrivilegedConfig is the privileged-basis experiment of the paper:
// n = 10, m = 5, Iᵢ = 0.75ⁱ, best of 10 restarts (the paper kept the best of
// 1000).
func DefaultPrivilegedConfig() Toy {
	return Toy{
		Common:        Common{Out: "out/privileged", Seed: 1, Steps: 10000, Restarts: 10},
		Features:      10,
		Hidden:        5,
		Importance:    0.75,
		Probabilities: []float64{0.75, 0.35, 0.15, 0.1, 0.06, 0.04, 0.02, 0.01},
		Model:         "privileged",
		Training:      Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 18},
	}
}

// NeuronSections draws the per-neuron stacked bars of runs into out and
// returns a report section reading them.
func NeuronSections(out, prefix, heading string, runs []NeuronRun, signed bool) ([]interp.Section, error) {
	sec := interp.Section{Heading: heading}
	toyRuns := make([]interp.ToyRun, len(runs))
	for i, r := range runs {
		toyRuns[i] = r.ToyRun
	}
	sec.Warnings = toyWarnings(toyRuns)
	var panels []interp.NeuronPanel
	for _, r := range runs {
		panels = append(panels, interp.NeuronPanel{Title: fmt.Sprintf("p = %.3g", r.FeatureProbability), W: r.W, Signed: signed})
	}
	sec.Tables = []interp.Table{neuronTable(runs)}
	if len(runs) > 0 && len(runs[0].W) <= 12 {
		sec.Tables = append(sec.Tables, carryTable(runs[len(runs)-1]))
	}
	path := filepath.Join(out, prefix+"_neurons.png")
	if err := interp.SaveNeuronBars(path, 4, panels); err != nil {
		return nil, err
	}
	grey := ""
	if len(runs) > 0 && runs[0].Features > 8 {
		grey = ", and features 7 and beyond share one grey segment"
	}
	caption := fmt.Sprintf("One bar per neuron, stacked by the input weight it gives each feature, feature 0 (the most important) at the bottom; the legend names the colours"+grey+". "+
		"A neuron carries a feature when that weight is at least %.0f%% of its largest (and ≥ %.1f).", 100*interp.CarryFraction, interp.CarryMin)
	if !signed {
		caption += " Only positive weights are drawn: with non-negative inputs negative weights only inhibit."
	}
	sec.Figures = []interp.Figure{{Path: path, Caption: caption}}
	return []interp.Section{sec}, nil
}

// Top5Monosemantic reports whether the five most important features each sit
// alone on some neuron.
func Top5Monosemantic(r NeuronRun) bool {
	for f := 0; f < 5 && f < r.Features; f++ {
		if !slices.Contains(r.MonosemanticFeatures, f) {
			return false
		}
	}
	return true
}

// PrivilegedExperiment trains the privileged-basis sweep of cfg (see
// DefaultPrivilegedConfig), reads every model neuron by neuron and writes
// into cfg.Out summary.json (one NeuronRun per model), the neuron and WᵀW
// figures and report.html.
func PrivilegedExperiment(ctx context.Context, run Run, cfg Toy) error {
	toyRuns, err := RunToy(ctx, run, "privileged", cfg)
	if err != nil {
		return err
	}
	runs := make([]NeuronRun, len(toyRuns))
	for i, r := range toyRuns {
		runs[i] = ReadNeurons(r, false)
	}
	return WriteOutputs(cfg.Out, interp.Summary{Experiment: "privileged", Config: cfg, Runs: runs}, interp.Report{
		Title: "Toy Models of Superposition: superposition in a privileged basis",
		Intro: "A ReLU on the hidden layer gives its neurons meaning. In the paper dense features get one neuron each, and " +
			"sparse features are packed into superposition, so the neurons become polysemantic. Here: " + PrivilegedReading(runs),
		Config: cfg,
	}, func(out string) ([]interp.Section, error) {
		sections, err := NeuronSections(out, "privileged", "Neurons of the privileged-basis model", runs, false)
		if err != nil {
			return nil, err
		}
		gram, err := ToySections(out, "privileged", toyRuns)
		return append(sections, gram...), err
	})
}
