package paper

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/toymodels/superposition/interp"
)

// AbsVal is the configuration of the |x| experiment (computation in
// superposition): a sweep of the absolute-value model and, with Small, the
// n = 3, m = 6 model before it.
type AbsVal struct {
	Toy
	// Small also trains the n = 3, m = 6 model (with Steps, at most 10,000).
	Small bool `json:"small"`
}

// DefaultAbsVal is the |x| experiment of the paper: the sweep of
// DefaultAbsValConfig and the small model.
func DefaultAbsVal() AbsVal { return AbsVal{Toy: DefaultAbsValConfig(), Small: true} }

// AbsValSmall is the reading of the n = 3, m = 6 |x| model.
type AbsValSmall struct {
	Run NeuronRun `json:"run"`
	// PlusMinus: every feature has one positive and one negative neuron, each
	// neuron's input weights one-hot within 0.05.
	PlusMinus bool   `json:"plus_minus"`
	Why       string `json:"why"`
}

// AbsValLarge is the reading of one run of the |x| sweep.
type AbsValLarge struct {
	NeuronRun
	Top5Monosemantic bool `json:"top5_monosemantic"`
}

// AbsValSummary is the summary.json of the |x| experiment.
type AbsValSummary struct {
	Experiment string        `json:"experiment"`
	Config     AbsVal        `json:"config"`
	Small      *AbsValSmall  `json:"small,omitempty"`
	Runs       []AbsValLarge `json:"runs"`
}

// AbsValExperiment trains the |x| models of cfg (see DefaultAbsVal), reads
// them neuron by neuron and writes into cfg.Out their AbsValSummary as
// summary.json, the neuron figures and report.html. The small model is not
// split between shards.
func AbsValExperiment(ctx context.Context, run Run, cfg AbsVal) error {
	sum := AbsValSummary{Experiment: "absval", Config: cfg}
	var sections []interp.Section
	if cfg.Small {
		sc := SmallAbsValConfig(min(cfg.Steps, 10000))
		sc.Out, sc.Seed = cfg.Out, cfg.Seed
		sc.Checkpoint, sc.CheckpointEvery = cfg.Checkpoint, cfg.CheckpointEvery
		runs, err := RunToy(ctx, run.Unsharded(), "absval n=3", sc)
		if err != nil {
			return err
		}
		small := &AbsValSmall{Run: ReadNeurons(runs[0], true)}
		small.PlusMinus, small.Why = PlusMinus(runs[0].W, 0.05)
		sum.Small = small
		secs, err := NeuronSections(cfg.Out, "absval_small", "n = 3, m = 6", []NeuronRun{small.Run}, true)
		if err != nil {
			return err
		}
		secs[0].Paragraphs = append(secs[0].Paragraphs, fmt.Sprintf("Loss %.2g; %s.", small.Run.Loss, small.Why))
		sections = append(sections, secs...)
	}
	runs, err := RunToy(ctx, run, "absval", cfg.Toy)
	if err != nil {
		return err
	}
	var neuronRuns []NeuronRun
	for _, r := range runs {
		nr := ReadNeurons(r, true)
		neuronRuns = append(neuronRuns, nr)
		sum.Runs = append(sum.Runs, AbsValLarge{NeuronRun: nr, Top5Monosemantic: Top5Monosemantic(nr)})
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title:  "Toy Models of Superposition: computation in superposition (|x|)",
		Intro:  "An untied model with a ReLU hidden layer computes |x| = ReLU(x) + ReLU(−x). In the paper, with dense features each feature gets two neurons (one for x > 0, one for x < 0); with sparse features neurons are shared.",
		Config: cfg,
	}, func(out string) ([]interp.Section, error) {
		secs, err := NeuronSections(out, "absval", fmt.Sprintf("n = %d, m = %d, Iᵢ = %.2gⁱ", cfg.Features, cfg.Hidden, cfg.Importance), neuronRuns, true)
		if err != nil {
			return nil, err
		}
		t := interp.Table{Caption: "Per feature probability: the share of polysemantic neurons, and whether each of the five most important features sits alone on some neuron.",
			Header: []string{"p = 1 − S", "polysemantic neurons", "top five each alone on a neuron"}}
		for _, r := range sum.Runs {
			alone := "no"
			if r.Top5Monosemantic {
				alone = "yes"
			}
			t.Rows = append(t.Rows, []string{strconv.FormatFloat(r.FeatureProbability, 'g', 3, 64), strconv.FormatFloat(100*r.PolysemanticFraction, 'g', 3, 64) + "%", alone})
		}
		secs[0].Tables = append([]interp.Table{t}, secs[0].Tables...)
		return append(sections, secs...), nil
	})
}

// DefaultAbsValConfig is the large |x| experiment: n = 100, m = 40,
// Iᵢ = 0.8ⁱ, inputs U[−1, 1], 30,000 steps, best of 3: about one run in three
// stalls in a poor minimum (loss ten times higher, the most important
// features sharing neurons), so a single run is not enough.
func DefaultAbsValConfig() Toy {
	return Toy{
		Common:        Common{Out: "out/absval", Seed: 1, Steps: 30000, Restarts: 3},
		Features:      100,
		Hidden:        40,
		Importance:    0.8,
		Probabilities: []float64{1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001},
		Model:         "absval",
		Training:      Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 16},
	}
}

// SmallAbsValConfig is the n = 3, m = 6 |x| model: every feature should get
// a ReLU(x) and a ReLU(−x) neuron.
func SmallAbsValConfig(steps int) Toy {
	c := DefaultAbsValConfig()
	c.Features, c.Hidden, c.Importance, c.Probabilities, c.Steps, c.Restarts = 3, 6, 1, []float64{1}, steps, 3
	c.EvalSamples = 1 << 18
	return c
}

// PlusMinus reports, for the n = 3, m = 6 |x| model, whether every feature
// has one neuron with a positive and one with a negative input weight, every
// neuron's input weights being one-hot within tol (the other weights at most
// tol of the largest).
func PlusMinus(W [][]float64, tol float64) (ok bool, why string) {
	n := len(W[0])
	pos, neg := make([]int, n), make([]int, n)
	for j, row := range W {
		big := 0
		for i := range row {
			if math.Abs(row[i]) > math.Abs(row[big]) {
				big = i
			}
		}
		for i, w := range row {
			if i != big && math.Abs(w) > tol*math.Abs(row[big]) {
				return false, fmt.Sprintf("neuron %d is not one-hot: weights %.3f", j, row)
			}
		}
		if row[big] > 0 {
			pos[big]++
		} else {
			neg[big]++
		}
	}
	for i := 0; i < n; i++ {
		if pos[i] != 1 || neg[i] != 1 {
			return false, fmt.Sprintf("feature %d has %d positive and %d negative neurons", i, pos[i], neg[i])
		}
	}
	return true, "every feature has one ReLU(x) and one ReLU(−x) neuron"
}
