package paper

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// RunToy trains one instance per (model kind, probability) of t, best of
// t.Restarts, and returns their summary records, kinds outermost. With
// run.Shards, the instances are the units split between shards; a shard's
// RunToy returns ErrShardDone.
func RunToy(ctx context.Context, run Run, label string, t Toy) ([]interp.ToyRun, error) {
	if t.Hidden >= t.Features {
		run.log().Warnf("hidden m = %d ≥ features n = %d: every feature can get its own dimension, so expect no superposition", t.Hidden, t.Features)
	}
	kinds, err := t.Kinds()
	if err != nil {
		return nil, err
	}
	imp := toy.Geometric(t.Features, t.Importance)
	var specs []tms.Spec
	for _, k := range kinds {
		for _, p := range t.Probabilities {
			specs = append(specs, tms.Spec{
				Model: tms.Config{Kind: k, Features: t.Features, Hidden: t.Hidden, Importance: imp},
				Data:  toy.Config{Features: t.Features, Probability: []float64{p}, Signed: k == tms.AbsVal},
			})
		}
	}
	sc := tms.SweepConfig{
		Train:       graph.Config{Steps: t.Steps, Batch: t.Batch, LR: t.LR, Schedule: graph.Constant},
		Restarts:    t.Restarts,
		Seed:        t.Seed,
		EvalSamples: t.EvalSamples,
	}
	sc.CheckpointDir, sc.CheckpointEvery = t.sweepDir(label), t.CheckpointEvery
	runs, err := sweepToy(ctx, run, label, specs, sc, func(_ int, r tms.Result) interp.ToyRun {
		tr := interp.ToyRun{
			Model:              string(r.Model.Kind),
			Features:           r.Model.Features,
			Hidden:             r.Model.Hidden,
			FeatureProbability: r.Data.Probability[0],
			Importance:         r.Model.Importance,
			Seed:               r.Seed,
			Restart:            r.Restart,
			Loss:               r.Loss,
			RestartLosses:      r.RestartLosses,
			W:                  r.W(),
			B:                  r.B(),
			W2:                 r.Params.Matrix(tms.ParamW2),
			LossTrend:          interp.LossTrend(r.TrainLoss),
		}
		tr.Measure()
		return tr
	})
	if err != nil {
		return nil, err
	}
	return runs, run.shardDone()
}

// sweepToy trains specs with sc (the units of a sharded run) and returns
// read(i, result) for every instance i, in order.
func sweepToy[T any](ctx context.Context, run Run, label string, specs []tms.Spec, sc tms.SweepConfig, read func(i int, r tms.Result) T) ([]T, error) {
	tc := sc.Train
	costs := make([]float64, len(specs))
	for i, s := range specs {
		costs[i] = toyCost(s.Model.Features, s.Model.Hidden, tc.Steps, tc.Batch, sc.Restarts)
	}
	return runUnits(ctx, run, label, costs, func(ctx context.Context, only []int) ([]T, error) {
		prog := run.progress(label, len(only)*sc.Restarts*tc.Steps)
		results, err := tms.SweepInstances(ctx, specs, only, sc, run.trainOptions(prog)...)
		prog.Finish()
		if err != nil {
			return nil, err
		}
		resumed := 0
		for _, r := range results {
			resumed += r.Resumed
		}
		if resumed > 0 {
			run.log().Warnf("%s: resumed %d of %d models from the checkpoints in %s", label, resumed, len(only)*sc.Restarts, sc.CheckpointDir)
		}
		out := make([]T, len(results))
		for j, r := range results {
			out[j] = read(only[j], r)
		}
		return out, nil
	})
}

// ModelNames are the report names of the toy model kinds.
var ModelNames = map[string]string{
	string(tms.ReLUOutput): "ReLU-output model",
	string(tms.Linear):     "linear model",
	string(tms.Privileged): "privileged-basis model",
	string(tms.AbsVal):     "absolute-value model",
}

// ToySections draws, for each model kind among runs, the WᵀW-and-b heat maps
// and (for m = 2) the feature directions into out with file names starting
// with prefix, and returns one report section per kind reading them.
func ToySections(out, prefix string, runs []interp.ToyRun) ([]interp.Section, error) {
	var order []string
	byKind := map[string][]interp.ToyRun{}
	for _, r := range runs {
		if byKind[r.Model] == nil {
			order = append(order, r.Model)
		}
		byKind[r.Model] = append(byKind[r.Model], r)
	}
	var sections []interp.Section
	for _, kind := range order {
		rs := byKind[kind]
		sec := interp.Section{Heading: fmt.Sprintf("%s, n = %d, m = %d", ModelNames[kind], rs[0].Features, rs[0].Hidden), Warnings: toyWarnings(rs)}
		var heat []interp.HeatPanel
		var dirs []interp.DirectionPanel
		for _, r := range rs {
			title := fmt.Sprintf("p = %.3g", r.FeatureProbability)
			heat = append(heat, interp.GramWithBias(title, r.W, r.B))
			dirs = append(dirs, interp.DirectionPanel{Title: title, W: r.W})
		}
		sec.Tables = []interp.Table{toyTable(rs)}
		gram := filepath.Join(out, fmt.Sprintf("%s_%s_gram.png", prefix, kind))
		if err := interp.SaveHeatmaps(gram, 5, heat); err != nil {
			return nil, err
		}
		sec.Figures = append(sec.Figures, interp.Figure{Path: gram,
			Caption: "WᵀW (features × features) and, beside it, the bias b for each feature probability p, on one colour scale (blue negative, white 0, red positive, ±1). " +
				"A diagonal block means features get their own dimensions; off-diagonal entries are interference; a negative b filters it out."})
		if rs[0].Hidden == 2 {
			path := filepath.Join(out, fmt.Sprintf("%s_%s_directions.png", prefix, kind))
			if err := interp.SaveDirections(path, 5, dirs); err != nil {
				return nil, err
			}
			sec.Figures = append(sec.Figures, interp.Figure{Path: path,
				Caption: "Feature directions Wᵢ in the 2-D hidden space (dark: most important feature, light: least)."})
		}
		sections = append(sections, sec)
	}
	return sections, nil
}

// ToyExperiment runs a toy-model sweep end to end: trains cfg, writes
// summary.json (experiment name, config, one record per model), the figures
// of ToySections and report.html, whose introduction intro writes from the
// trained runs.
func ToyExperiment(ctx context.Context, run Run, name string, cfg Toy, title string, intro func([]interp.ToyRun) string) error {
	runs, err := RunToy(ctx, run, name, cfg)
	if err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, interp.Summary{Experiment: name, Config: cfg, Runs: runs}, interp.Report{Title: title, Intro: intro(runs), Config: cfg},
		func(out string) ([]interp.Section, error) { return ToySections(out, name, runs) })
}

// DefaultIntroConfig is the intro figure of the paper: n = 5 features with
// importance 0.9ⁱ in m = 2 hidden dimensions, at ten feature probabilities
// from 1 to 0.05, for the ReLU-output and the linear model, best of 3
// restarts.
func DefaultIntroConfig() Toy {
	return Toy{
		Common:        Common{Out: "out/intro", Seed: 1, Steps: 10000, Restarts: 3},
		Features:      5,
		Hidden:        2,
		Importance:    0.9,
		Probabilities: toy.Powers(20, 0, 1, 10),
		Model:         "both",
		Training:      Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 20},
	}
}

// IntroExperiment reproduces the intro figure with cfg (see
// DefaultIntroConfig): the ToyExperiment named intro, whose report reads
// how the models pack features as they get sparser.
func IntroExperiment(ctx context.Context, run Run, cfg Toy) error {
	return ToyExperiment(ctx, run, "intro", cfg, "Toy Models of Superposition: the intro figure", func(runs []interp.ToyRun) string {
		return fmt.Sprintf("%d features of decreasing importance (Iᵢ = %.2gⁱ) squeezed into %d hidden dimensions, each active with probability p = 1 − S. "+
			"In the paper (5 features, 2 dimensions) dense features leave the ReLU-output model the two most important, orthogonal, like the linear model; "+
			"as they get sparser it packs more features into the plane: antipodal pairs, then a pentagon. Here: ",
			cfg.Features, cfg.Importance, cfg.Hidden) + strings.Join(SparsityReading(runs), " ")
	})
}

// DefaultBasicConfig is the basic results of the paper: n = 20 features
// with importance 0.7ⁱ in m = 5 hidden dimensions, at seven feature
// probabilities from 1 to 0.001, for the ReLU-output and the linear model.
func DefaultBasicConfig() Toy {
	return Toy{
		Common:        Common{Out: "out/basic", Seed: 1, Steps: 10000, Restarts: 1},
		Features:      20,
		Hidden:        5,
		Importance:    0.7,
		Probabilities: []float64{1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001},
		Model:         "both",
		Training:      Training{Batch: 1024, LR: 1e-3, EvalSamples: 1 << 20},
	}
}

// BasicExperiment reproduces the basic results with cfg (see
// DefaultBasicConfig): the ToyExperiment named basic, whose report reads
// the sparsity sweep and counts the represented features of every model.
func BasicExperiment(ctx context.Context, run Run, cfg Toy) error {
	return ToyExperiment(ctx, run, "basic", cfg, "Toy Models of Superposition: basic results", func(runs []interp.ToyRun) string {
		var counts []string
		for _, r := range runs {
			counts = append(counts, fmt.Sprintf("%s p=%.3g: %d", r.Model, r.FeatureProbability, r.Represented))
		}
		return fmt.Sprintf("%d features with importance %.2gⁱ in %d hidden dimensions, each active with probability p = 1 − S. ",
			cfg.Features, cfg.Importance, cfg.Hidden) + strings.Join(SparsityReading(runs), " ") +
			fmt.Sprintf(" Represented features (‖Wᵢ‖ > 0.5): %s.", strings.Join(counts, ", "))
	})
}

// fileName turns a label ("tour 1/6: intro") into a file name
// ("tour_1_6_intro").
func fileName(label string) string {
	var b strings.Builder
	under := false
	for _, r := range label {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.Trim(b.String(), "_")
}
