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
	"reflect"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/safeio"
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
	// Shards is the sharding of a shard's run or a merge (nil otherwise).
	Shards *paper.Sharding
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
	return paper.Run{Log: e.Log, Progress: e.Progress, Shards: e.Shards}
}

// Main parses args into the flags registered on fs, validates cfg (a pointer
// to the config the flags write into, so that the parsed values are the ones
// checked), and calls run with a context cancelled by SIGINT or SIGTERM. Errors are printed as one
// line "NAME: error"; the exit code is 2 for bad flags, 1 for a failed run, 0
// otherwise. It also writes timing.json (wall time) into out on success.
func Main(name string, fs *flag.FlagSet, args []string, cfg interface{ Validate() error }, out *string, run func(ctx context.Context, env Env) error) (code int) {
	return runMain(name, fs, args, cfg, out, nil, run)
}

// runMain is Main; sf, when set, holds the shard flags of a sweep.
func runMain(name string, fs *flag.FlagSet, args []string, cfg interface{ Validate() error }, out *string, sf *shardFlags, run func(ctx context.Context, env Env) error) (code int) {
	fs.SetOutput(io.Discard)
	var config configFlag
	var cpuProfile string
	if fs.Lookup("config") == nil {
		fs.Var(&config, "config", "read the configuration from FILE (a summary.json, or its config block); flags given too override it, wherever they stand")
	}
	if fs.Lookup("cpuprofile") == nil {
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to FILE (read it with go tool pprof)")
	}
	err := fs.Parse(args)
	if err == nil && config.path != "" {
		// The file is the base and every flag overrides it, wherever it
		// stands: load the file, then parse the flags again over it.
		if err := LoadConfig(config.path, cfg); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			return 2
		}
		config.again = true
		err = fs.Parse(args)
	}
	if err != nil {
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
	var shard *paper.Shard
	if sf != nil {
		var from string
		shard, from, err = sf.resolve(os.Getenv)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			return 2
		}
		if shard != nil && from != "-shard" {
			fmt.Fprintf(os.Stderr, "%s: shard %s (from %s)\n", name, shard, from)
		}
	}
	merge := sf != nil && sf.merge
	checkpoint := ""
	if f := fs.Lookup("checkpoint"); f != nil {
		checkpoint = f.Value.String()
		if merge && checkpoint != "" {
			fmt.Fprintf(os.Stderr, "%s: -checkpoint: a merge trains nothing; give it to the shards only\n", name)
			return 2
		}
		if shard != nil && checkpoint != "" {
			// Each shard resumes from its own folder, locked on its own.
			checkpoint = filepath.Join(checkpoint, strings.TrimSuffix(shard.FileName(), ".part"))
			if err := f.Value.Set(checkpoint); err != nil {
				fmt.Fprintf(os.Stderr, "%s: -checkpoint: %v\n", name, err)
				return 2
			}
		}
	}
	key := runKey(name, cfg)
	var dirs *runDirs
	if shard != nil {
		dirs, err = prepareShard(*out, checkpoint, key, *shard)
	} else {
		dirs, err = prepareRun(*out, checkpoint, key, merge)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	defer dirs.release()
	final := *out
	*out = dirs.stage // the run writes here; commit swaps it in
	var sharding *paper.Sharding
	switch {
	case shard != nil:
		sharding, err = paper.NewShard(*shard)
	case merge:
		var parts []paper.Part
		parts, err = readParts(final, name, configJSON(cfg))
		if err == nil {
			sharding, err = paper.NewMerge(parts)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: -merge %s: %v\n", name, final, err)
		return 2
	}
	log := logrus.New()
	log.SetOutput(os.Stderr)
	log.SetLevel(logrus.WarnLevel)
	if f := fs.Lookup("v"); f != nil && f.Value.String() == "true" {
		log.SetLevel(logrus.DebugLevel)
	}
	ctx, stopped, stop := signalContext()
	defer stop()
	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: -cpuprofile: %v\n", name, err)
			return 2
		}
		defer func() {
			if err := stopProfile(); err != nil && code == 0 {
				fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
				code = 1
			}
		}()
	}
	start := time.Now()
	env := Env{Log: log, Stderr: os.Stderr, Timing: map[string]float64{}, Shards: sharding}
	err = run(ctx, env)
	if shard != nil && err == nil {
		err = errors.New("internal error: the run did not split into shards")
	}
	if shard != nil && errors.Is(err, paper.ErrShardDone) {
		return writeShardPart(name, final, cfg, sharding, time.Since(start).Seconds())
	}
	if err == nil && merge {
		err = sharding.Done()
		if err == nil {
			mergeTiming(env.Timing, sharding)
			err = linkParts(final, *out)
		}
	}
	if err != nil {
		if sig := stopped(); sig != nil {
			fmt.Fprintf(os.Stderr, "%s: stopped by %v; %s is as it was before this run\n", name, sig, final)
			return 128 + int(sig.(syscall.Signal))
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	wall := time.Since(start).Seconds()
	env.Timing["wall_seconds"] = math.Round(wall*100) / 100
	if err := interp.WriteJSON(*out+"/timing.json", env.Timing); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	if err := dirs.commit(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	*out = final
	log.WithField("seconds", wall).Info("done")
	fmt.Fprintf(os.Stderr, "%s: wrote %s in %.1fs\n", name, final, wall)
	return 0
}

// signalContext returns a context cancelled by SIGINT, SIGTERM or SIGHUP,
// a function returning the signal that cancelled it (nil if none), and the
// function that stops listening.
func signalContext() (context.Context, func() os.Signal, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	var got atomic.Value
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			got.Store(s)
			cancel()
		case <-done:
		}
	}()
	stopped := func() os.Signal {
		s, _ := got.Load().(os.Signal)
		return s
	}
	return ctx, stopped, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
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

// startCPUProfile starts profiling into a temporary file beside path and
// returns the function that stops it and renames the profile into place,
// reporting a write that failed (a full disk) rather than leaving an empty
// profile. A path that exists and is not a regular file is refused.
func startCPUProfile(path string) (func() error, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), path)
		}
		if err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("-cpuprofile %s: %w", path, err)
		}
		return nil
	}, nil
}

// configFlag is -config: one file, given at most once.
type configFlag struct {
	path  string
	again bool // the second parse, over the loaded file
}

func (c *configFlag) String() string { return c.path }

func (c *configFlag) Set(s string) error {
	switch {
	case c.again:
		return nil
	case c.path != "":
		return fmt.Errorf("given twice (%s and %s): give one file", c.path, s)
	case s == "":
		return errors.New("empty path")
	}
	c.path = s
	return nil
}

// LoadConfig decodes the JSON file at path into cfg (a pointer): either a
// config block or a whole summary.json, whose "config" block is used. Unknown
// fields are errors, so that a mistyped name is not silently ignored; every
// error names the file.
func LoadConfig(path string, cfg any) error {
	data, err := safeio.ReadFile(path, maxConfigBytes)
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
	if err := exactKeys(data, reflect.TypeOf(cfg), ""); err != nil {
		return fmt.Errorf("-config %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("-config %s: %w", path, err)
	}
	return nil
}

// maxConfigBytes bounds a -config file: a summary.json of the largest sweep
// is a few hundred kilobytes.
const maxConfigBytes = 64 << 20

// exactKeys reports a key of the JSON object data that matches a field of
// the struct t only case-insensitively (encoding/json would accept "STEPS"
// for "steps"), looking into nested objects. Keys that match nothing are
// left to the decoder's unknown-field check.
func exactKeys(data []byte, t reflect.Type, at string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return nil // not an object: the decoder names the mismatch
	}
	fields := jsonFields(t)
	for key, raw := range obj {
		if ft, ok := fields[key]; ok {
			if err := exactKeys(raw, ft, at+key+"."); err != nil {
				return err
			}
			continue
		}
		for name := range fields {
			if strings.EqualFold(name, key) {
				return fmt.Errorf("field %q: names are case-sensitive; did you mean %q?", at+key, at+name)
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of struct t's fields, embedded structs'
// included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = ft
	}
	return out
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

// MainSweep is Main for an experiment whose sweeps split between processes
// (see [Sweep]): it adds the shard flags to fs.
func MainSweep(name string, fs *flag.FlagSet, args []string, cfg interface{ Validate() error }, out *string, run func(ctx context.Context, env Env) error) int {
	var sf shardFlags
	sf.register(fs)
	return runMain(name, fs, args, cfg, out, &sf, run)
}

// Sweep is Command for an experiment whose sweeps split between processes:
// it adds -shard I/N (run one shard, write -out/shard-I-of-N.part),
// -shard-count N (the index from JOB_COMPLETION_INDEX) and -merge (read every
// part in -out and write what the unsharded run writes); a Slurm array task
// is a shard by itself.
func Sweep(name string, args []string, cfg Flags, out *string, run func(ctx context.Context, r paper.Run) error) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.Register(fs)
	return MainSweep(name, fs, args, cfg, out, func(ctx context.Context, env Env) error { return run(ctx, env.Run()) })
}

// intList is a comma-separated list of integers as a flag.Value.
type intList []int

func (l *intList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(s string) error {
	var out []int
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%q is not an integer", part)
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

// IntList adapts a []int to a comma-separated flag.Value.
func IntList(p *[]int) flag.Value { return (*intList)(p) }

// stringList is a comma-separated list of names as a flag.Value; the empty
// string is the empty list.
type stringList []string

func (l *stringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *stringList) Set(s string) error {
	*l = nil
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return (*nameList)(l).Set(s)
}

// nameList is a comma-separated list of names as a flag.Value, like
// stringList except that the empty string is one empty name (which the
// name's check then refuses) rather than the empty list.
type nameList []string

func (l *nameList) String() string { return strings.Join(*l, ",") }

func (l *nameList) Set(s string) error {
	*l = nil
	for _, part := range strings.Split(s, ",") {
		*l = append(*l, strings.TrimSpace(part))
	}
	return nil
}

// StringList adapts a []string to a comma-separated flag.Value.
func StringList(p *[]string) flag.Value { return (*stringList)(p) }
