// Package cli is the command-line contract every experiment shares: the common
// flags (-out, -seed, -steps, -restarts, -v), the toy-sweep flags, one-line
// errors with a non-zero exit instead of panic traces, cancellation on
// SIGINT/SIGTERM, logging through logrus, and a progress bar on a terminal.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
	"github.com/toymodels/superposition/models/tms"
)

// Common holds the flags of every experiment.
type Common struct {
	// Out is the output folder; default out/NAME.
	Out string `json:"-"`
	// Seed determines every random draw of the run.
	Seed uint64 `json:"seed"`
	// Steps is the number of training steps per model.
	Steps int `json:"steps"`
	// Restarts is k of best-of-k fits.
	Restarts int `json:"restarts"`
	// Verbose turns on per-step debug logging.
	Verbose bool `json:"-"`
}

// Register adds the common flags to fs with c's values as defaults.
func (c *Common) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Out, "out", c.Out, "output folder")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same summary.json)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps per model")
	fs.IntVar(&c.Restarts, "restarts", c.Restarts, "fits per instance; the lowest loss is kept")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "log per-step detail")
}

// Validate names the first bad common flag.
func (c Common) Validate() error {
	switch {
	case c.Out == "":
		return errors.New("-out: must not be empty")
	case c.Steps < 1:
		return fmt.Errorf("-steps %d: must be at least 1", c.Steps)
	case c.Restarts < 1:
		return fmt.Errorf("-restarts %d: must be at least 1", c.Restarts)
	}
	return nil
}

// Toy holds the flags of a toy-model sweep (intro, basic).
type Toy struct {
	Common
	// Features is n.
	Features int `json:"features"`
	// Hidden is m.
	Hidden int `json:"hidden"`
	// Importance is the decay r of Iᵢ = rⁱ.
	Importance float64 `json:"importance_decay"`
	// Probabilities are the feature probabilities p = 1 − S, one instance each.
	Probabilities []float64 `json:"probabilities"`
	// Model is linear, relu, privileged, absval, or both (relu and linear).
	Model string `json:"model"`
	Training
	// Checkpoint is a folder of training checkpoints (one per model, every
	// CheckpointEvery steps); running the same command again resumes.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
}

// Training holds the training flags shared by the toy-model experiments.
type Training struct {
	// Batch is the batch size.
	Batch int `json:"batch"`
	// LR is Adam's learning rate.
	LR float64 `json:"lr"`
	// EvalSamples is the number of fresh samples each reported loss (and the
	// choice of the best restart) is averaged over.
	EvalSamples int `json:"eval_samples"`
}

// Register adds -batch, -lr and -eval-samples to fs.
func (t *Training) Register(fs *flag.FlagSet) {
	fs.IntVar(&t.Batch, "batch", t.Batch, "batch size")
	fs.Float64Var(&t.LR, "lr", t.LR, "Adam learning rate")
	fs.IntVar(&t.EvalSamples, "eval-samples", t.EvalSamples, "fresh samples per reported loss")
}

// Validate names the first bad training flag.
func (t Training) Validate() error {
	switch {
	case t.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", t.Batch)
	case !(t.LR > 0) || math.IsInf(t.LR, 0):
		return fmt.Errorf("-lr %v: must be a positive number", t.LR)
	case t.EvalSamples < 1:
		return fmt.Errorf("-eval-samples %d: must be at least 1", t.EvalSamples)
	}
	return nil
}

// Register adds the common and toy flags to fs with t's values as defaults.
func (t *Toy) Register(fs *flag.FlagSet) {
	t.Common.Register(fs)
	fs.IntVar(&t.Features, "features", t.Features, "number of features n")
	fs.IntVar(&t.Hidden, "hidden", t.Hidden, "hidden dimensions m")
	fs.Float64Var(&t.Importance, "importance", t.Importance, "importance decay r: feature i has importance rⁱ")
	fs.Var((*floatList)(&t.Probabilities), "probabilities", "comma-separated feature probabilities p = 1−S, each in (0, 1]")
	fs.StringVar(&t.Model, "model", t.Model, "model: linear, relu, privileged, absval, or both (relu and linear)")
	t.Training.Register(fs)
	fs.StringVar(&t.Checkpoint, "checkpoint", t.Checkpoint, "folder of training checkpoints; the same command run again resumes from them")
	fs.IntVar(&t.CheckpointEvery, "checkpoint-every", 1000, "steps between checkpoints")
}

// Validate names the first bad flag.
func (t Toy) Validate() error {
	if err := t.Common.Validate(); err != nil {
		return err
	}
	switch {
	case t.Features < 1:
		return fmt.Errorf("-features %d: must be at least 1", t.Features)
	case t.Hidden < 1:
		return fmt.Errorf("-hidden %d: must be at least 1", t.Hidden)
	case !(t.Importance > 0) || math.IsInf(t.Importance, 0):
		return fmt.Errorf("-importance %v: must be a positive number", t.Importance)
	case len(t.Probabilities) == 0:
		return errors.New("-probabilities: need at least one value")
	}
	if err := t.Training.Validate(); err != nil {
		return err
	}
	if t.Checkpoint != "" && t.CheckpointEvery < 1 {
		return fmt.Errorf("-checkpoint-every %d: must be at least 1", t.CheckpointEvery)
	}
	for _, p := range t.Probabilities {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("-probabilities: %v outside (0, 1]", p)
		}
	}
	if _, err := t.Kinds(); err != nil {
		return err
	}
	return nil
}

// Kinds returns the model kinds selected by -model.
func (t Toy) Kinds() ([]tms.Kind, error) {
	switch t.Model {
	case "both":
		return []tms.Kind{tms.ReLUOutput, tms.Linear}, nil
	}
	for _, k := range tms.Kinds {
		if t.Model == string(k) {
			return []tms.Kind{k}, nil
		}
	}
	return nil, fmt.Errorf("-model %q: want one of %v, or both (relu and linear)", t.Model, tms.Kinds)
}

// floatList is a comma-separated list of floats as a flag.Value.
type floatList []float64

func (f *floatList) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(*f))
	for i, v := range *f {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (f *floatList) Set(s string) error {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", part)
		}
		out = append(out, v)
	}
	*f = out
	return nil
}

// Env is what a running experiment gets from Main.
type Env struct {
	// Log is quiet (warnings only) unless -v.
	Log *logrus.Logger
	// Stderr is where progress bars go.
	Stderr io.Writer
}

// Progress returns a progress bar over total steps (nil, a no-op, when stderr
// is not a terminal or when -v logging is on).
func (e Env) Progress(label string, total int) *graph.Progress {
	if e.Log.IsLevelEnabled(logrus.DebugLevel) {
		return nil
	}
	return graph.NewProgress(e.Stderr, label, total)
}

// TrainOptions returns the graph.Train options for a run: logging and a
// progress bar.
func (e Env) TrainOptions(p *graph.Progress) []graph.Option {
	return []graph.Option{graph.WithLogger(e.Log), graph.WithProgress(p)}
}

// Main parses args into the flags registered on fs, validates cfg (a pointer
// to the config the flags write into, so that the parsed values are the ones
// checked), and calls run with a context cancelled by SIGINT or SIGTERM. Errors are printed as one
// line "NAME: error"; the exit code is 2 for bad flags, 1 for a failed run, 0
// otherwise. It also writes timing.json (wall time) into out on success.
func Main(name string, fs *flag.FlagSet, args []string, cfg interface{ Validate() error }, out *string, run func(ctx context.Context, env Env) error) int {
	fs.SetOutput(io.Discard)
	var configFile, cpuProfile string
	if fs.Lookup("config") == nil {
		fs.StringVar(&configFile, "config", "", "read the configuration from FILE (a summary.json, or its config block); flags given too override it")
	}
	if fs.Lookup("cpuprofile") == nil {
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to FILE (read it with go tool pprof)")
	}
	if path := findConfigFlag(args); path != "" {
		if err := LoadConfig(path, cfg); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			return 2
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fmt.Fprintf(os.Stderr, "usage: go run ./experiments/%s [flags]\n", name)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "%s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	if err := checkOut(*out); err != nil {
		fmt.Fprintf(os.Stderr, "%s: -out %s: %v\n", name, *out, err)
		return 2
	}
	log := logrus.New()
	log.SetOutput(os.Stderr)
	log.SetLevel(logrus.WarnLevel)
	if f := fs.Lookup("v"); f != nil && f.Value.String() == "true" {
		log.SetLevel(logrus.DebugLevel)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: -cpuprofile: %v\n", name, err)
			return 2
		}
		defer stopProfile()
	}
	start := time.Now()
	if err := run(ctx, Env{Log: log, Stderr: os.Stderr}); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	wall := time.Since(start).Seconds()
	if err := interp.WriteJSON(*out+"/timing.json", map[string]float64{"wall_seconds": math.Round(wall*100) / 100}); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	log.WithField("seconds", wall).Info("done")
	fmt.Fprintf(os.Stderr, "%s: wrote %s in %.1fs\n", name, *out, wall)
	return 0
}

// checkOut reports, before any work is done, an output folder that could
// never be created: the path, or the nearest of its ancestors that exists,
// is not a directory. It creates nothing.
func checkOut(path string) error {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", p)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if parent := filepath.Dir(p); parent == p {
			return nil
		}
	}
}

// startCPUProfile starts profiling into path and returns the function that
// stops it and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// findConfigFlag returns the value of -config in args ("" when absent),
// looking only before the first non-flag argument, as flag parsing would.
func findConfigFlag(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			return ""
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "config" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// LoadConfig decodes the JSON file at path into cfg (a pointer): either a
// config block or a whole summary.json, whose "config" block is used. Unknown
// fields are errors, so that a mistyped name is not silently ignored; every
// error names the file.
func LoadConfig(path string, cfg any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-config: %w", err)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("-config %s: not a JSON object: %w", path, err)
	}
	if block, ok := probe["config"]; ok {
		if _, ok := probe["experiment"]; ok {
			data = block
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("-config %s: %w", path, err)
	}
	return nil
}

// FloatList adapts a []float64 to a comma-separated flag.Value.
func FloatList(p *[]float64) flag.Value { return (*floatList)(p) }

// QuietEnv returns an Env that logs warnings only, for tests.
func QuietEnv() Env {
	log := logrus.New()
	log.SetOutput(os.Stderr)
	log.SetLevel(logrus.WarnLevel)
	return Env{Log: log, Stderr: os.Stderr}
}
