// Command correlated reproduces "Superposition with Correlated Features" of
// Toy Models of Superposition: m = 2, uniform importance, and features in
// correlated sets (active together) or anticorrelated sets (never active
// together), at feature probabilities p = 400^(−linspace(0.5, 1, 5)):
//
//   - two correlated pairs (n = 4): correlated features end orthogonal;
//
//   - two anticorrelated pairs (n = 4): anticorrelated features end antipodal;
//
//   - three correlated pairs (n = 6): side by side at high sparsity, and each
//     pair collapsing onto one direction (a+b)/√2 at lower sparsity.
//
//     go run ./experiments/correlated [-out out/correlated] [-seed 1] [-steps 10000] [-restarts 3]
//
// It writes summary.json (per instance the cosines within each set and
// whether correlated pairs are orthogonal, anticorrelated ones antipodal, and
// which pairs collapsed), correlated_*.png, report.html and timing.json.
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// Config is correlated's configuration.
type Config struct {
	cli.Common
	// Probabilities are the feature probabilities, one instance each.
	Probabilities []float64 `json:"probabilities"`
	// Batch is the batch size.
	Batch int `json:"batch"`
	// LR is Adam's learning rate.
	LR float64 `json:"lr"`
	// EvalSamples is the number of fresh samples behind each loss used to
	// pick the best restart.
	EvalSamples int `json:"eval_samples"`
}

// DefaultConfig is the paper's setup.
func DefaultConfig() Config {
	return Config{
		Common:        cli.Common{Out: "out/correlated", Seed: 1, Steps: 10000, Restarts: 10},
		Probabilities: toy.Powers(400, 0.5, 1, 5),
		Batch:         1024, LR: 1e-3, EvalSamples: 1 << 18,
	}
}

// Register adds correlated's flags to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	c.Common.Register(fs)
	fs.Var(cli.FloatList(&c.Probabilities), "probabilities", "comma-separated feature probabilities, each in (0, 0.5]")
	fs.IntVar(&c.Batch, "batch", c.Batch, "batch size")
	fs.Float64Var(&c.LR, "lr", c.LR, "Adam learning rate")
	fs.IntVar(&c.EvalSamples, "eval-samples", c.EvalSamples, "fresh samples per loss used to pick restarts")
}

// Validate names the first bad flag.
func (c Config) Validate() error {
	if err := c.Common.Validate(); err != nil {
		return err
	}
	if len(c.Probabilities) == 0 {
		return fmt.Errorf("-probabilities: need at least one value")
	}
	for _, p := range c.Probabilities {
		if !(p > 0 && p <= 0.5) {
			return fmt.Errorf("-probabilities: %v outside (0, 0.5] (an anticorrelated pair needs 2p ≤ 1)", p)
		}
	}
	switch {
	case c.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("-lr %v: must be a positive number", c.LR)
	case c.EvalSamples < 1:
		return fmt.Errorf("-eval-samples %d: must be at least 1", c.EvalSamples)
	}
	return nil
}

// Setup is one arrangement of feature sets.
type Setup struct {
	Name           string  `json:"name"`
	Features       int     `json:"features"`
	Correlated     [][]int `json:"correlated,omitempty"`
	Anticorrelated [][]int `json:"anticorrelated,omitempty"`
}

// Setups are the paper's three arrangements.
var Setups = []Setup{
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

// Run is one trained instance and its reading.
type Run struct {
	Setup              string      `json:"setup"`
	FeatureProbability float64     `json:"feature_probability"`
	Seed               uint64      `json:"seed"`
	Loss               float64     `json:"loss"`
	W                  [][]float64 `json:"W"`
	B                  []float64   `json:"b"`
	Norms              []float64   `json:"norms"`
	Pairs              []SetCosine `json:"pairs"`
	// CorrelatedOrthogonal: every correlated pair has |cos| < 0.1.
	CorrelatedOrthogonal bool `json:"correlated_orthogonal"`
	// AnticorrelatedAntipodal: every anticorrelated pair has cos < −0.9.
	AnticorrelatedAntipodal bool `json:"anticorrelated_antipodal"`
	// Collapsed lists the correlated pairs whose members point the same way
	// (cos > 0.9): the model stores (a+b)/√2 instead of a and b.
	Collapsed [][]int `json:"collapsed"`
}

// Summary is correlated's summary.json.
type Summary struct {
	Experiment string  `json:"experiment"`
	Config     Config  `json:"config"`
	Setups     []Setup `json:"setups"`
	Runs       []Run   `json:"runs"`
}

func main() {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("correlated", flag.ContinueOnError)
	cfg.Register(fs)
	os.Exit(cli.Main("correlated", fs, os.Args[1:], cfg.Validate, &cfg.Out, func(ctx context.Context, env cli.Env) error {
		return run(ctx, env, cfg)
	}))
}

func run(ctx context.Context, env cli.Env, cfg Config) error {
	sum, err := Train(ctx, env, "correlated", cfg, Setups)
	if err != nil {
		return err
	}
	if err := interp.WriteJSON(filepath.Join(cfg.Out, "summary.json"), sum); err != nil {
		return err
	}
	sections, err := Figures(cfg.Out, "correlated", sum)
	if err != nil {
		return err
	}
	return interp.Report{
		Title:    "Toy Models of Superposition: correlated and anticorrelated features",
		Intro:    "Four or six features of equal importance in two dimensions, grouped in sets that are active together (correlated) or never together (anticorrelated).",
		Sections: sections,
		Config:   cfg,
	}.Write(filepath.Join(cfg.Out, "report.html"))
}

// Train trains every setup at every probability, best of cfg.Restarts.
func Train(ctx context.Context, env cli.Env, label string, cfg Config, setups []Setup) (Summary, error) {
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
	prog := env.Progress(label, len(specs)*cfg.Restarts*cfg.Steps)
	results, err := tms.Sweep(ctx, specs, sc, env.TrainOptions(prog)...)
	prog.Finish()
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Experiment: "correlated", Config: cfg, Setups: setups}
	for i, res := range results {
		setup := setups[i/len(cfg.Probabilities)]
		sum.Runs = append(sum.Runs, read(setup, res))
	}
	return sum, nil
}

// read measures the cosines within the sets of one trained instance.
func read(s Setup, res tms.Result) Run {
	W := res.W()
	r := Run{
		Setup: s.Name, FeatureProbability: res.Data.Probability[0], Seed: res.Seed, Loss: res.Loss,
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

// Figures draws the feature directions of every setup and returns the report
// sections reading them.
func Figures(out, prefix string, sum Summary) ([]interp.Section, error) {
	var sections []interp.Section
	for k, s := range sum.Setups {
		sec := interp.Section{Heading: fmt.Sprintf("%s (n = %d, m = 2)", s.Name, s.Features)}
		var panels []interp.DirectionPanel
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
			line := fmt.Sprintf("p = %.3g:", r.FeatureProbability)
			for _, pc := range r.Pairs {
				line += fmt.Sprintf(" cos(W%d, W%d) = %+.2f (%s);", pc.Features[0], pc.Features[1], pc.Cosine, pc.Kind)
			}
			switch {
			case len(s.Correlated) > 0 && r.CorrelatedOrthogonal:
				line += " correlated pairs orthogonal."
			case len(s.Anticorrelated) > 0 && r.AnticorrelatedAntipodal:
				line += " anticorrelated pairs antipodal."
			case len(r.Collapsed) > 0:
				line += fmt.Sprintf(" %d pair(s) collapsed onto (a+b)/√2: %v.", len(r.Collapsed), r.Collapsed)
			default:
				line += " no clean arrangement."
			}
			sec.Paragraphs = append(sec.Paragraphs, line)
		}
		path := filepath.Join(out, fmt.Sprintf("%s_%d.png", prefix, k))
		if err := interp.SaveDirections(path, 5, panels); err != nil {
			return nil, err
		}
		sec.Figures = []interp.Figure{{Path: path, Caption: "Feature directions Wᵢ; features of one set share a colour."}}
		sections = append(sections, sec)
	}
	return sections, nil
}
