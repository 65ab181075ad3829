// Command bench times the two workloads of the PyTorch peer
// (../shared/peers/torch_peer.py) with the same meaning for every flag, and
// prints one JSON line: workload, config, seconds, steps_per_s, loss, bytes
// and allocations per step, achieved GFLOP/s.
//
//	go run ./experiments/bench -workload toy -instances 10 -features 5 -hidden 2 -batch 1024 -steps 2000
//	go run ./experiments/bench -workload sae -d-in 64 -latents 512 -batch 1024 -steps 500
//	go run ./experiments/bench -workload lm -batch 32 -steps 50
//	go run ./experiments/bench -workload topk -d-in 512 -latents 4096 -k 32 -batch 4096 -steps 20
//	go run ./experiments/bench -workload harvest -batch 32 -steps 20
//
// toy: K ReLU-output models x′ = ReLU(WᵀW x + b), instance k with feature
// probability 50^(−k/(K−1)), importance 0.9ⁱ, W drawn as the peer's
// xavier_normal_ on a [K, m, n] tensor (std √(2/(mn + Kn))), Adam; the
// instances are trained as tms.Sweep trains them (small ones stacked into
// one graph per core, tms.Stack, larger ones one graph each; -graphs
// overrides), on all cores. The loss is
// reported in the peer's convention: the importance-weighted squared error
// averaged over batch and features, summed over instances. sae: d_in-wide
// activations made of `latents` random unit directions, each active with
// probability 0.01 at a U[0,1) magnitude; an SAE, initialised as the peer's
// (Kaiming-uniform W_enc [d_in, latents], W_dec its transpose), z = ReLU((x − b_dec)W_enc +
// b_enc), x̂ = z W_dec + b_dec with the loss ‖x̂ − x‖² + l1 Σⱼ zⱼ‖W_dec,ⱼ‖,
// Adam, and the decoder rows renormalised after every step. Both time the
// training loop only (graphs are compiled before the clock starts), as the
// peer does, and leave the first step (which allocates every op's buffers)
// out of the timing and of the allocation count. topk is the TopK SAE of
// ../shared/peers/lm_peer.py's sae workload (see benchTopK), timed in
// activations per second; -dense runs its dense reference path.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/sae"
	"github.com/toymodels/superposition/models/tms"
	"github.com/toymodels/superposition/toy"
)

// Config holds the flags, named as the peer's.
type Config struct {
	Workload  string `json:"workload"`
	Instances int    `json:"instances"`
	Features  int    `json:"features"`
	Hidden    int    `json:"hidden"`
	DIn       int    `json:"d_in"`
	Latents   int    `json:"latents"`
	K         int    `json:"k,omitempty"`
	// Ctx is the lm and harvest workloads' context length (0: the lm
	// default, 128).
	Ctx int `json:"ctx,omitempty"`
	// M and N are sgemm's outer sizes (K its inner one).
	M       int     `json:"m,omitempty"`
	N       int     `json:"n,omitempty"`
	Dense   bool    `json:"dense,omitempty"`
	Batch   int     `json:"batch"`
	Steps   int     `json:"steps"`
	LR      float64 `json:"lr"`
	L1      float64 `json:"l1"`
	Seed    uint64  `json:"seed"`
	Threads int     `json:"threads"`
	Graphs  int     `json:"graphs"`
}

// Validate names the first bad flag.
func (c Config) Validate() error {
	switch {
	case !slices.Contains(workloads, c.Workload):
		return fmt.Errorf("-workload %q: want one of %s", c.Workload, strings.Join(workloads, ", "))
	case c.Workload == "sgemm" && (c.M < 1 || c.K < 1 || c.N < 1 || c.M > 1<<16 || c.K > 1<<16 || c.N > 1<<16 || float64(c.M)*float64(c.K)+float64(c.K)*float64(c.N)+float64(c.M)*float64(c.N) > 1<<30):
		return fmt.Errorf("-m %d, -k %d, -n %d: sgemm's sizes must be in [1, 65536], its three matrices at most 2³⁰ values", c.M, c.K, c.N)
	case c.Instances < 1:
		return fmt.Errorf("-instances %d: must be at least 1", c.Instances)
	case c.Features < 1 || c.Hidden < 1:
		return fmt.Errorf("-features %d, -hidden %d: must be at least 1", c.Features, c.Hidden)
	case c.DIn < 1 || c.Latents < 1:
		return fmt.Errorf("-d-in %d, -latents %d: must be at least 1", c.DIn, c.Latents)
	case (c.Workload == "topk" || c.Workload == "topk-sae") && (c.K < 1 || c.K > c.Latents):
		return fmt.Errorf("-k %d: must be in [1, latents=%d]", c.K, c.Latents)
	case c.Ctx < 0 || c.Ctx > 4096:
		return fmt.Errorf("-ctx %d: must be in [0, 4096] (0: the lm default)", c.Ctx)
	case c.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", c.Batch)
	case (c.Workload == "lm" || c.Workload == "harvest") && c.Batch > maxSeqTokens/max(c.Ctx, 128):
		// The transformer's buffers grow with the tokens of a step.
		return fmt.Errorf("-batch %d: at most %d sequences (%d tokens a step) for %s", c.Batch, maxSeqTokens/max(c.Ctx, 128), maxSeqTokens, c.Workload)
	case c.Steps < 2 || c.Steps > 100_000_000:
		// The first step warms up and is not timed: a rate needs one more.
		return fmt.Errorf("-steps %d: must be between 2 (one warm-up step, one timed) and 100000000", c.Steps)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("-lr %v: must be a positive number", c.LR)
	case !(c.L1 >= 0) || math.IsInf(c.L1, 0):
		return fmt.Errorf("-l1 %v: must be a non-negative number", c.L1)
	case c.Threads < 0:
		return fmt.Errorf("-threads %d: must not be negative", c.Threads)
	case c.Graphs < 0:
		return fmt.Errorf("-graphs %d: must not be negative", c.Graphs)
	}
	return nil
}

// maxSeqTokens bounds the tokens of a transformer step (lm and harvest): a
// training step of 2²⁰ tokens (experiments/lm's bound) does not fit in 23 GiB,
// 2¹⁸ does.
const maxSeqTokens = 1 << 18

// workloads are the -workload names; topk is the old name of topk-sae.
var workloads = []string{"toy", "sae", "lm", "topk-sae", "topk", "sgemm", "harvest", "clock"}

// Result is the JSON line bench prints.
type Result struct {
	Workload      string  `json:"workload"`
	Config        Config  `json:"config"`
	Threads       int     `json:"threads"`
	Seconds       float64 `json:"seconds"`
	StepsPerS     float64 `json:"steps_per_s"`
	Loss          float64 `json:"loss"`
	BytesPerStep  float64 `json:"bytes_per_step"`
	AllocsPerStep float64 `json:"allocs_per_step"`
	GFLOPs        float64 `json:"gflop_per_s"`
	// TokensPerS is the lm workload's training tokens per second, and the
	// harvest workload's rows (tokens) through the model per second.
	TokensPerS float64 `json:"tokens_per_s,omitempty"`
	// ActivationsPerS is the topk workload's activations (rows) per second.
	ActivationsPerS float64 `json:"activations_per_s,omitempty"`
	// GFLOPS is the sgemm workload's rate (2·m·k·n per product).
	GFLOPS float64 `json:"gflops,omitempty"`
	// MHz and MHzMin are the clock workload's measured clock: the mean over
	// the cores and the slowest core's.
	MHz    float64 `json:"mhz,omitempty"`
	MHzMin float64 `json:"mhz_min,omitempty"`
}

func main() { os.Exit(exitCode(os.Args[1:], os.Stdout, os.Stderr)) }

func exitCode(args []string, stdout, stderr io.Writer) int {
	cfg := Config{Workload: "toy", Instances: 8, Features: 5, Hidden: 2, DIn: 64, Latents: 512, K: 32, Batch: 1024, Steps: 2000, LR: 1e-3, L1: 1e-3}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.Workload, "workload", cfg.Workload, "toy, sae, lm, topk-sae (or topk), sgemm, harvest or clock (the cores' clock under load, measured; -steps 2000 is about a second)")
	fs.IntVar(&cfg.Instances, "instances", cfg.Instances, "toy: models trained side by side")
	fs.IntVar(&cfg.Features, "features", cfg.Features, "toy: features n")
	fs.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "toy: hidden dimensions m")
	fs.IntVar(&cfg.DIn, "d-in", cfg.DIn, "sae: activation width")
	fs.IntVar(&cfg.Latents, "latents", cfg.Latents, "sae: dictionary size (and true features)")
	fs.IntVar(&cfg.K, "k", cfg.K, "topk-sae: active latents per activation; sgemm: the inner size")
	fs.IntVar(&cfg.Ctx, "ctx", cfg.Ctx, "lm and harvest: context length (0: the lm default)")
	fs.IntVar(&cfg.M, "m", cfg.M, "sgemm: rows of A and C")
	fs.IntVar(&cfg.N, "n", cfg.N, "sgemm: columns of B and C")
	fs.BoolVar(&cfg.Dense, "dense", cfg.Dense, "topk: the dense reference path (sae.Config.DenseTopK)")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "batch size")
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "timed steps")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate")
	fs.Float64Var(&cfg.L1, "l1", cfg.L1, "sae: L1 coefficient")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	fs.IntVar(&cfg.Threads, "threads", cfg.Threads, "goroutines running instances (0: GOMAXPROCS)")
	fs.IntVar(&cfg.Graphs, "graphs", cfg.Graphs, "toy: graphs the instances are stacked into (0: as tms.Sweep, one per core when features × hidden ≤ 1024, else one per instance)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed loop to FILE")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if cfg.Threads > 0 {
		runtime.GOMAXPROCS(cfg.Threads)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	var res Result
	var err error
	switch cfg.Workload {
	case "toy":
		res, err = benchToy(cfg)
	case "lm":
		res, err = benchLM(cfg)
	case "topk", "topk-sae":
		res, err = benchTopK(cfg)
	case "sgemm":
		res, err = benchSgemm(cfg)
	case "harvest":
		res, err = benchHarvest(cfg)
	case "clock":
		res, err = benchClock(cfg)
	default:
		res, err = benchSAE(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	line, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(line))
	return 0
}

// measure runs steps of every trainer (instances spread over the cores) and
// fills the timing fields of a Result.
func measure(cfg Config, trainers []*graph.Trainer, flopsPerStep float64) (Result, [][]float64, error) {
	last := make([][]float64, len(trainers))
	// The first step allocates every op's buffers; it is run before the
	// clock and the allocation count start, so the figures are steady state.
	for i, t := range trainers {
		v, err := t.Step()
		if err != nil {
			return Result{}, nil, err
		}
		last[i] = v
	}
	timed := cfg.Steps - 1
	res, err := timeSteps(cfg, timed, flopsPerStep, func() error {
		_, err := graph.Sweep(context.Background(), len(trainers), func(_ context.Context, i int) (struct{}, error) {
			for s := 0; s < timed; s++ {
				v, err := trainers[i].Step()
				if err != nil {
					return struct{}{}, err
				}
				last[i] = v
			}
			return struct{}{}, nil
		})
		return err
	})
	return res, last, err
}

// timeSteps runs run, which does timed steps, on the clock and with the
// allocations counted, and fills the timing fields of a Result (flopsPerStep
// gives its GFLOP/s).
func timeSteps(cfg Config, timed int, flopsPerStep float64, run func() error) (Result, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := run()
	secs := time.Since(start).Seconds()
	runtime.ReadMemStats(&after)
	if err != nil {
		return Result{}, err
	}
	steps := float64(timed)
	return Result{
		Workload:      cfg.Workload,
		Config:        cfg,
		Threads:       runtime.GOMAXPROCS(0),
		Seconds:       math.Round(secs*1e4) / 1e4,
		StepsPerS:     math.Round(steps/secs*100) / 100,
		BytesPerStep:  math.Round(float64(after.TotalAlloc-before.TotalAlloc) / steps),
		AllocsPerStep: math.Round(float64(after.Mallocs-before.Mallocs)/steps*10) / 10,
		GFLOPs:        math.Round(flopsPerStep*steps/secs/1e9*100) / 100,
	}, nil
}

func benchToy(cfg Config) (Result, error) {
	n, m, k := cfg.Features, cfg.Hidden, cfg.Instances
	imp := toy.Geometric(n, 0.9)
	models := make([]*tms.Model, k)
	srcs := make([]graph.Features, k)
	params := make([]*graph.Params, k)
	for i := range k {
		p := 1.0
		if k > 1 {
			p = math.Pow(50, -float64(i)/float64(k-1))
		}
		tm, err := tms.New(tms.Config{Kind: tms.ReLUOutput, Features: n, Hidden: m, Importance: imp})
		if err != nil {
			return Result{}, err
		}
		models[i] = tm
		if srcs[i], err = toy.NewSourcePCG(toy.Config{Features: n, Probability: []float64{p}}, graph.NewPCG(graph.StreamSeed(cfg.Seed, "bench.toy.data", i), 0)); err != nil {
			return Result{}, err
		}
		// The peer draws W [k, m, n] with torch's xavier_normal_, whose fan-in
		// and fan-out of a 3-D tensor are m·n and k·n.
		params[i] = graph.NewParams(graph.StreamSeed(cfg.Seed, "bench.toy.params", i))
		w := make([]float64, m*n)
		graph.Normal(math.Sqrt(2/float64(m*n+k*n)))(graph.Stream(cfg.Seed, "bench.toy.init", i), []int{m, n}, w)
		if err := params[i].Set(tms.ParamW, []int{m, n}, w); err != nil {
			return Result{}, err
		}
	}
	// Instance i goes to graph i mod g: each graph stacks every g-th
	// instance, so that dense and sparse instances mix in every graph.
	g := cfg.Graphs
	if g == 0 { // as tms.Sweep: small models stacked, one graph per core
		g = k
		if n*m <= tms.StackMaxSize {
			g = runtime.GOMAXPROCS(0)
		}
	}
	g = min(g, k)
	trainers := make([]*graph.Trainer, g)
	for j := range g {
		var gm []*tms.Model
		var gs []graph.Features
		var gp []*graph.Params
		for i := j; i < k; i += g {
			gm, gs, gp = append(gm, models[i]), append(gs, srcs[i]), append(gp, params[i])
		}
		var model graph.Model = gm[0]
		src, p := gs[0], gp[0]
		if len(gm) > 1 {
			cfgs := make([]tms.Config, len(gm))
			for i, tm := range gm {
				cfgs[i] = tm.Config
			}
			stack, err := tms.NewStack(cfgs)
			if err != nil {
				return Result{}, err
			}
			if p, err = tms.StackParams(gm, gp); err != nil {
				return Result{}, err
			}
			if src, err = graph.StackSources(gs...); err != nil {
				return Result{}, err
			}
			model = stack
		}
		t, err := graph.NewTrainer(meanOverFeatures{model, n}, graph.FromFeatures(src), p, graph.Config{Steps: cfg.Steps, Batch: len(gm) * cfg.Batch, LR: cfg.LR})
		if err != nil {
			return Result{}, err
		}
		defer t.Close()
		trainers[j] = t
	}
	// Forward x·Wᵀ and h·W, backward twice that: 12·B·n·m per instance.
	res, last, err := measure(cfg, trainers, 12*float64(cfg.Batch*n*m*k))
	if err != nil {
		return Result{}, err
	}
	for i := range k { // in instance order, whatever the stacking
		res.Loss += last[i%g][i/g]
	}
	return res, nil
}

// meanOverFeatures is a toy model (or stack) with the peer's loss: every
// term averaged over features as well as the batch (1/n of ours), so that
// Adam, whose ε does not scale, takes the same steps.
type meanOverFeatures struct {
	graph.Model
	features int
}

func (m meanOverFeatures) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	t := m.Model.Loss(b, in)
	for i := range t {
		t[i].Node = b.Scale(t[i].Node, 1/float64(m.features))
	}
	return t
}

func benchSAE(cfg Config) (Result, error) {
	d, l := cfg.DIn, cfg.Latents
	model, err := sae.New(sae.Config{Variant: sae.ReLUL1Norm, Inputs: d, Latents: l, L1: cfg.L1,
		Train: graph.Config{Steps: cfg.Steps, Batch: cfg.Batch, LR: cfg.LR}})
	if err != nil {
		return Result{}, err
	}
	src, err := sae.NewSynthetic(sae.SyntheticConfig{Inputs: d, Features: l, Active: 0.01 * float64(l)}, graph.Stream(cfg.Seed, "bench.sae.data"))
	if err != nil {
		return Result{}, err
	}
	// The peer's initialisation: W_enc [d, L] Kaiming-uniform (fan-in L),
	// W_dec its transpose, zero biases.
	p := graph.NewParams(graph.StreamSeed(cfg.Seed, "bench.sae.params"))
	enc := make([]float64, d*l)
	graph.KaimingUniform(graph.Stream(cfg.Seed, "bench.sae.init"), []int{d, l}, enc)
	dec := make([]float64, l*d)
	for i := 0; i < d; i++ {
		for j := 0; j < l; j++ {
			dec[j*d+i] = enc[i*l+j]
		}
	}
	t, err := peerSAETrainer(model, src, p, enc, dec, d, l)
	if err != nil {
		return Result{}, err
	}
	defer t.Close()
	// Encoder and decoder products, forward and backward: 12·B·d·L.
	res, last, err := measure(cfg, []*graph.Trainer{t}, 12*float64(cfg.Batch*d*l))
	if err != nil {
		return Result{}, err
	}
	res.Loss = last[0][0] + last[0][1]
	return res, nil
}

// peerSAETrainer sets the SAE parameters as the peer initialises them
// (W_enc enc [d, l], W_dec dec [l, d], zero biases) and returns a trainer of
// model's objective that renormalises the decoder rows after every step, as
// the peer does.
func peerSAETrainer(model *sae.Model, src graph.Features, p *graph.Params, enc, dec []float64, d, l int) (*graph.Trainer, error) {
	for _, s := range []struct {
		name  string
		shape []int
		vals  []float64
	}{{sae.ParamWEnc, []int{d, l}, enc}, {sae.ParamWDec, []int{l, d}, dec}, {sae.ParamBEnc, []int{l}, make([]float64, l)}, {sae.ParamBDec, []int{d}, make([]float64, d)}} {
		if err := p.Set(s.name, s.shape, s.vals); err != nil {
			return nil, err
		}
	}
	renorm := graph.WithHooks(graph.Hooks{AfterStep: func(_ int, p *graph.Params) error {
		sae.NormaliseDecoder(p)
		return nil
	}})
	return graph.NewTrainer(model.Objective(), graph.FromFeatures(src), p, model.Config().Train, renorm)
}

// benchSgemm times cfg.Steps − 1 products [m, k]·[k, n] of our float32
// GEMM (graph.MatMul32) on dense random data, after one untimed product,
// three times, and keeps the best, as sgemm_peer.py times OpenBLAS (a
// single short timing in a fresh process caught the clock ramping up: 77
// against 137 GFLOP/s on 2048×512·512×128 at 8 steps).
func benchSgemm(cfg Config) (Result, error) {
	rng := graph.Stream(cfg.Seed, "bench.sgemm")
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	a, b, c := fill(cfg.M*cfg.K), fill(cfg.K*cfg.N), make([]float32, cfg.M*cfg.N)
	graph.MatMul32(c, a, b, cfg.M, cfg.K, cfg.N)
	secs := math.Inf(1)
	for range 3 {
		start := time.Now()
		for range cfg.Steps - 1 {
			graph.MatMul32(c, a, b, cfg.M, cfg.K, cfg.N)
		}
		secs = min(secs, time.Since(start).Seconds())
	}
	rate := float64(cfg.Steps-1) / secs
	flops := 2 * float64(cfg.M) * float64(cfg.K) * float64(cfg.N)
	return Result{Workload: cfg.Workload, Config: cfg, Threads: runtime.GOMAXPROCS(0), Seconds: secs, StepsPerS: rate,
		GFLOPs: rate * flops / 1e9, GFLOPS: rate * flops / 1e9}, nil
}
