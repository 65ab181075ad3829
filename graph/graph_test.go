package graph

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// quadratic is the model loss = mean over the batch of Σⱼ (wⱼ·xⱼ − 1)² + c,
// with one weight per input column.
type quadratic struct{ width int }

func (q quadratic) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	w := b.Param("w", Full(0.5), q.width)
	c := b.Param("c", Zeros, 1)
	r := b.MulRow(x, w)
	sq := b.Square(b.AddRow(r, b.Const(repeat(-1, q.width))))
	return []Term{
		{Name: "fit", Node: b.Scale(b.Sum(sq), 1/float64(x.Shape()[0]))},
		{Name: "offset", Node: b.Sum(b.Square(c))},
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// ones is a Source of all-ones batches.
type ones struct{ width int }

func (o ones) Width() int { return o.width }
func (o ones) Fill(x []float32) {
	for i := range x {
		x[i] = 1
	}
}

func TestGradCheckQuadratic(t *testing.T) {
	p := NewParamsOf(tensor.Float64, 1)
	x := []float64{0.3, -1.2, 2, 0.7, 0.1, 0.5}
	res, err := GradCheck(quadratic{width: 3}, x, 3, p, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if res.RelErr > 1e-6 {
		t.Errorf("GradCheck worst %s[%d]: analytic %v, numeric %v", res.Param, res.Index, res.Analytic, res.Numeric)
	}
}

// refAdam is a scalar transcription of torch.optim.AdamW's update.
func refAdam(w float64, grads []float64, lr, wd float64) float64 {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	var m, v float64
	for t, g := range grads {
		w *= 1 - lr*wd
		m = b1*m + (1-b1)*g
		v = b2*v + (1-b2)*g*g
		mh := m / (1 - math.Pow(b1, float64(t+1)))
		vh := v / (1 - math.Pow(b2, float64(t+1)))
		w -= lr * mh / (math.Sqrt(vh) + eps)
	}
	return w
}

func TestAdamMatchesReference(t *testing.T) {
	grads := []float64{0.5, -2, 0.01, 3}
	for _, wd := range []float64{0, 0.01} {
		a := NewAdam(AdamConfig{WeightDecay: wd})
		w := tensor.New(tensor.WithBacking([]float64{1.5}))
		for _, g := range grads {
			gt := tensor.New(tensor.WithBacking([]float64{g}))
			if err := a.Update(0.1, []string{"w"}, []*tensor.Dense{w}, []*tensor.Dense{gt}); err != nil {
				t.Fatal(err)
			}
		}
		got, want := w.Float64s()[0], refAdam(1.5, grads, 0.1, wd)
		if math.Abs(got-want) > 1e-14 {
			t.Errorf("Adam(wd=%v) w = %v; want %v", wd, got, want)
		}
	}
}

func TestAdamRejectsNaNGradient(t *testing.T) {
	a := NewAdam(AdamConfig{})
	w := tensor.New(tensor.WithBacking([]float32{1, 2}))
	g := tensor.New(tensor.WithBacking([]float32{0, float32(math.NaN())}))
	err := a.Update(0.1, []string{"W"}, []*tensor.Dense{w}, []*tensor.Dense{g})
	if err == nil || !strings.Contains(err.Error(), "parameter W") {
		t.Fatalf("Update with NaN gradient: err = %v; want one naming parameter W", err)
	}
	if w.Float32s()[0] != 1 || a.Step != 0 {
		t.Errorf("Update with NaN gradient changed state: w = %v, step %d", w.Data(), a.Step)
	}
}

func TestTrainConverges(t *testing.T) {
	p := NewParams(1)
	cfg := Config{Steps: 2000, Batch: 4, LR: 0.01}
	hist, err := Train(context.Background(), quadratic{width: 2}, FromFeatures(ones{2}), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := hist.Last()[0]; got > 1e-6 {
		t.Errorf("final fit term = %v; want < 1e-6", got)
	}
	for i, w := range p.Float64s("w") {
		if math.Abs(w-1) > 1e-3 {
			t.Errorf("w[%d] = %v; want 1", i, w)
		}
	}
	ev, err := Evaluate(context.Background(), quadratic{width: 2}, FromFeatures(ones{2}), p, 100, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Name != "fit" || ev[0].Value > 1e-6 {
		t.Errorf("Evaluate = %v; want fit ≈ 0 first", ev)
	}
}

func TestTrainStopsOnNonFinite(t *testing.T) {
	p := NewParams(1)
	cfg := Config{Steps: 100, Batch: 4, LR: 1e38}
	_, err := Train(context.Background(), quadratic{width: 2}, FromFeatures(ones{2}), p, cfg)
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "step ") {
		t.Fatalf("Train with lr 1e38: err = %v; want ErrNonFinite naming the step", err)
	}
}

func TestTrainCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Train(ctx, quadratic{width: 2}, FromFeatures(ones{2}), NewParams(1), Config{Steps: 10, Batch: 1, LR: 1e-3})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Train on a cancelled context: err = %v; want context.Canceled", err)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []struct {
		name, field string
		cfg         Config
	}{
		{"zero steps", "steps", Config{Steps: 0, Batch: 1, LR: 1}},
		{"negative batch", "batch", Config{Steps: 1, Batch: -1, LR: 1}},
		{"NaN lr", "lr", Config{Steps: 1, Batch: 1, LR: math.NaN()}},
		{"schedule", "schedule", Config{Steps: 1, Batch: 1, LR: 1, Schedule: "step"}},
		{"beta", "beta1", Config{Steps: 1, Batch: 1, LR: 1, Adam: AdamConfig{Beta1: 1}}},
	}
	for _, tt := range bad {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("Validate(%s) = %v; want an error naming %q", tt.name, err, tt.field)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
}

func TestScheduleRate(t *testing.T) {
	tests := []struct {
		s                   Schedule
		step, steps, warmup int
		want                float64
	}{
		{Constant, 50, 100, 0, 1},
		{Linear, 0, 100, 0, 1},
		{Linear, 50, 100, 0, 0.5},
		{Cosine, 50, 100, 0, 0.5},
		{Cosine, 0, 100, 0, 1},
		{Tail, 79, 100, 0, 1},
		{Tail, 90, 100, 0, 0.5},
		{Tail, 0, 100, 0, 1},
		{Constant, 0, 100, 10, 0.1},
		{Linear, 10, 110, 10, 1},
		{Linear, 60, 110, 10, 0.5},
		// The peer's LM schedule: warmup factor times a cosine from step 0.
		{WarmupCosine, 0, 300, 100, 0.01},
		{WarmupCosine, 99, 300, 100, 0.5 * (1 + math.Cos(math.Pi*99/300))},
		{WarmupCosine, 150, 300, 100, 0.5},
		{WarmupCosine, 10, 100, 0, 0.5 * (1 + math.Cos(math.Pi*10/100))},
	}
	for _, tt := range tests {
		if got := tt.s.Rate(1, tt.step, tt.steps, tt.warmup); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s.Rate(step %d of %d, warmup %d) = %v; want %v", tt.s, tt.step, tt.steps, tt.warmup, got, tt.want)
		}
	}
}

// noisy is a Source of seeded pseudo-random batches.
type noisy struct {
	width int
	seed  uint64
}

func (n *noisy) Width() int { return n.width }
func (n *noisy) Fill(x []float32) {
	rng := NewRand(n.seed, 0)
	n.seed++
	for i := range x {
		x[i] = rng.Float32()
	}
}

func TestSweepDeterministicAcrossGOMAXPROCS(t *testing.T) {
	run := func() [][]float64 {
		out, err := Sweep(context.Background(), 5, func(ctx context.Context, i int) ([]float64, error) {
			seed := DeriveSeed(42, uint64(i))
			p := NewParams(seed)
			_, err := Train(ctx, quadratic{width: 3}, FromFeatures(&noisy{width: 3, seed: DeriveSeed(seed, 1)}), p, Config{Steps: 50, Batch: 64, LR: 0.01})
			return p.Float64s("w"), err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := run()
	runtime.GOMAXPROCS(2)
	two := run()
	for i := range one {
		for j := range one[i] {
			if one[i][j] != two[i][j] {
				t.Fatalf("instance %d w[%d]: %v with GOMAXPROCS=1, %v with 2", i, j, one[i][j], two[i][j])
			}
		}
	}
	if one[0][0] == one[1][0] {
		t.Errorf("instances 0 and 1 trained identically; derived seeds should differ")
	}
}

func TestSweepReturnsFirstError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Sweep(context.Background(), 4, func(ctx context.Context, i int) (int, error) {
		if i == 2 {
			return 0, boom
		}
		return i, nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("Sweep err = %v; want boom", err)
	}
}

// TestAdamParallelIsExact: above parallelForMin Adam splits each update over
// the cores; the parameters must be bit-identical to one core's.
func TestAdamParallelIsExact(t *testing.T) {
	const size = parallelForMin + 77
	rng := NewRand(8, 0)
	grad := tensor.New(tensor.WithShape(size), tensor.Of(tensor.Float32))
	for i, g := 0, grad.Float32s(); i < size; i++ {
		g[i] = float32(rng.NormFloat64())
	}
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		w := tensor.New(tensor.WithShape(size), tensor.Of(tensor.Float32))
		a := NewAdam(AdamConfig{})
		for range 3 {
			if err := a.Update(1e-3, []string{"w"}, []*tensor.Dense{w}, []*tensor.Dense{grad}); err != nil {
				t.Fatal(err)
			}
		}
		return w.Float32s()
	}
	one, two := run(1), run(2)
	for i := range one {
		if math.Float32bits(one[i]) != math.Float32bits(two[i]) {
			t.Fatalf("w[%d] = %v on one core, %v on two", i, one[i], two[i])
		}
	}
}

func TestClipGrads(t *testing.T) {
	tests := []struct {
		name     string
		grads    [][]float32
		limit    float64
		wantNorm float64
		want     [][]float32
	}{
		{"under the limit is unchanged", [][]float32{{0.3}, {0.4}}, 1, 0.5, [][]float32{{0.3}, {0.4}}},
		{"over the limit is scaled to it", [][]float32{{3, 0}, {4}}, 1, 5, [][]float32{{0.6, 0}, {0.8}}},
		{"the norm spans every parameter", [][]float32{{1, 1}, {1, 1}}, 1, 2, [][]float32{{0.5, 0.5}, {0.5, 0.5}}},
	}
	for _, tt := range tests {
		ts := make([]*tensor.Dense, len(tt.grads))
		for i, g := range tt.grads {
			ts[i] = tensor.New(tensor.WithBacking(append([]float32(nil), g...)), tensor.WithShape(len(g)))
		}
		if got := clipGrads(ts, tt.limit); math.Abs(got-tt.wantNorm) > 1e-6 {
			t.Errorf("%s: norm = %v; want %v", tt.name, got, tt.wantNorm)
		}
		for i, g := range ts {
			for j, v := range g.Float32s() {
				if math.Abs(float64(v-tt.want[i][j])) > 1e-6 {
					t.Errorf("%s: grad[%d][%d] = %v; want %v", tt.name, i, j, v, tt.want[i][j])
				}
			}
		}
	}
}

func TestFirstNonFinite(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, at := range []int{-1, 0, 3, 7, 8, 15, 16, 17, 18} {
		for _, bad := range []float32{nan, inf, -inf} {
			x := make([]float32, 19)
			for i := range x {
				x[i] = []float32{0, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1}[i%5]
			}
			if at >= 0 {
				x[at] = bad
				x[18] = nan // a later one must not win
			}
			want := at
			if at < 0 {
				want = -1
			}
			if got := firstNonFinite(tensor.New(tensor.WithBacking(x), tensor.WithShape(len(x)))); got != want {
				t.Errorf("firstNonFinite with %v at %d = %d; want %d", bad, at, got, want)
			}
		}
	}
}
