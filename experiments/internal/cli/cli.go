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
	"github.com/toymodels/superposition/paper"
)

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
	// Timing collects figures for timing.json (tokens_per_s, say), which
	// Main writes with the wall time after a successful run. Timings are
	// kept out of summary.json, which must not depend on the machine.
	Timing map[string]float64
}

// Progress returns a progress bar over total steps (nil, a no-op, when stderr
// is not a terminal or when -v logging is on).
func (e Env) Progress(label string, total int) *graph.Progress {
	if e.Log.IsLevelEnabled(logrus.DebugLevel) {
		return nil
	}
	return graph.NewProgress(e.Stderr, label, total)
}

// Run returns the paper.Run of e: its logger and progress bars.
func (e Env) Run() paper.Run {
	return paper.Run{Log: e.Log, Progress: e.Progress}
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
	env := Env{Log: log, Stderr: os.Stderr, Timing: map[string]float64{}}
	if err := run(ctx, env); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	wall := time.Since(start).Seconds()
	env.Timing["wall_seconds"] = math.Round(wall*100) / 100
	if err := interp.WriteJSON(*out+"/timing.json", env.Timing); err != nil {
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

// Flags is a configuration that registers its own flags and validates them.
type Flags interface {
	Register(fs *flag.FlagSet)
	Validate() error
}

// Command is Main for an experiment whose flags are cfg's (a pointer, so
// that run sees the parsed values): it registers them on a fresh flag set
// named name, and runs run with the paper.Run of the command line.
func Command(name string, args []string, cfg Flags, out *string, run func(ctx context.Context, r paper.Run) error) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.Register(fs)
	return Main(name, fs, args, cfg, out, func(ctx context.Context, env Env) error { return run(ctx, env.Run()) })
}
