// Command tour is the project's short end-to-end run: it reproduces, at
// reduced scale, the intro figure, the geometry of superposition, the phase
// diagram, the correlated-features results and the privileged-basis (neuron)
// results of Toy Models of Superposition, then ends with Towards
// Monosemanticity on a toy model: sparse autoencoders turn its polysemantic
// neurons into monosemantic latents. It writes out/tour/report.html with every figure and a reading of it. It
// takes a few minutes on two cores.
//
//	go run ./experiments/tour [-out out/tour] [-seed 1] [-steps N] [-restarts K] [-v]
//
// -steps and -restarts, when set, override every stage's own reduced scale.
// The full-scale runs are the other experiments (intro, basic, geometry,
// phase, correlated, privileged, absval, decompose).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/toymodels/superposition/experiments/internal/cli"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/paper"
	"github.com/toymodels/superposition/toy"
)

// Config is the tour's configuration: one reduced configuration per stage.
type Config struct {
	// Out is the output folder.
	Out string `json:"-"`
	// Seed is every stage's seed.
	Seed uint64 `json:"seed"`
	// Steps and Restarts override every stage's when positive.
	Steps    int  `json:"steps_override,omitempty"`
	Restarts int  `json:"restarts_override,omitempty"`
	Verbose  bool `json:"-"`

	Intro      paper.Toy              `json:"intro"`
	Geometry   paper.Toy              `json:"geometry"`
	Phase      paper.PhaseConfig      `json:"phase"`
	Correlated paper.CorrelatedConfig `json:"correlated"`
	Privileged paper.Toy              `json:"privileged"`
	AbsVal     paper.Toy              `json:"absval"`
	Decompose  paper.DecomposeConfig  `json:"decompose"`
	// LM is the last stage, a one-layer byte transformer on Go's standard
	// library; null skips it.
	LM *paper.LMConfig `json:"lm,omitempty"`
	// Mono, after LM, trains a sparse autoencoder on the briefly trained
	// transformer's MLP (a short experiments/monosemanticity); null skips
	// it, as does a null LM.
	Mono *paper.MonoConfig `json:"monosemanticity,omitempty"`
}

// DefaultConfig is the reduced scale that keeps the tour short.
func DefaultConfig() Config {
	intro := paper.Toy{
		Common:   paper.Common{Steps: 4000, Restarts: 3},
		Features: 5, Hidden: 2, Importance: 0.9,
		Probabilities: toy.Powers(20, 0, 1, 10),
		Model:         "both", Training: paper.Training{Batch: 1024, LR: 3e-3, EvalSamples: 1 << 17},
	}
	geometry := paper.Toy{
		Common:   paper.Common{Steps: 3000, Restarts: 1},
		Features: 100, Hidden: 10, Importance: 1,
		Probabilities: toy.Powers(20, 0, 1, 10),
		Model:         "relu", Training: paper.Training{Batch: 1024, LR: 3e-3, EvalSamples: 1 << 15},
	}
	phase := paper.DefaultPhaseConfig()
	phase.Grid, phase.Steps, phase.Restarts, phase.EvalSamples = 6, 2000, 2, 1<<15
	correlated := paper.DefaultCorrelatedConfig()
	correlated.Steps, correlated.Restarts, correlated.LR, correlated.EvalSamples = 3000, 6, 5e-3, 1<<16
	privileged := paper.DefaultPrivilegedConfig()
	privileged.Steps, privileged.Restarts, privileged.LR, privileged.EvalSamples = 3000, 3, 3e-3, 1<<16
	absval := paper.DefaultAbsValConfig()
	absval.Features, absval.Hidden, absval.Importance = 40, 16, 0.8
	absval.Probabilities = []float64{1, 0.1, 0.01, 0.001}
	absval.Steps, absval.LR, absval.EvalSamples = 3000, 3e-3, 1<<15
	decompose := paper.DefaultDecomposeConfig()
	decompose.ToySteps, decompose.SAESteps, decompose.EvalSamples = 5000, 4000, 1<<15
	decompose.Variants = []string{"topk", "relu-l1"}
	lm := paper.DefaultLMConfig()
	lm.Steps, lm.EvalEvery, lm.EvalWindows, lm.Samples, lm.SampleBytes = 300, 50, 128, 2, 160
	mono := paper.DefaultMonoConfig()
	mono.Sizes, mono.K, mono.SAESteps, mono.Batch, mono.BufferRows, mono.EvalWindows, mono.RandomBaseline = []int{1024}, 16, 150, 1024, 1<<14, 512, false
	return Config{Out: "out/tour", Seed: 1, Intro: intro, Geometry: geometry, Phase: phase, Correlated: correlated,
		Privileged: privileged, AbsVal: absval, Decompose: decompose, LM: &lm, Mono: &mono}
}

// Register adds the tour's flags to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed of every stage")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps per model in every stage (0: each stage's reduced default)")
	fs.IntVar(&c.Restarts, "restarts", c.Restarts, "restarts per instance in every stage (0: each stage's default)")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "log per-step detail")
}

// resolve copies the shared flags into every stage.
func (c Config) resolve() Config {
	for _, s := range []*paper.Common{&c.Intro.Common, &c.Geometry.Common, &c.Phase.Common, &c.Correlated.Common, &c.Privileged.Common, &c.AbsVal.Common} {
		s.Out, s.Seed, s.Verbose = c.Out, c.Seed, c.Verbose
		if c.Steps > 0 {
			s.Steps = c.Steps
		}
		if c.Restarts > 0 {
			s.Restarts = c.Restarts
		}
	}
	c.Decompose.Out, c.Decompose.Seed, c.Decompose.Verbose = c.Out, c.Seed, c.Verbose
	if c.Steps > 0 {
		c.Decompose.ToySteps, c.Decompose.SAESteps = c.Steps, c.Steps
	}
	if c.Restarts > 0 {
		c.Decompose.ToyRestarts = c.Restarts
	}
	c.Decompose = c.Decompose.Resolved()
	if c.LM != nil {
		lm := *c.LM
		lm.Out, lm.Seed, lm.Verbose = filepath.Join(c.Out, "lm"), c.Seed, c.Verbose
		if c.Steps > 0 {
			lm.Steps = c.Steps
		}
		lm = lm.WithDefaults()
		c.LM = &lm
	}
	if c.Mono != nil {
		mono := *c.Mono
		mono.Out, mono.Seed, mono.Verbose = filepath.Join(c.Out, "monosemanticity"), c.Seed, c.Verbose
		if c.LM != nil {
			mono.LM, mono.Root = c.LM.Out, c.LM.Root
		}
		c.Mono = &mono
	}
	return c
}

// Validate names the first bad flag.
func (c Config) Validate() error {
	if c.Steps < 0 {
		return fmt.Errorf("-steps %d: must not be negative", c.Steps)
	}
	if c.Restarts < 0 {
		return fmt.Errorf("-restarts %d: must not be negative", c.Restarts)
	}
	r := c.resolve()
	stages := []struct {
		name string
		err  error
	}{
		{"intro", cli.Toy{Toy: r.Intro}.Validate()}, {"geometry", cli.Toy{Toy: r.Geometry}.Validate()},
		{"phase", cli.Phase{PhaseConfig: r.Phase}.Validate()}, {"correlated", cli.Correlated{CorrelatedConfig: r.Correlated}.Validate()},
		{"privileged", cli.Toy{Toy: r.Privileged}.Validate()}, {"absval", cli.Toy{Toy: r.AbsVal}.Validate()},
		{"decompose", cli.Decompose{DecomposeConfig: r.Decompose}.Validate()}, {"lm", validateLM(r.LM)}, {"monosemanticity", validateMono(r)},
	}
	// The shared flags reach every stage: report a bad one once, unprefixed.
	for _, st := range stages {
		if st.err == nil {
			continue
		}
		for _, shared := range []string{"-out", "-steps", "-restarts", "-seed"} {
			if strings.HasPrefix(st.err.Error(), shared+" ") || strings.HasPrefix(st.err.Error(), shared+":") {
				return st.err
			}
		}
		return fmt.Errorf("the %s stage: %w", st.name, st.err)
	}
	return nil
}

func validateMono(c Config) error {
	switch {
	case c.Mono == nil:
		return nil
	case c.LM == nil:
		return errors.New("needs the lm stage (its model): give both or set monosemanticity to null")
	}
	return c.Mono.Validate()
}

func validateLM(c *paper.LMConfig) error {
	if c == nil {
		return nil
	}
	return c.Validate()
}

// Summary is the tour's summary.json.
type Summary struct {
	Experiment string                  `json:"experiment"`
	Config     Config                  `json:"config"`
	Intro      []interp.ToyRun         `json:"intro"`
	Geometry   []paper.GeometryPoint   `json:"geometry"`
	Phase      paper.PhaseSummary      `json:"phase"`
	Correlated paper.CorrelatedSummary `json:"correlated"`
	Privileged []paper.NeuronRun       `json:"privileged"`
	AbsVal     []paper.NeuronRun       `json:"absval"`
	Decompose  paper.DecomposeSummary  `json:"decompose"`
	LM         *paper.LMResult         `json:"lm,omitempty"`
	Mono       *paper.MonoResult       `json:"monosemanticity,omitempty"`
}

func main() { cli.Exit(exitCode) }

// exitCode runs the experiment with args and returns its exit status.
func exitCode(args []string) int {
	cfg := DefaultConfig()
	return cli.Command("tour", args, &cfg, &cfg.Out, func(ctx context.Context, r paper.Run) error { return run(ctx, r, cfg) })
}

func run(ctx context.Context, r paper.Run, cfg Config) error {
	cfg = cfg.resolve()
	sum := Summary{Experiment: "tour", Config: cfg}
	var sections []interp.Section

	intro, err := paper.RunToy(ctx, r, "tour 1/7: intro", cfg.Intro)
	if err != nil {
		return err
	}
	sum.Intro = intro
	introSections, err := paper.ToySections(cfg.Out, "intro", intro)
	if err != nil {
		return err
	}
	sections = append(sections, interp.Section{
		Heading: "1. Superposition as features get sparser",
		Paragraphs: append([]string{fmt.Sprintf("A model with %d hidden dimensions must reconstruct %d features of decreasing importance (Iᵢ = %.2gⁱ), "+
			"each active with probability p = 1 − S.", cfg.Intro.Hidden, cfg.Intro.Features, cfg.Intro.Importance)},
			paper.SparsityReading(intro)...),
	})
	sections = append(sections, nest(introSections)...)

	geom, err := paper.RunToy(ctx, r, "tour 2/7: geometry", cfg.Geometry)
	if err != nil {
		return err
	}
	for _, r := range geom {
		sum.Geometry = append(sum.Geometry, paper.MeasureGeometry(r))
	}
	geomSections, err := paper.GeometryFigures(cfg.Out, "geometry", geom)
	if err != nil {
		return err
	}
	geomSections[0].Heading = fmt.Sprintf("2. The geometry of superposition (n = %d, m = %d)", cfg.Geometry.Features, cfg.Geometry.Hidden)
	sections = append(sections, geomSections...)

	phase, err := paper.TrainPhase(ctx, r, "tour 3/7: phase", cfg.Phase)
	if err != nil {
		return err
	}
	sum.Phase = phase
	phaseSections, err := paper.PhaseFigures(cfg.Out, "phase", phase)
	if err != nil {
		return err
	}
	phaseSections[0].Heading = "3. Superposition as a phase change: " + phaseSections[0].Heading
	sections = append(sections, phaseSections[0])
	sections = append(sections, nest(phaseSections[1:])...)

	corr, err := paper.TrainCorrelated(ctx, r, "tour 4/7: correlated", cfg.Correlated, paper.CorrelatedSetups)
	if err != nil {
		return err
	}
	sum.Correlated = corr
	corrSections, err := paper.CorrelatedFigures(cfg.Out, "correlated", corr)
	if err != nil {
		return err
	}
	sections = append(sections, interp.Section{Heading: "4. Correlated and anticorrelated features",
		Paragraphs: []string{"Features of equal importance in two dimensions, grouped in sets whose features are active together (correlated) or never together (anticorrelated). " +
			"In the paper correlated features prefer to be orthogonal (or, under pressure, side by side or collapsed into one direction), anticorrelated ones antipodal. Here, per arrangement:"}})
	sections = append(sections, nest(corrSections)...)

	priv, err := paper.RunToy(ctx, r, "tour 5/7: privileged basis", cfg.Privileged)
	if err != nil {
		return err
	}
	for _, r := range priv {
		sum.Privileged = append(sum.Privileged, paper.ReadNeurons(r, false))
	}
	abs, err := paper.RunToy(ctx, r, "tour 5/7: |x|", cfg.AbsVal)
	if err != nil {
		return err
	}
	for _, r := range abs {
		sum.AbsVal = append(sum.AbsVal, paper.ReadNeurons(r, true))
	}
	privSections, err := paper.NeuronSections(cfg.Out, "privileged", "5. Neurons: superposition in a privileged basis", sum.Privileged, false)
	if err != nil {
		return err
	}
	privSections[0].Paragraphs = append([]string{fmt.Sprintf("With a ReLU on the hidden layer, h = ReLU(Wx), the %d neurons can be read one by one. ", cfg.Privileged.Hidden) +
		paper.PrivilegedReading(sum.Privileged)}, privSections[0].Paragraphs...)
	sections = append(sections, privSections...)
	absSections, err := paper.NeuronSections(cfg.Out, "absval", fmt.Sprintf("5b. Computation in superposition: |x| with n = %d, m = %d", cfg.AbsVal.Features, cfg.AbsVal.Hidden), sum.AbsVal, true)
	if err != nil {
		return err
	}
	sections = append(sections, nest(absSections)...)

	dec, err := paper.Decompose(ctx, r, cfg.Decompose, paper.DecomposeExports{})
	if err != nil {
		return err
	}
	dec.Config.Out = cfg.Out
	sum.Decompose = dec
	decSections, err := paper.DecomposeFigures(cfg.Out, "decompose", dec)
	if err != nil {
		return err
	}
	_, heading, _ := paper.DecomposeVerdict(dec)
	decSections[0].Heading = "6. " + heading
	decSections[0].Paragraphs = append(decSections[0].Paragraphs, "Full scale, every variant, other sources: go run ./experiments/decompose.")
	sections = append(sections, decSections...)

	if cfg.LM != nil {
		lm, _, err := paper.TrainLM(ctx, r, "tour 7/7: lm", *cfg.LM)
		if err != nil {
			return err
		}
		sum.LM = &lm
		lmSections, err := paper.LMReport(cfg.LM.Out, lm)
		if err != nil {
			return err
		}
		lmSections[0].Heading = "7. The same framework on real text: a one-layer transformer on Go's own source"
		lmSections[0].Paragraphs = append(lmSections[0].Paragraphs,
			"The network Towards Monosemanticity decomposes, trained briefly; its weights are in lm/model.safetensors in TransformerLens' layout. Full scale: go run ./experiments/lm.")
		lmSections[1].Heading, lmSections[1].Level = "7b. Samples of the short-trained model", 3
		sections = append(sections, lmSections...)
		if cfg.Mono != nil {
			secs, err := tourMono(ctx, r, cfg, &sum)
			if err != nil {
				return err
			}
			sections = append(sections, secs...)
		}
	}

	if err := interp.WriteJSON(filepath.Join(cfg.Out, "summary.json"), sum); err != nil {
		return err
	}
	return interp.Report{
		Title: "Superposition in Go: a short tour",
		Intro: "Reduced-scale reproductions of Elhage et al. (2022), Toy Models of Superposition, and of the toy version of Bricken et al. (2023), " +
			"Towards Monosemanticity, trained as Gorgonia graphs. " +
			"Each stage names the full-scale experiment that reproduces it (go run ./experiments/NAME).",
		Sections: sections,
		Config:   cfg,
	}.Write(filepath.Join(cfg.Out, "report.html"))
}

// tourMono runs the short monosemanticity stage on the lm stage's model: its
// summary into sum, its browser and SAELens export under out/monosemanticity.
func tourMono(ctx context.Context, r paper.Run, cfg Config, sum *Summary) ([]interp.Section, error) {
	mono, browser, err := paper.Monosemanticity(ctx, r, *cfg.Mono)
	if err != nil {
		return nil, fmt.Errorf("monosemanticity: %w", err)
	}
	sum.Mono = &mono
	if err := interp.WriteBrowser(filepath.Join(cfg.Mono.Out, "browser"), browser); err != nil {
		return nil, err
	}
	secs, err := paper.MonoReport(cfg.Mono.Out, mono)
	if err != nil {
		return nil, err
	}
	secs[0].Heading = "8. Towards Monosemanticity in miniature: a sparse autoencoder on the transformer's MLP"
	secs[0].Paragraphs = append(secs[0].Paragraphs, "Browse its features: monosemanticity/browser/index.html. Full scale (three dictionary sizes, the random-model baseline): go run ./experiments/monosemanticity.")
	return secs, nil
}

// nest puts sections one level under the stage heading before them.
func nest(secs []interp.Section) []interp.Section {
	out := make([]interp.Section, len(secs))
	for i, s := range secs {
		s.Level = max(s.Level, 2) + 1
		out[i] = s
	}
	return out
}
