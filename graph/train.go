package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/sirupsen/logrus"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Term is one named term of a training objective; the objective is the sum of
// the terms. Each term must be a scalar node.
type Term struct {
	Name string
	Node *Node
}

// Model is anything trainable by [Train]: its parameters are declared inside
// Loss through [Builder.Param], so a new model needs only this method.
type Model interface {
	// Loss builds the objective for one batch of named inputs (in.X() for a
	// [Features] source: [batch, inputs]) and returns its named terms. Loss
	// must be deterministic: it is called once per graph (training,
	// evaluation) and must declare the same parameters each time.
	Loss(b *Builder, in Inputs) []Term
}

// Config configures [Train].
type Config struct {
	// Steps is the number of optimisation steps (≥ 1). Default 10,000.
	Steps int `json:"steps"`
	// Batch is the number of samples per step (≥ 1). Default 1024.
	Batch int `json:"batch"`
	// LR is Adam's base learning rate (> 0). Default 1e-3.
	LR float64 `json:"lr"`
	// Schedule shapes the learning rate over the run. Default constant.
	Schedule Schedule `json:"schedule"`
	// Warmup is the number of steps of linear learning-rate warmup. Default 0.
	Warmup int `json:"warmup"`
	// Adam holds the solver's hyper-parameters.
	Adam AdamConfig `json:"adam"`
	// ClipNorm, when positive, rescales the gradients before every solver
	// step so that their global L2 norm (over every parameter) is at most
	// ClipNorm, as torch.nn.utils.clip_grad_norm_ does: each gradient is
	// multiplied by min(1, ClipNorm/(norm+1e-6)). 0: no clipping.
	ClipNorm float64 `json:"clip_norm,omitempty"`
	// LogEvery is the interval, in steps, of loss records in the history and
	// of debug log lines; 0 means Steps/100 (at least 1).
	LogEvery int `json:"log_every"`
}

// DefaultConfig returns the paper's training setup: Adam at 1e-3 (β₁ 0.9,
// β₂ 0.999, ε 1e-8), batch 1024, 10,000 steps, constant rate.
func DefaultConfig() Config {
	return Config{Steps: 10000, Batch: 1024, LR: 1e-3, Schedule: Constant, Adam: AdamConfig{}.withDefaults()}
}

// WithDefaults returns c with every zero field that has a documented default
// set to it (Steps, Batch, LR, Schedule, Adam's β₁, β₂ and ε), so that a zero
// Config is [DefaultConfig] and a printed config shows what runs.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.Steps == 0 {
		c.Steps = d.Steps
	}
	if c.Batch == 0 {
		c.Batch = d.Batch
	}
	if c.LR == 0 {
		c.LR = d.LR
	}
	if c.Schedule == "" {
		c.Schedule = d.Schedule
	}
	c.Adam = c.Adam.withDefaults()
	return c
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	switch {
	case c.Steps < 1:
		return fmt.Errorf("steps %d: must be at least 1", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("batch %d: must be at least 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("lr %v: must be a positive finite number", c.LR)
	case c.Warmup < 0:
		return fmt.Errorf("warmup %d: must not be negative", c.Warmup)
	case c.LogEvery < 0:
		return fmt.Errorf("log_every %d: must not be negative", c.LogEvery)
	case c.ClipNorm < 0 || math.IsNaN(c.ClipNorm) || math.IsInf(c.ClipNorm, 0):
		return fmt.Errorf("clip_norm %v: must be a finite number ≥ 0 (0: no clipping)", c.ClipNorm)
	}
	if err := c.Schedule.Validate(); err != nil {
		return err
	}
	if err := c.Adam.Validate(); err != nil {
		return fmt.Errorf("adam: %w", err)
	}
	return nil
}

// Grads maps parameter names to their gradient tensors for the current step.
type Grads map[string]*tensor.Dense

// Hooks are optional callbacks of the training loop. A nil hook is skipped.
type Hooks struct {
	// BeforeStep runs before the forward pass of step (an SAE sets its
	// sparsity coefficient's warm-up and the dead-latent mask of AuxK here).
	BeforeStep func(step int) error
	// EditGrads may change gradients in place before the solver step (an SAE
	// projects out the decoder-norm direction here).
	EditGrads func(step int, p *Params, g Grads) error
	// AfterStep may change parameters in place after the solver step (an SAE
	// renormalises its decoder, counts firing latents and resamples dead
	// ones here). The next step sees the change.
	AfterStep func(step int, p *Params) error
	// Save and Load carry the hooks' own state (counters, running
	// thresholds) through checkpoints: Save's bytes are stored with every
	// checkpoint, and Load receives them when a run resumes.
	Save func() ([]byte, error)
	Load func(state []byte) error
}

// HookedModel is a model that needs more of the training loop than its loss:
// constraints on its parameters, counters, schedules of its own coefficients.
// [NewTrainer] (and so [Train]) installs its hooks before any given with
// [WithHooks], so a model trained through the generic loop always gets them.
type HookedModel interface {
	Model
	// Hooks returns the hooks of one training run of the trainer t (t is
	// compiled, its parameters exist and no step has run).
	Hooks(t *Trainer) (Hooks, error)
}

// compose returns hooks that run model's hook and then user's at each point.
// At most one of them may carry state.
func compose(model, user Hooks) (Hooks, error) {
	if model.Save != nil && user.Save != nil {
		return Hooks{}, errors.New("both the model and WithHooks carry checkpoint state")
	}
	h := Hooks{Save: model.Save, Load: model.Load}
	if user.Save != nil {
		h.Save, h.Load = user.Save, user.Load
	}
	h.BeforeStep = seq1(model.BeforeStep, user.BeforeStep)
	h.EditGrads = seq3(model.EditGrads, user.EditGrads)
	h.AfterStep = seq2(model.AfterStep, user.AfterStep)
	return h, nil
}

func seq1(a, b func(int) error) func(int) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(s int) error {
		if err := a(s); err != nil {
			return err
		}
		return b(s)
	}
}

func seq2(a, b func(int, *Params) error) func(int, *Params) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(s int, p *Params) error {
		if err := a(s, p); err != nil {
			return err
		}
		return b(s, p)
	}
}

func seq3(a, b func(int, *Params, Grads) error) func(int, *Params, Grads) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(s int, p *Params, g Grads) error {
		if err := a(s, p, g); err != nil {
			return err
		}
		return b(s, p, g)
	}
}

// Option sets a rarely used extra of [Train].
type Option func(*options)

type options struct {
	hooks      Hooks
	log        logrus.FieldLogger
	fields     logrus.Fields
	termFields []logrus.Fields
	progress   *Progress
	perStep    int // progress units per step; 0 means 1
	ckpt       checkpointOption
}

type checkpointOption struct {
	path, key string
	every     int
}

// WithCheckpoint makes [Train] resume from the checkpoint at path when the
// file exists (it must be one of the same run: key identifies the run's
// configuration), and save one there every `every` steps and after the last
// step. A resumed run ends exactly as an uninterrupted one.
func WithCheckpoint(path, key string, every int) Option {
	return func(o *options) { o.ckpt = checkpointOption{path: path, key: key, every: max(every, 1)} }
}

// WithHooks installs training-loop hooks.
func WithHooks(h Hooks) Option { return func(o *options) { o.hooks = h } }

// WithLogger sends per-step debug lines (every LogEvery steps) to log.
func WithLogger(log logrus.FieldLogger) Option { return func(o *options) { o.log = log } }

// WithLogFields names the run in every log line, as wandb and tqdm users
// expect: model=relu p=0.05 restart=1, variant=topk. Fields add up over
// several options.
func WithLogFields(f logrus.Fields) Option {
	return func(o *options) {
		if o.fields == nil {
			o.fields = logrus.Fields{}
		}
		for k, v := range f {
			o.fields[k] = v
		}
	}
}

// WithTermFields names, for a graph of stacked instances, the instance of
// each loss term: each term is logged on a line of its own with its fields.
func WithTermFields(f []logrus.Fields) Option { return func(o *options) { o.termFields = f } }

// WithProgress advances p by one per step.
func WithProgress(p *Progress) Option { return func(o *options) { o.progress = p } }

// WithProgressPerStep makes each step advance the progress bar by k: a
// graph of k stacked instances does k instances' steps at once.
func WithProgressPerStep(k int) Option { return func(o *options) { o.perStep = k } }

func (o *options) advance(steps int) {
	if o.perStep > 0 {
		steps *= o.perStep
	}
	o.progress.Add(steps)
}

// Record is the value of every loss term at one step.
type Record struct {
	Step  int       `json:"step"`
	Terms []float64 `json:"terms"`
}

// History is what [Train] observed: the term names, and their values every
// LogEvery steps and at the last step.
type History struct {
	Terms   []string `json:"terms"`
	Records []Record `json:"records"`
	// ResumedAt is the step a checkpoint resumed the run from (0: none).
	ResumedAt int `json:"-"`
}

// Last returns the term values of the last record, or nil.
func (h History) Last() []float64 {
	if len(h.Records) == 0 {
		return nil
	}
	return h.Records[len(h.Records)-1].Terms
}

// ErrNonFinite is wrapped by the error Train returns when a loss term or a
// gradient becomes NaN or ±Inf.
var ErrNonFinite = errors.New("non-finite value")

// liveTrainers counts the trainers not yet closed, to decide on prefetching.
var liveTrainers atomic.Int64

// Trainer runs the training loop one step at a time; [Train] is the loop
// over all steps. A Trainer owns its graph: use it from one goroutine.
type Trainer struct {
	cfg      Config
	opts     options
	prog     *program
	p        *Params
	src      Source
	pre      *prefetcher
	live     bool // counted in liveTrainers
	adam     *Adam
	grads    Grads
	logEvery int
	step     int
	hist     History
	gradNorm float64 // global gradient norm before clipping, last step
}

// NewTrainer compiles the training graph of m over p (parameters are created
// on first use from p's seeded source) fed by src.
func NewTrainer(m Model, src Source, p *Params, cfg Config, opts ...Option) (*Trainer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("graph: train: %w", err)
	}
	t := &Trainer{cfg: cfg, p: p, src: src, adam: NewAdam(cfg.Adam)}
	for _, opt := range opts {
		opt(&t.opts)
	}
	t.logEvery = cfg.LogEvery
	if t.logEvery == 0 {
		t.logEvery = max(cfg.Steps/100, 1)
	}
	prog, err := compile(m, src, p, cfg.Batch, true)
	if err != nil {
		return nil, fmt.Errorf("graph: train: %w", err)
	}
	t.prog = prog
	// Prefetch batches only when a core is likely free for it: when many
	// trainers run at once (a sweep), the cores are busy and the hand-offs
	// would only add wake-ups. Either way the data are the same.
	t.live = true
	if n := liveTrainers.Add(1); 2*n <= int64(runtime.GOMAXPROCS(0)) {
		t.pre = newPrefetcher(src, prog.batch.Rows)
		t.src = t.pre
	}
	t.hist = History{Terms: prog.termNames}
	t.grads = make(Grads, len(prog.paramNames))
	if hm, ok := m.(HookedModel); ok {
		mh, err := hm.Hooks(t)
		if err == nil {
			t.opts.hooks, err = compose(mh, t.opts.hooks)
		}
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("graph: train: %w", err)
		}
	}
	return t, nil
}

// Params returns the parameters the trainer updates.
func (t *Trainer) Params() *Params { return t.p }

// Config returns the trainer's configuration, defaults filled in.
func (t *Trainer) Config() Config { return t.cfg }

// Close stops the data prefetching and releases the graph's machine.
func (t *Trainer) Close() error {
	if t.pre != nil {
		t.pre.close()
		t.pre = nil
	}
	if t.live {
		liveTrainers.Add(-1)
		t.live = false
	}
	return t.prog.vm.Close()
}

// Done reports whether all cfg.Steps steps have run.
func (t *Trainer) Done() bool { return t.step >= t.cfg.Steps }

// Watched returns the value, at the last step, of the node the model
// watched under name ([Builder.Watch]), or nil. The tensor is the graph's
// own buffer: read it before the next step, do not keep it.
func (t *Trainer) Watched(name string) *tensor.Dense { return t.prog.watched(name) }

// WatchedCode returns the code the model watched under name
// ([Builder.WatchCode]) as it was at the last step, or nil. Its slices are
// the graph's own: read them before the next step, do not keep them.
func (t *Trainer) WatchedCode(name string) *Kept { return t.prog.watchedCode(name) }

// Input returns the named input of the last step (the graph's own buffer),
// or nil.
func (t *Trainer) Input(name string) *tensor.Dense { return t.prog.input(name) }

// Solver returns the trainer's Adam state (an SAE resets the moments of the
// latents it resamples).
func (t *Trainer) Solver() *Adam { return t.adam }

// GradNorm is the global L2 norm of the gradients of the last step before
// clipping; 0 unless Config.ClipNorm is set.
func (t *Trainer) GradNorm() float64 { return t.gradNorm }

// clipGrads scales every gradient by min(1, limit/(norm+1e-6)), where norm
// is the global L2 norm of all of them (summed in float64, in parameter
// order, so the result does not depend on scheduling), and returns norm.
// A non-finite norm leaves the gradients as they are, for the solver's
// non-finite check to report.
func clipGrads(grads []*tensor.Dense, limit float64) float64 {
	var ss float64
	for _, g := range grads {
		switch d := backing(g).(type) {
		case []float32:
			for _, v := range d {
				ss += float64(v) * float64(v)
			}
		case []float64:
			for _, v := range d {
				ss += v * v
			}
		}
	}
	norm := math.Sqrt(ss)
	coef := limit / (norm + 1e-6)
	if coef >= 1 || math.IsNaN(coef) || math.IsInf(norm, 0) {
		return norm
	}
	for _, g := range grads {
		switch d := backing(g).(type) {
		case []float32:
			c := float32(coef)
			for i := range d {
				d[i] *= c
			}
		case []float64:
			for i := range d {
				d[i] *= coef
			}
		}
	}
	return norm
}

// StepsDone is the number of steps run so far.
func (t *Trainer) StepsDone() int { return t.step }

// History returns what the trainer has recorded so far.
func (t *Trainer) History() History { return t.hist }

// Step runs one training step: a fresh batch, forward, gradients, gradient
// edits, an Adam update, post-step constraints. It returns the loss terms.
func (t *Trainer) Step() ([]float64, error) {
	step, prog := t.step, t.prog
	if h := t.opts.hooks.BeforeStep; h != nil {
		if err := h(step); err != nil {
			return nil, fmt.Errorf("graph: train: step %d: before step: %w", step, err)
		}
	}
	vals, err := prog.run(t.src)
	if err != nil {
		return nil, fmt.Errorf("graph: train: step %d: %w", step, err)
	}
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			hint := ""
			if step > 0 {
				hint = fmt.Sprintf(" after %d updates at lr %g (a smaller learning rate may help)", step, t.cfg.Schedule.Rate(t.cfg.LR, step-1, t.cfg.Steps, t.cfg.Warmup))
			}
			return nil, fmt.Errorf("graph: train: step %d: loss term %s is %v%s: %w", step, prog.termNames[i], v, hint, ErrNonFinite)
		}
	}
	gt := prog.gradTensors()
	if h := t.opts.hooks.EditGrads; h != nil {
		for i, name := range prog.paramNames {
			t.grads[name] = gt[i]
		}
		if err := h(step, t.p, t.grads); err != nil {
			return nil, fmt.Errorf("graph: train: step %d: edit gradients: %w", step, err)
		}
	}
	if t.cfg.ClipNorm > 0 {
		t.gradNorm = clipGrads(gt, t.cfg.ClipNorm)
	}
	lr := t.cfg.Schedule.Rate(t.cfg.LR, step, t.cfg.Steps, t.cfg.Warmup)
	if err := t.adam.Update(lr, prog.paramNames, prog.paramTensors, gt); err != nil {
		return nil, fmt.Errorf("graph: train: step %d: %w: %w", step, err, ErrNonFinite)
	}
	if j, name := prog.nonFiniteParam(); j >= 0 {
		return nil, fmt.Errorf("graph: train: step %d: parameter %s[%d] became non-finite after the update (lr %g): %w", step, name, j, lr, ErrNonFinite)
	}
	if h := t.opts.hooks.AfterStep; h != nil {
		if err := h(step, t.p); err != nil {
			return nil, fmt.Errorf("graph: train: step %d: after step: %w", step, err)
		}
	}
	if step%t.logEvery == 0 || step == t.cfg.Steps-1 {
		t.hist.Records = append(t.hist.Records, Record{Step: step, Terms: vals})
		t.logStep(step, lr, vals)
	}
	if t.opts.progress != nil {
		var total float64
		for _, v := range vals {
			total += v
		}
		t.opts.progress.SetLoss(total / float64(max(t.opts.perStep, 1)))
	}
	t.opts.advance(1)
	t.step++
	return vals, nil
}

// logStep writes the debug line of a step: the run's fields (model, p,
// restart, variant...), the step, the rate and every term at 4 significant
// digits. A graph of stacked instances writes one line per instance, each
// with its own fields.
func (t *Trainer) logStep(step int, lr float64, vals []float64) {
	log := t.opts.log
	if log == nil {
		return
	}
	if len(t.opts.fields) > 0 {
		log = log.WithFields(t.opts.fields)
	}
	base := logrus.Fields{"step": step, "lr": sig4(lr)}
	if tf := t.opts.termFields; len(tf) == len(vals) {
		for i, v := range vals {
			log.WithFields(tf[i]).WithFields(base).WithField("loss", sig4(v)).Debug("train")
		}
		return
	}
	f := logrus.Fields{}
	for i, v := range vals {
		f[t.prog.termNames[i]] = sig4(v)
	}
	log.WithFields(base).WithFields(f).Debug("train")
}

// sig4 formats v with 4 significant digits, for log lines.
func sig4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// Train optimises the parameters of m in p (created on first use from p's
// seeded source) with Adam on fresh batches from src, one per step. The
// parameters are updated in place; on error they hold the values of the last
// completed step. It stops early with ctx's error when ctx is done, and with an
// error naming the step and the term or parameter when a value turns NaN/Inf.
func Train(ctx context.Context, m Model, src Source, p *Params, cfg Config, opts ...Option) (History, error) {
	t, err := NewTrainer(m, src, p, cfg, opts...)
	if err != nil {
		return History{}, err
	}
	defer t.Close()
	ck, h := t.opts.ckpt, t.opts.hooks
	if ck.path != "" {
		ok, extra, err := t.LoadCheckpoint(ck.path, ck.key)
		if err != nil {
			return History{}, err
		}
		if ok {
			t.hist.ResumedAt = t.step
			if h.Load != nil {
				if err := h.Load(extra); err != nil {
					return History{}, fmt.Errorf("graph: checkpoint %s: %w: training-loop state: %v", ck.path, ErrCheckpoint, err)
				}
			}
		}
		t.opts.advance(t.step)
	}
	for !t.Done() {
		if err := ctx.Err(); err != nil {
			return t.hist, fmt.Errorf("graph: train: stopped at step %d: %w", t.step, err)
		}
		if _, err := t.Step(); err != nil {
			return t.hist, err
		}
		if ck.path != "" && (t.step%ck.every == 0 || t.Done()) {
			var extra []byte
			if h.Save != nil {
				if extra, err = h.Save(); err != nil {
					return t.hist, fmt.Errorf("graph: checkpoint %s: training-loop state: %w", ck.path, err)
				}
			}
			if err := t.SaveCheckpoint(ck.path, ck.key, extra); err != nil {
				return t.hist, err
			}
		}
	}
	return t.hist, nil
}

// TermValue is the value of one named loss term.
type TermValue struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Evaluate estimates each loss term of m over at least samples fresh samples
// from src, in forward-only batches of size batch, without changing p. Terms
// that are batch means are estimated without bias.
func Evaluate(ctx context.Context, m Model, src Source, p *Params, samples, batch int) ([]TermValue, error) {
	if samples < 1 || batch < 1 {
		return nil, fmt.Errorf("graph: evaluate: samples %d and batch %d must be positive", samples, batch)
	}
	batch = min(batch, samples)
	prog, err := compile(m, src, p, batch, false)
	if err != nil {
		return nil, fmt.Errorf("graph: evaluate: %w", err)
	}
	defer prog.vm.Close()
	runs := (samples + batch - 1) / batch
	sums := make([]float64, len(prog.termNames))
	for r := 0; r < runs; r++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("graph: evaluate: %w", err)
		}
		vals, err := prog.run(src)
		if err != nil {
			return nil, fmt.Errorf("graph: evaluate: %w", err)
		}
		for i, v := range vals {
			sums[i] += v
		}
	}
	out := make([]TermValue, len(sums))
	for i, s := range sums {
		out[i] = TermValue{Name: prog.termNames[i], Value: s / float64(runs)}
	}
	return out, nil
}

// program is one compiled graph: the input tensors, the loss terms, the
// parameters and (for training) their gradients, on a TapeMachine.
type program struct {
	vm           G.VM
	batch        *Batch          // the source fills this
	inputs       []*tensor.Dense // by input; share batch's buffers when they can
	termNames    []string
	terms        []*Node
	termVals     []G.Value
	paramNames   []string
	paramTensors []*tensor.Dense
	grads        []*Node
	watchNames   []string
	watchVals    []G.Value
	watchCodes   []*Code // by watch; nil for a node
}

func compile(m Model, src Source, p *Params, batch int, withGrads bool) (*program, error) {
	return compileHooked(m, src, p, batch, withGrads, nil)
}

// compileHooked is compile with hook points: the model's [Builder.Hook]
// calls become ops that run the functions of hooks.
func compileHooked(m Model, src Source, p *Params, batch int, withGrads bool, hooks HookPoints) (*program, error) {
	b := NewBuilder(p)
	b.hooks = hooks
	in, ts := b.inputNodes(src, batch)
	if b.Err() != nil {
		return nil, b.Err()
	}
	terms := m.Loss(b, in)
	if b.Err() != nil {
		return nil, b.Err()
	}
	if len(terms) == 0 {
		return nil, errors.New("model returned no loss terms")
	}
	prog := &program{batch: NewBatch(batch, src.Inputs()), inputs: ts}
	// Float32 and int inputs are filled in place; float64 ones are staged.
	for i, t := range ts {
		switch d := t.Data().(type) {
		case []float32:
			prog.batch.floats[i] = d
		case []int:
			prog.batch.ints[i] = d
		}
	}
	var total *Node
	for _, t := range terms {
		if t.Node == nil || !t.Node.IsScalar() {
			return nil, fmt.Errorf("loss term %q is not a scalar node", t.Name)
		}
		prog.termNames = append(prog.termNames, t.Name)
		prog.terms = append(prog.terms, t.Node)
		if total == nil {
			total = t.Node
		} else {
			total = b.Add(total, t.Node)
		}
	}
	prog.termVals = make([]G.Value, len(terms))
	for i, t := range terms {
		G.Read(t.Node, &prog.termVals[i])
	}
	prog.watchVals = make([]G.Value, len(b.watched))
	for i, w := range b.watched {
		prog.watchNames = append(prog.watchNames, w.name)
		prog.watchCodes = append(prog.watchCodes, w.code)
		G.Read(w.node, &prog.watchVals[i])
	}
	names, nodes := b.ParamNodes()
	prog.paramNames = names
	for _, name := range names {
		prog.paramTensors = append(prog.paramTensors, p.Tensor(name))
	}
	if withGrads {
		if len(nodes) == 0 {
			return nil, errors.New("model declares no parameters")
		}
		grads, err := G.Grad(total, nodes...)
		if err != nil {
			return nil, fmt.Errorf("gradients: %w", err)
		}
		prog.grads = grads
	}
	if b.Err() != nil {
		return nil, b.Err()
	}
	prog.vm = G.NewTapeMachine(b.Graph())
	return prog, nil
}

// run fills a fresh batch, runs the tape once and returns the term values.
func (prog *program) run(src Source) ([]float64, error) {
	src.Fill(prog.batch)
	for i, t := range prog.inputs {
		if d, ok := t.Data().([]float64); ok {
			for j, v := range prog.batch.floats[i] {
				d[j] = float64(v)
			}
		}
	}
	prog.vm.Reset()
	if err := prog.vm.RunAll(); err != nil {
		return nil, err
	}
	vals := make([]float64, len(prog.terms))
	for i, v := range prog.termVals {
		vals[i] = scalarOf(v)
	}
	return vals, nil
}

// input returns the tensor of the named input, or nil.
func (prog *program) input(name string) *tensor.Dense {
	for i, in := range prog.batch.inputs {
		if in.Name == name {
			return prog.inputs[i]
		}
	}
	return nil
}

// watched returns the last value of the node watched under name, or nil.
func (prog *program) watched(name string) *tensor.Dense {
	for i := len(prog.watchNames) - 1; i >= 0; i-- {
		if prog.watchNames[i] == name {
			t, _ := prog.watchVals[i].(*tensor.Dense)
			return t
		}
	}
	return nil
}

// watchedCode returns the code watched under name after the last run, or
// nil (also when name is a node's).
func (prog *program) watchedCode(name string) *Kept {
	for i := len(prog.watchNames) - 1; i >= 0; i-- {
		if prog.watchNames[i] == name {
			c := prog.watchCodes[i]
			t, _ := prog.watchVals[i].(*tensor.Dense)
			if c == nil || t == nil {
				return nil
			}
			return &Kept{K: c.sel.k, Cols: c.sel.cols, Count: c.sel.cnt, Vals: t}
		}
	}
	return nil
}

func (prog *program) gradTensors() []*tensor.Dense {
	out := make([]*tensor.Dense, len(prog.grads))
	for i, g := range prog.grads {
		out[i] = g.Value().(*tensor.Dense)
	}
	return out
}

func (prog *program) nonFiniteParam() (int, string) {
	for i, t := range prog.paramTensors {
		if j := firstNonFinite(t); j >= 0 {
			return j, prog.paramNames[i]
		}
	}
	return -1, ""
}

func scalarOf(v G.Value) float64 {
	if v == nil {
		return math.NaN()
	}
	switch d := v.Data().(type) {
	case float32:
		return float64(d)
	case float64:
		return d
	case []float32:
		if len(d) == 1 {
			return float64(d[0])
		}
	case []float64:
		if len(d) == 1 {
			return d[0]
		}
	}
	return math.NaN()
}
