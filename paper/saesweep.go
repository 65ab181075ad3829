package paper

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/sae"
)

// SAESweepConfig holds the flags of experiments/saesweep: the decomposition
// flags for the base toy model and SAEs, and the swept values.
type SAESweepConfig struct {
	DecomposeConfig
	// L1s are the L1 coefficients of the ReLU variants' sweep.
	L1s []float64 `json:"l1s"`
	// Ratios are dictionary sizes as multiples of the features.
	Ratios []float64 `json:"ratios"`
	// Ks are the TopK and BatchTopK sparsities of the frontier.
	Ks []int `json:"ks"`
	// L0s are JumpReLU's coefficients of the frontier.
	L0s []float64 `json:"l0s"`
	// Superposition are the features-per-neuron ratios n/m of the toy models
	// of the breakdown grid (m = Hidden), at each of GridProbabilities.
	Superposition     []float64 `json:"superposition"`
	GridProbabilities []float64 `json:"grid_probabilities"`
	// GridVariants are the SAEs trained in every grid cell.
	GridVariants []string `json:"grid_variants"`
}

// DefaultSAESweepConfig is experiments/saesweep's default.
func DefaultSAESweepConfig() SAESweepConfig {
	base := DefaultDecomposeConfig()
	base.Out = "out/saesweep"
	return SAESweepConfig{
		DecomposeConfig:   base,
		L1s:               []float64{0.03, 0.1, 0.3, 1},
		Ratios:            []float64{0.5, 1, 1.5, 2, 4},
		Ks:                []int{1, 2, 3},
		L0s:               []float64{0.03, 0.1, 0.3},
		Superposition:     []float64{1, 1.5, 2, 2.5, 3, 4},
		GridProbabilities: []float64{0.01, 0.03, 0.1},
		GridVariants:      []string{"topk", "relu-l1"},
	}
}

// RatioPoint is the SAEs of one dictionary size.
type RatioPoint struct {
	Ratio float64     `json:"ratio"`
	SAEs  []SAEResult `json:"saes"`
}

// GridCell is one toy model of the breakdown grid and its SAEs.
type GridCell struct {
	Superposition     float64     `json:"superposition"`
	Probability       float64     `json:"probability"`
	Features          int         `json:"features"`
	Hidden            int         `json:"hidden"`
	Represented       int         `json:"represented"`
	FeaturesPerNeuron float64     `json:"features_per_neuron"`
	SAEs              []SAEResult `json:"saes"`
	// Best is the index in SAEs of BestSAE.
	Best int `json:"best"`
}

// SAESweepSummary is summary.json of experiments/saesweep.
type SAESweepSummary struct {
	Experiment string         `json:"experiment"`
	Config     SAESweepConfig `json:"config"`
	Toy        *DecomposeToy  `json:"toy"`
	// L1 is relu-l1 and relu-l1-norm over L1s; Ratio the dictionary sizes;
	// Frontier every variant over its sparsity settings.
	L1       []SAEResult  `json:"l1_sweep"`
	Ratio    []RatioPoint `json:"ratio_sweep"`
	Frontier []SAEResult  `json:"frontier"`
	Grid     []GridCell   `json:"superposition_grid"`
}

// SAESweep runs the three sweeps on the base toy model and the breakdown grid.
func SAESweep(ctx context.Context, run Run, cfg SAESweepConfig) (SAESweepSummary, error) {
	sum := SAESweepSummary{Experiment: "saesweep", Config: cfg}
	sum.Config.DecomposeConfig = cfg.DecomposeConfig.Resolved()
	a, err := PrepareActivations(ctx, run, "toy model", cfg.DecomposeConfig)
	if err != nil {
		return sum, err
	}
	sum.Toy = a.Toy
	lat := cfg.DictionarySize()
	// Frontier: every variant over its settings; the ReLU ones are the L1
	// sweep too.
	var specs []SAESpec
	for _, v := range []sae.Variant{sae.ReLUL1, sae.ReLUL1Norm} {
		for _, l1 := range cfg.L1s {
			specs = append(specs, SAESpec{Variant: v, Latents: lat, L1: l1})
		}
	}
	nL1 := len(specs)
	for _, v := range []sae.Variant{sae.TopK, sae.BatchTopK} {
		for _, k := range cfg.Ks {
			specs = append(specs, SAESpec{Variant: v, Latents: lat, K: k})
		}
	}
	for _, l0 := range cfg.L0s {
		specs = append(specs, SAESpec{Variant: sae.JumpReLU, Latents: lat, L0: l0})
	}
	// Dictionary sizes: relu-l1 and topk at the base settings.
	nFrontier := len(specs)
	for _, r := range cfg.Ratios {
		n := int(math.Round(r * float64(cfg.Features)))
		tk := cfg.Spec(sae.TopK, n)
		tk.K = min(tk.K, n)
		specs = append(specs, cfg.Spec(sae.ReLUL1, n), tk)
	}
	res, err := a.sweepSAEs(ctx, run, "SAE sweeps", specs)
	if err != nil {
		return sum, err
	}
	sum.L1 = res[:nL1]
	sum.Frontier = res[:nFrontier]
	for i, r := range cfg.Ratios {
		sum.Ratio = append(sum.Ratio, RatioPoint{Ratio: r, SAEs: res[nFrontier+2*i : nFrontier+2*i+2]})
	}
	// The breakdown grid: one unit per cell (its toy model and SAEs).
	type gridCell struct {
		s, p  float64
		cfg   DecomposeConfig
		label string
		specs []SAESpec
	}
	var cells []gridCell
	var costs []float64
	for pi, p := range cfg.GridProbabilities {
		for si, s := range cfg.Superposition {
			cell := cfg.DecomposeConfig
			cell.Probability = p
			cell.Features = max(int(math.Round(s*float64(cfg.Hidden))), 1)
			cell.Seed = graph.StreamSeed(cfg.Seed, "saesweep.cell", pi, si)
			var cs []SAESpec
			for _, v := range cfg.GridVariants {
				cs = append(cs, cell.Spec(sae.Variant(v), max(3*cell.Features/2, 1)))
			}
			cost := toyCost(cell.Features, cell.Hidden, cell.ToySteps, cell.Batch, cell.ToyRestarts)
			for _, sp := range cs {
				cost += saeCost(cell.Hidden, sp.Latents, cell.SAESteps, cell.Batch)
			}
			cells = append(cells, gridCell{s: s, p: p, cfg: cell, label: fmt.Sprintf("grid n/m=%g p=%g", s, p), specs: cs})
			costs = append(costs, cost)
		}
	}
	sum.Grid, err = runUnits(ctx, run, "breakdown grid", costs, func(ctx context.Context, only []int) ([]GridCell, error) {
		var out []GridCell
		for _, i := range only {
			c := cells[i]
			// The cell's toy model and SAEs are one unit.
			ca, err := PrepareActivations(ctx, run, c.label, c.cfg)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.label, err)
			}
			r, err := ca.TrainSAEs(ctx, run, c.label, c.specs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.label, err)
			}
			out = append(out, GridCell{
				Superposition: c.s, Probability: c.p, Features: c.cfg.Features, Hidden: c.cfg.Hidden,
				Represented: len(ca.Toy.Truth), FeaturesPerNeuron: ca.Toy.FeaturesPerNeuron,
				SAEs: r, Best: BestSAE(r),
			})
		}
		return out, nil
	})
	if err != nil {
		return sum, err
	}
	if err := run.shardDone(); err != nil {
		return sum, err
	}
	return sum, nil
}

// SAESweepExperiment runs the sweeps of cfg (SAESweep) and writes into
// cfg.Out summary.json, the charts of SAESweepFigures and report.html.
func SAESweepExperiment(ctx context.Context, run Run, cfg SAESweepConfig) error {
	sum, err := SAESweep(ctx, run, cfg)
	if err != nil {
		return err
	}
	return WriteOutputs(cfg.Out, sum, interp.Report{
		Title: "Sparse autoencoders on a toy model: sweeps",
		Intro: "How the L1 coefficient, the dictionary size and the sparsity setting of each variant change what an SAE finds " +
			"in a toy model's activations, and how much superposition it can undo.",
		Config: sum.Config,
	}, func(out string) ([]interp.Section, error) { return SAESweepFigures(out, sum) })
}

// SAESweepFigures draws the sweeps' charts into out and returns the report
// sections.
func SAESweepFigures(out string, s SAESweepSummary) ([]interp.Section, error) {
	var sections []interp.Section
	// MMCS against L1.
	sec := interp.Section{Heading: "MMCS against the L1 coefficient"}
	var all []SAEResult
	all = append(all, s.Frontier...)
	for _, p := range s.Ratio {
		all = append(all, p.SAEs...)
	}
	for _, c := range s.Grid {
		all = append(all, c.SAEs...)
	}
	sec.Warnings = saeWarnings(all)
	var series []interp.Series
	byVariant := func(rs []SAEResult, x func(SAEResult) float64, y func(SAEResult) float64) []interp.Series {
		var order []string
		pts := map[string]*interp.Series{}
		for _, r := range rs {
			sr := pts[r.Variant]
			if sr == nil {
				order = append(order, r.Variant)
				sr = &interp.Series{Name: r.Variant, Line: true, Points: true, Color: interp.Color(len(order) - 1)}
				pts[r.Variant] = sr
			}
			sr.X, sr.Y = append(sr.X, x(r)), append(sr.Y, y(r))
		}
		var out []interp.Series
		for _, v := range order {
			out = append(out, *pts[v])
		}
		return out
	}
	coef := func(r SAEResult) float64 { return r.Coefficient }
	mmcs := func(r SAEResult) float64 { return r.MMCSTrueToLearned }
	series = byVariant(s.L1, coef, mmcs)
	sec.Tables = []interp.Table{saeTable("The ReLU variants over the L1 coefficient.", s.L1, func(r SAEResult) string { return fmt.Sprintf("%s, L1 %s", r.Variant, sig(r.Coefficient)) })}
	path := filepath.Join(out, "saesweep_l1.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "MMCS (true → learned) against L1", XLabel: "L1 coefficient", YLabel: "MMCS", LogX: true, YMin: 0, YMax: 1.02,
		HLines: []interp.Guide{{Y: 0.9, Label: "0.9"}}}, series...); err != nil {
		return nil, err
	}
	sec.Figures = append(sec.Figures, interp.Figure{Path: path, Caption: "Too little L1 leaves latents dense and mixed; too much shrinks them until features merge."})
	sections = append(sections, sec)

	// MMCS against dictionary size.
	sec = interp.Section{Heading: "MMCS against dictionary size"}
	var flat []SAEResult
	for _, p := range s.Ratio {
		flat = append(flat, p.SAEs...)
	}
	nFeatures := float64(s.Config.Features)
	sec.Tables = []interp.Table{saeTable("relu-l1 and topk over the dictionary size.", flat, func(r SAEResult) string {
		return fmt.Sprintf("%s, %d latents (%s per feature)", r.Variant, r.Latents, sig(float64(r.Latents)/nFeatures))
	})}
	path = filepath.Join(out, "saesweep_ratio.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "MMCS (true → learned) against dictionary ratio", XLabel: "latents per feature", YLabel: "MMCS", YMin: 0, YMax: 1.02,
		HLines: []interp.Guide{{Y: 0.9, Label: "0.9"}}}, byVariant(flat, func(r SAEResult) float64 { return float64(r.Latents) / nFeatures }, mmcs)...); err != nil {
		return nil, err
	}
	sec.Figures = append(sec.Figures, interp.Figure{Path: path, Caption: "Fewer latents than features must merge features; at a ratio of one or more each feature can get its own latent."})
	sections = append(sections, sec)

	// Frontier.
	sec = interp.Section{Heading: "The sparsity–reconstruction frontier"}
	path = filepath.Join(out, "saesweep_frontier.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "L0 against FVU, per variant over its sparsity setting", XLabel: "L0 (active latents per sample)", YLabel: "fraction of variance unexplained"},
		byVariant(s.Frontier, func(r SAEResult) float64 { return r.L0 }, func(r SAEResult) float64 { return r.FVU })...); err != nil {
		return nil, err
	}
	sec.Tables = []interp.Table{saeTable("TopK and BatchTopK over k, JumpReLU over its L0 coefficient (the ReLU variants are in the L1 table).", s.Frontier[len(s.L1):],
		saeName)}
	sec.Figures = append(sec.Figures, interp.Figure{Path: path, Caption: "Lower-left is better: fewer active latents for the same reconstruction."})
	sections = append(sections, sec)

	// Breakdown grid.
	sec = interp.Section{Heading: "Where decomposition breaks down"}
	gt := interp.Table{Caption: "Per toy model of the grid: its superposition and the best of its SAEs.",
		Header: []string{"n/m", "p = 1 − S", "n", "m", "represented", "features per neuron", "best SAE", "recovered", "matched cosine", "features per latent", "dead", "loss recovered"}}
	var grid []interp.Series
	for pi, p := range s.Config.GridProbabilities {
		sr := interp.Series{Name: fmt.Sprintf("p = %g", p), Line: true, Points: true, Color: interp.Color(pi)}
		for _, c := range s.Grid {
			if c.Probability != p {
				continue
			}
			b := c.SAEs[c.Best]
			sr.X, sr.Y = append(sr.X, c.Superposition), append(sr.Y, b.RecoveredFraction)
			gt.Rows = append(gt.Rows, []string{sig(c.Superposition), sig(p), strconv.Itoa(c.Features), strconv.Itoa(c.Hidden), strconv.Itoa(c.Represented), sig0(c.FeaturesPerNeuron),
				b.Variant, pct(b.RecoveredFraction), sig0(b.MatchedCosine), sig0(b.FeaturesPerLatent), pct(b.DeadFraction), sig0(derefNaN(b.LossRecovered))})
		}
		grid = append(grid, sr)
	}
	path = filepath.Join(out, "saesweep_breakdown.png")
	if err := interp.SaveChart(path, interp.Chart{Title: "features recovered (cos ≥ 0.9) by the best SAE", XLabel: "features per neuron n/m", YLabel: "fraction recovered", YMin: 0, YMax: 1.02}, grid...); err != nil {
		return nil, err
	}
	sec.Tables = []interp.Table{gt}
	sec.Figures = append(sec.Figures, interp.Figure{Path: path, Caption: "Each point is a toy model trained at that amount of superposition and sparsity, and the best of its SAEs."})
	sections = append(sections, sec)
	return sections, nil
}

func derefNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
