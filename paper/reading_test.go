package paper

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// The doctored-results test: every report is rendered from a well-trained
// result, an under-trained one (wrong geometry, loss still falling) and a
// failed one (NaN losses and weights). A sentence that states a result must
// change between the first two, so a hard-coded one fails the test; only the
// method sentences in fixedSentences may stay the same.

// outcome is how a doctored result was trained.
type outcome int

const (
	good outcome = iota
	underTrained
	failed
)

func (o outcome) String() string { return [...]string{"good", "under-trained", "failed"}[o] }

var (
	flat         = interp.Trend{Previous: 0.1, Last: 0.1, Records: 101}
	fallingTrend = interp.Trend{Previous: 0.2, Last: 0.16, Drop: 0.2, StillFalling: true, Records: 101}
	nan          = math.NaN()
)

// fixedSentences are the sentences that describe the method or the paper,
// not this run's results, and may read the same whatever the results.
var fixedSentences = []string{
	"D* is the number of hidden dimensions each embedded feature gets.",
	"In the paper it sticks at 1 while features are dense",
	"Closed-form theory (every bias at its best constant)",
	"Importances (1, 1, r).",
	"Ignored: the extra feature is dropped; dedicated: it is represented and another feature is dropped; superposition: all three share the plane.",
	"1/2 for a digon, 2/3 for a triangle",
	// The quoted rows of the monosemanticity headline table: the paper's
	// and the PyTorch prototype's figures.
	"paper: neurons |",
	"paper: A/1 latents",
	"PyTorch prototype: TopK latents |",
}

// toyRun is a measured run of kind at p with weights W [m, n] and bias b.
func toyRun(kind string, p float64, W [][]float64, b []float64, o outcome) interp.ToyRun {
	r := interp.ToyRun{Model: kind, Features: len(W[0]), Hidden: len(W), FeatureProbability: p, W: W, B: b, Loss: 0.05, LossTrend: flat}
	switch o {
	case underTrained:
		r.Loss, r.LossTrend = 0.3, fallingTrend
	case failed:
		r.Loss = nan
		for _, row := range r.W {
			row[0] = nan
		}
	}
	r.Measure()
	return r
}

// polygonW is n unit directions at equal angles in the plane.
func polygonW(n int) [][]float64 {
	W := [][]float64{make([]float64, n), make([]float64, n)}
	for k := range n {
		W[0][k], W[1][k] = math.Cos(2*math.Pi*float64(k)/float64(n)), math.Sin(2*math.Pi*float64(k)/float64(n))
	}
	return W
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// introRuns is an intro sweep (n = 5, m = 2, ReLU-output and linear).
func introRuns(o outcome) []interp.ToyRun {
	identity := func() [][]float64 { return [][]float64{{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}} }
	if o == underTrained {
		return []interp.ToyRun{
			toyRun("relu", 1, [][]float64{{0.6, 0.6, 0.6, 0.6, 0}, {0.3, -0.3, 0.3, -0.3, 0}}, fill(5, 0.05), o),
			toyRun("relu", 0.3, [][]float64{{0.7, 0.2, 0, 0, 0}, {0.1, 0.4, 0, 0, 0}}, fill(5, 0.02), o),
			toyRun("relu", 0.05, [][]float64{{0.8, 0, 0, 0, 0}, {0, 0.7, 0, 0, 0}}, fill(5, 0.03), o),
			toyRun("linear", 1, [][]float64{{0.6, 0.6, 0.6, 0, 0}, {0.3, -0.3, 0.2, 0, 0}}, fill(5, 0), o),
			toyRun("linear", 0.3, [][]float64{{0.6, 0.6, 0.6, 0, 0}, {0.3, -0.3, 0.2, 0, 0}}, fill(5, 0), o),
			toyRun("linear", 0.05, [][]float64{{0.6, 0.6, 0.6, 0, 0}, {0.3, -0.3, 0.2, 0, 0}}, fill(5, 0), o),
		}
	}
	return []interp.ToyRun{
		toyRun("relu", 1, identity(), []float64{0, 0, 0.1, 0.1, 0.1}, o),
		toyRun("relu", 0.3, [][]float64{{1, -1, 0, 0, 0}, {0, 0, 1, -1, 0}}, fill(5, -0.05), o),
		toyRun("relu", 0.05, polygonW(5), fill(5, -0.1), o),
		toyRun("linear", 1, identity(), fill(5, 0), o),
		toyRun("linear", 0.3, identity(), fill(5, 0), o),
		toyRun("linear", 0.05, identity(), fill(5, 0), o),
	}
}

// neuronRuns is a privileged-basis sweep (n = 10, m = 5): dense one feature
// per neuron and sparse two per neuron when good, the other way round when
// under-trained.
func neuronRuns(o outcome) []NeuronRun {
	mono := func() [][]float64 {
		W := make([][]float64, 5)
		for j := range W {
			W[j] = make([]float64, 10)
			W[j][j] = 1
		}
		return W
	}
	poly := func() [][]float64 {
		W := mono()
		for j := range W {
			W[j][j+5] = 0.8
		}
		return W
	}
	dense, sparse := mono(), poly()
	if o == underTrained {
		dense, sparse = poly(), mono()
	}
	var out []NeuronRun
	for i, W := range [][][]float64{dense, sparse} {
		out = append(out, ReadNeurons(toyRun("privileged", []float64{0.75, 0.02}[i], W, fill(10, 0), o), false))
	}
	return out
}

func phaseSummary(o outcome) PhaseSummary {
	s := PhaseSummary{Config: PhaseConfig{Common: Common{Restarts: 3}}}
	for _, r := range []float64{0.1, 1, 10} {
		for _, p := range []float64{0.01, 0.1, 1} {
			c := PhaseCell{ImportanceRatio: r, FeatureProbability: p, TheoryPhase: interp.TheoryPhase(r, p),
				FarFromBoundary: interp.FarFromBoundary(r, p, 0.25), Loss: 0.01, LossTrend: flat, W: [][]float64{{1, -1}}, B: []float64{0, 0}}
			c.Phase = c.TheoryPhase
			switch o {
			case underTrained:
				c.Phase, c.LossTrend = interp.Other, fallingTrend
			case failed:
				c.Phase, c.Loss = interp.Other, nan
			}
			a := &s.Agreement
			a.Cells++
			if c.Phase == c.TheoryPhase {
				a.Agree++
			}
			if c.FarFromBoundary {
				a.FarCells++
				if c.Phase == c.TheoryPhase {
					a.FarAgree++
				}
			}
			s.Cells = append(s.Cells, c)
			c3 := c
			c3.B = []float64{0, 0, 0}
			c3.Phase = []interp.Phase{interp.Ignored, interp.Superposition, interp.Dedicated}[int(math.Log10(r)+1)]
			if o != good {
				c3.Phase = interp.Ignored
			}
			s.Cells3 = append(s.Cells3, c3)
		}
	}
	a := &s.Agreement
	a.Fraction, a.FarFraction = float64(a.Agree)/float64(a.Cells), float64(a.FarAgree)/float64(max(a.FarCells, 1))
	return s
}

func correlatedSummary(o outcome) CorrelatedSummary {
	setup := CorrelatedSetups[0]
	W := [][]float64{{1, 0, -1, 0}, {0, 1, 0, -1}} // pairs orthogonal
	if o != good {
		W = [][]float64{{1, 0.99, -1, 0}, {0, 0.1, 0, -1}} // pair (0, 1) collapsed
	}
	r := readCorrelated(setup, resultOf(W, 0.05))
	r.LossTrend = flat
	switch o {
	case underTrained:
		r.LossTrend = fallingTrend
	case failed:
		r.Loss = nan
	}
	return CorrelatedSummary{Setups: []CorrelatedSetup{setup}, Runs: []CorrelatedRun{r}}
}

func saeResult(variant string, o outcome) SAEResult {
	lr := 0.97
	r := SAEResult{Variant: variant, Latents: 15, Coefficient: 1, L0: 1, FVU: 0.05, MMCSTrueToLearned: 0.98, MMCSLearnedToTrue: 0.9,
		MatchedCosine: 0.97, RecoveredFraction: 1, FeaturesPerLatent: 1, LossRecovered: &lr, LossTrend: flat, Frequencies: fill(15, 0.1)}
	switch o {
	case underTrained:
		lr = 0.4
		r.FVU, r.MMCSTrueToLearned, r.MMCSLearnedToTrue, r.MatchedCosine, r.RecoveredFraction, r.FeaturesPerLatent, r.LossTrend, r.L0 = 0.6, 0.7, 0.5, 0.6, 0.27, 2.5, fallingTrend, 4
	case failed:
		r.FVU, r.RecoveredFraction, r.MatchedCosine = nan, 0, nan
		r.LossRecovered = nil
	}
	for j := range 15 {
		row := make([]float64, 10)
		row[j%10] = 1
		if o == underTrained {
			row[(j+3)%10] = 0.8
		}
		r.Responses = append(r.Responses, row)
	}
	return r
}

func decomposeSummary(o outcome) DecomposeSummary {
	cfg := DefaultDecomposeConfig()
	cfg.Features, cfg.Hidden, cfg.Probability = 10, 5, 0.1
	nr := neuronRuns(o)[1]
	truth := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	return DecomposeSummary{Config: cfg.Resolved(), Toy: &DecomposeToy{NeuronRun: nr, Truth: truth},
		SAEs: []SAEResult{saeResult("topk", o), saeResult("relu-l1", o)}}
}

func saesweepSummary(o outcome) SAESweepSummary {
	d := decomposeSummary(o)
	s := SAESweepSummary{Config: DefaultSAESweepConfig(), Toy: d.Toy}
	s.Config.GridProbabilities = []float64{0.1}
	for _, l1 := range []float64{0.1, 1} {
		r := saeResult("relu-l1", o)
		r.Coefficient = l1
		s.L1 = append(s.L1, r)
	}
	s.Frontier = append(append([]SAEResult{}, s.L1...), saeResult("topk", o))
	s.Ratio = []RatioPoint{{Ratio: 1.5, SAEs: d.SAEs}}
	s.Grid = []GridCell{{Superposition: 2, Probability: 0.1, Features: 10, Hidden: 5, Represented: 10, FeaturesPerNeuron: d.Toy.FeaturesPerNeuron, SAEs: d.SAEs}}
	return s
}

func lmResult(o outcome) LMResult {
	cfg := DefaultLMConfig().WithDefaults()
	res := LMResult{Config: cfg, Baselines: corpus.Baselines{UnigramBits: 5.48, Zlib9GoBits: 1.86}, ValBitsPerByte: 1.7, ValWindows: 100, TokensSeen: 1 << 20, Parameters: 1000}
	for i := range 20 {
		v := 1.7 + 0.001*math.Sin(float64(7*i)) // converged
		switch o {
		case underTrained:
			v = 6 - 0.2*float64(i)
		case failed:
			v = nan
		}
		res.Curve = append(res.Curve, LMPoint{Step: 50 * (i + 1), Tokens: 4096 * 50 * (i + 1), ValBits: v, TrainBits: v})
	}
	switch o {
	case underTrained:
		res.ValBitsPerByte, res.Config.Steps, res.TokensSeen = 2.2, 300, 300*32*128
	case failed:
		res.ValBitsPerByte = nan
	}
	return res
}

// monoResult is a monosemanticity summary whose every number moves with o:
// an under-trained run's SAE is worse everywhere and its loss still falls.
func monoResult(o outcome) MonoResult {
	f, trend := 1.0, flat
	if o != good {
		f, trend = 0.6, fallingTrend
	}
	n := func(x int) int { return int(math.Round(float64(x) * f)) }
	summary := func(units, alive, specific int, median float64) interp.ScoreSummary {
		return interp.ScoreSummary{Units: units, Alive: n(alive), LabelSpecific: n(specific), ByteDetectors: n(9), MedianSpecificity: median * f,
			SpecificityQuartiles: [3]float64{0.3 * f, median * f, 0.85 * f}, Pure: n(4), MedianDensity: 0.02 * f}
	}
	coverage := func(unit, union int, f1 float64) []interp.LabelCoverage {
		return []interp.LabelCoverage{{Label: "comment", Unit: n(unit), F1: f1 * f, Union: n(union), UnionF1: (f1 + 0.05) * f}}
	}
	sae := func(latents int) MonoSAE {
		s := MonoSAE{Variant: "topk", Latents: latents, K: 32, Activations: n(3 << 20), L0: 32 * f, FVU: 0.07 / f, SplicedBits: 2.2 + 0.1/f,
			LossRecovered: 0.99 * f, KLBits: 0.15 / f, DeadFraction: 0.001 / f, DenseFraction: 0.01 * f,
			ScoreSummary: summary(latents, latents-7, latents/4, 0.6), Coverage: coverage(11, 40, 0.8),
			Fine: summary(latents, latents-7, latents/8, 0.5), LossTrend: trend}
		if o == failed {
			s.SplicedBits, s.FVU = nan, nan
		}
		return s
	}
	res := MonoResult{CleanBits: 2.2 + 0.1*(1-f), ZeroBits: 11.8 * f, EvalWindows: n(200), Labels: labelNames(), FineLabels: fineNames(),
		Neurons: summary(512, 500, 12, 0.4), NeuronsFine: summary(512, 500, 6, 0.35), NeuronCoverage: coverage(7, 0, 0.7),
		SAEs: []MonoSAE{sae(512), sae(4096)}}
	res.Random = &MonoRandom{CleanBits: 7.9 * f, ZeroBits: 8.1 * f, Neurons: summary(512, 400, 1, 0.2), NeuronsFine: summary(512, 400, 1, 0.2), SAE: sae(4096)}
	res.Random.SAE.LabelSpecific, res.Random.SAE.MedianSpecificity, res.Random.SAE.Alive = 20, 0.3, 3000
	if o != good {
		// Under-trained: the best neuron beats every latent, and the random
		// model's SAE is as specific as the trained one's.
		res.NeuronCoverage[0].F1 = 0.95
		res.Random.SAE.LabelSpecific, res.Random.SAE.MedianSpecificity = 2000, 0.7
	}
	res.Splits = []SplitFamily{{Parent: fmt.Sprintf("topk-512/%d", n(3)), ParentLabel: "comment", Child: "topk-4096", Count: n(5),
		Children: []SplitItem{{Index: n(17), Cosine: 0.7 * f, Label: "comment", Specificity: 0.9 * f}}}}
	return res
}

// reports renders every report of o's results and returns, per report, its
// headings, warnings and paragraphs.
func reports(t *testing.T, o outcome) map[string][]interp.Section {
	t.Helper()
	dir := t.TempDir()
	out := map[string][]interp.Section{}
	add := func(name string, secs []interp.Section, err error) {
		if err != nil {
			t.Fatalf("%s (%s): %v", name, o, err)
		}
		out[name] = secs
	}
	intro := introRuns(o)
	add("sparsity reading", []interp.Section{{Paragraphs: SparsityReading(intro)}}, nil)
	secs, err := ToySections(dir, "intro", intro)
	add("toy sections", secs, err)
	var relu []interp.ToyRun
	for _, r := range intro {
		if r.Model == "relu" {
			relu = append(relu, r)
		}
	}
	secs, err = GeometryFigures(dir, "geometry", relu)
	add("geometry", secs, err)
	secs, err = PhaseFigures(dir, "phase", phaseSummary(o))
	add("phase", secs, err)
	secs, err = CorrelatedFigures(dir, "correlated", correlatedSummary(o))
	add("correlated", secs, err)
	nr := neuronRuns(o)
	secs, err = NeuronSections(dir, "privileged", "neurons", nr, false)
	add("neurons", secs, err)
	add("privileged reading", []interp.Section{{Paragraphs: []string{PrivilegedReading(nr)}}}, nil)
	d := decomposeSummary(o)
	secs, err = DecomposeFigures(dir, "decompose", d)
	add("decompose", secs, err)
	_, heading, reading := DecomposeVerdict(d)
	add("decompose verdict", []interp.Section{{Paragraphs: []string{heading + ".", reading}}}, nil)
	secs, err = SAESweepFigures(dir, saesweepSummary(o))
	add("saesweep", secs, err)
	secs, err = LMReport(dir, lmResult(o))
	add("lm", secs, err)
	secs, err = MonoReport(dir, monoResult(o))
	add("monosemanticity", secs, err)
	return out
}

// sentenceEnd splits paragraphs into sentences: at a full stop followed by
// a space.
var sentenceEnd = regexp.MustCompile(`(\.) +`)

func sentences(secs []interp.Section) []string {
	var out []string
	for _, s := range secs {
		texts := append(append([]string{}, s.Warnings...), s.Paragraphs...)
		for _, t := range s.Tables {
			for _, row := range t.Rows {
				out = append(out, strings.Join(row, " | "))
			}
		}
		for _, p := range texts {
			for _, x := range strings.Split(sentenceEnd.ReplaceAllString(p, "$1\n"), "\n") {
				if x = strings.TrimSpace(x); x != "" {
					out = append(out, x)
				}
			}
		}
	}
	return out
}

func fixed(s string) bool {
	for _, f := range fixedSentences {
		if strings.HasPrefix(f, s) || strings.HasPrefix(s, f) {
			return true
		}
	}
	return false
}

func TestReportsFollowTheResults(t *testing.T) {
	byOutcome := map[outcome]map[string][]interp.Section{}
	for _, o := range []outcome{good, underTrained, failed} {
		byOutcome[o] = reports(t, o)
	}
	warnings := func(secs []interp.Section) string {
		var w []string
		for _, s := range secs {
			w = append(w, s.Warnings...)
		}
		return strings.Join(w, " ")
	}
	for name, goodSecs := range byOutcome[good] {
		t.Run(name, func(t *testing.T) {
			bad := byOutcome[underTrained][name]
			seen := map[string]bool{}
			for _, s := range sentences(goodSecs) {
				seen[s] = true
			}
			for _, s := range sentences(bad) {
				if seen[s] && !fixed(s) {
					t.Errorf("%q reads the same for a good and an under-trained result: computed from nothing?", s)
				}
			}
			if w := warnings(goodSecs); strings.Contains(w, "Not converged") || strings.Contains(w, "Failed") {
				t.Errorf("good result warns: %s", w)
			}
			if !strings.HasSuffix(name, "reading") && !strings.HasSuffix(name, "verdict") {
				if w := warnings(bad); !strings.Contains(w, "Not converged") {
					t.Errorf("under-trained result has no convergence warning; warnings: %q", w)
				}
				if w := warnings(byOutcome[failed][name]); !strings.Contains(w, "Failed") {
					t.Errorf("failed result has no failure warning; warnings: %q", w)
				}
			}
		})
	}
	// The claims the under-trained results must not make.
	for _, tt := range []struct {
		report, claim string
	}{
		{"sparsity reading", "form a regular pentagon"},
		{"sparsity reading", "as a linear model would"},
		{"sparsity reading", "more features than its 2 dimensions, in superposition"},
		{"sparsity reading", "antipodal pairs (−1 off the diagonal) first appear"},
		{"sparsity reading", "are negative"},
		{"sparsity reading", "The linear model keeps 2 orthogonal features at every sparsity"},
		{"privileged reading", ": one feature per neuron."},
		{"privileged reading", "single neurons respond to several unrelated features"},
		{"decompose verdict", "Sparse autoencoders take the polysemantic neurons apart"},
		{"decompose verdict", "it takes the neurons apart"},
		{"phase", "the learned phases match the theory"},
		{"correlated", "correlated pairs orthogonal"},
		{"lm", "It beats zlib"},
		{"monosemanticity", "its features come from training, not from the measure"},
	} {
		text := func(o outcome) string { return strings.Join(sentences(byOutcome[o][tt.report]), " ") }
		if !strings.Contains(text(good), tt.claim) {
			t.Errorf("%s of a good result lacks %q:\n%s", tt.report, tt.claim, text(good))
		}
		if strings.Contains(text(underTrained), tt.claim) {
			t.Errorf("%s of an under-trained result claims %q:\n%s", tt.report, tt.claim, text(underTrained))
		}
	}
}

// TestSigDigits checks the numbers of the readings: 3 significant digits.
func TestSigDigits(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{{0.86254, "0.863"}, {1.0049, "1"}, {12.345, "12.3"}, {4321.6, "4322"}, {-0.1234, "−0.123"}, {nan, "NaN"}, {-4.41e-05, "−4.41×10⁻⁵"}, {1.5e-12, "1.5×10⁻¹²"}, {math.Inf(1), "+Inf"}} {
		if got := sig(tt.v); got != tt.want {
			t.Errorf("sig(%v) = %q; want %q", tt.v, got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1228800: "1,228,800", -4096: "−4,096"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q; want %q", n, got, want)
		}
	}
	if got := pct(0.8625); got != "86.2%" && got != "86.3%" {
		t.Errorf("pct(0.8625) = %q; want 86.3%%", got)
	}
}

// resultOf is a trained toy result with weights W [m, n], zero bias, at p.
func resultOf(W [][]float64, p float64) tms.Result {
	ps := graph.NewParams(1)
	var w []float64
	for _, row := range W {
		w = append(w, row...)
	}
	if err := ps.Set(tms.ParamW, []int{len(W), len(W[0])}, w); err != nil {
		panic(err)
	}
	if err := ps.Set(tms.ParamB, []int{len(W[0])}, make([]float64, len(W[0]))); err != nil {
		panic(err)
	}
	return tms.Result{Spec: tms.Spec{Data: toy.Config{Features: len(W[0]), Probability: []float64{p}}}, Params: ps, Loss: 0.01}
}

func TestLossRecoveredCell(t *testing.T) {
	for _, c := range []struct {
		name            string
		lr, clean, zero float64
		want            string
	}{
		{"trained model", 0.9951, 2.1974, 7.8, "0.995"},
		{"ablation costs nothing", 1.0002, 8.01, 8.0, "— (ablating the MLP costs −0.01 bits)"},
		{"ablation below 1% of the clean loss", 0.7, 8.0, 8.05, "— (ablating the MLP costs 0.05 bits)"},
	} {
		if got := lossRecoveredCell(c.lr, c.clean, c.zero); got != c.want {
			t.Errorf("%s: lossRecoveredCell(%v, %v, %v) = %q, want %q", c.name, c.lr, c.clean, c.zero, got, c.want)
		}
	}
}
