package transformer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/toymodels/superposition/graph"
)

// ActivationStream is a graph.Features source of one hook point's
// activations (blocks.0.mlp.hook_post, say) of a trained model, generated
// as they are consumed: forward passes over batches of windows from src
// fill a buffer of shuffled rows, and every row handed out is replaced by a
// fresh one, as SAELens' activation store mixes many windows into each
// batch. Activations are multiplied by Scale, chosen on the first fill so
// that their mean squared norm is their width (SAELens' convention); fold
// 1/Scale back into exported weights. Deterministic for a seed.
type ActivationStream struct {
	r     *graph.Runner
	hook  string
	width int
	buf   []float32 // rows of the shuffle buffer
	fresh []float32 // the last forward pass's rows not yet used
	// freshBuf (for hook points read through a hook function) and origBuf
	// back fresh and freshOrig, which are consumed from the front, so that
	// a pass reuses their memory.
	freshBuf []float32
	origBuf  []int64
	rng      *rand.Rand
	Scale    float32
	passes   int
	err      error
	// Where rows came from, when the source says (windowStarts): the byte
	// offset in its data of the token each row is the activation at, for
	// the buffer, the fresh rows and the rows of the last Fill; else −1.
	src                    windowStarts
	ctx, windows           int
	bufOrig, freshOrig, at []int64
}

// windowStarts is a source of windows that can say where each came from,
// such as corpus.Windows.
type windowStarts interface {
	Step() int
	Starts(step, rows int) []int
}

// Err returns the first error of a forward pass run by Fill.
func (s *ActivationStream) Err() error { return s.err }

// NewActivationStream returns a stream of the activations at hook (one of
// HookNames but the attention pattern) of m with parameters p over the
// windows of src (a source of "tokens" and "targets", such as
// corpus.NewWindows), windows per forward pass, with a shuffle buffer of
// bufferRows rows.
func NewActivationStream(m *Model, p *graph.Params, src graph.Source, hook string, windows, bufferRows int, seed uint64) (*ActivationStream, error) {
	width := m.cfg.DModel
	switch hook {
	case HookMLPPre, HookMLPPost:
		width = m.cfg.DMLP
	case HookPattern:
		return nil, fmt.Errorf("transformer: activations of %s are not rows of one width", hook)
	}
	known := false
	for _, h := range HookNames {
		known = known || h == hook
	}
	if !known {
		return nil, fmt.Errorf("transformer: no hook point %q (want one of %v)", hook, HookNames)
	}
	if windows < 1 || bufferRows < windows*m.cfg.Ctx {
		return nil, fmt.Errorf("transformer: %d windows per pass, buffer of %d rows: want ≥ 1 window and a buffer of at least one pass (%d rows)", windows, bufferRows, windows*m.cfg.Ctx)
	}
	s := &ActivationStream{hook: hook, width: width, rng: rand.New(rand.NewPCG(seed, 0xac7)), Scale: 1, ctx: m.cfg.Ctx, windows: windows}
	s.src, _ = src.(windowStarts)
	// Logits watches HookMLPPost itself; other hook points are read through
	// a hook function that copies them.
	hooks := graph.HookPoints{}
	if hook != HookMLPPost {
		hooks[hook] = func(x []float32, _, _ int) error {
			s.freshBuf = append(s.freshBuf[:0], x...)
			s.fresh = s.freshBuf
			return nil
		}
	}
	// The MLP's input and output are read from a program that ends there.
	var prog graph.Model = m
	if hook == HookMLPPre || hook == HookMLPPost {
		prog = mlpModel{m}
	}
	r, err := graph.NewRunner(prog, src, p, windows, hooks)
	if err != nil {
		return nil, err
	}
	s.r = r
	for len(s.buf) < bufferRows*width {
		if err := s.pass(); err != nil {
			r.Close()
			return nil, err
		}
		n := min(len(s.fresh), bufferRows*width-len(s.buf))
		s.buf = append(s.buf, s.fresh[:n]...)
		s.fresh = s.fresh[n:]
		s.bufOrig = append(s.bufOrig, s.freshOrig[:n/width]...)
		s.freshOrig = s.freshOrig[n/width:]
	}
	// Scale so that the mean squared norm is the width.
	var ss float64
	for _, v := range s.buf {
		ss += float64(v) * float64(v)
	}
	if ms := ss / float64(bufferRows); ms > 0 {
		s.Scale = float32(math.Sqrt(float64(width) / ms))
	}
	for i := range s.buf {
		s.buf[i] *= s.Scale
	}
	for i := range s.fresh {
		s.fresh[i] *= s.Scale
	}
	return s, nil
}

// pass runs one forward pass and leaves its rows in s.fresh, unscaled.
func (s *ActivationStream) pass() error {
	s.origBuf = s.origBuf[:0]
	if s.src != nil {
		for _, start := range s.src.Starts(s.src.Step(), s.windows) {
			for j := range s.ctx {
				s.origBuf = append(s.origBuf, int64(start+j))
			}
		}
	} else {
		for range s.windows * s.ctx {
			s.origBuf = append(s.origBuf, -1)
		}
	}
	s.freshOrig = s.origBuf
	if _, err := s.r.Run(); err != nil {
		return err
	}
	if s.hook == HookMLPPost {
		// The graph's own buffer, which the next pass overwrites: a pass
		// runs only once every fresh row has been used.
		s.fresh = s.r.Watched(HookMLPPost).Float32s()
	}
	s.passes++
	return nil
}

// Width implements graph.Features.
func (s *ActivationStream) Width() int { return s.width }

// Passes is the number of forward passes run so far.
func (s *ActivationStream) Passes() int { return s.passes }

// Fill implements graph.Features: rows drawn at random from the buffer,
// each replaced by the next fresh activation. Fill has no error result: a
// forward pass that fails (it cannot, for a source of in-range tokens)
// leaves zeros and is reported by [ActivationStream.Err].
func (s *ActivationStream) Fill(x []float32) {
	w := s.width
	rows := len(s.buf) / w
	if s.err != nil {
		clear(x)
		return
	}
	s.at = s.at[:0]
	for r := 0; r < len(x)/w; r++ {
		if len(s.fresh) == 0 {
			if err := s.pass(); err != nil {
				s.err = fmt.Errorf("transformer: activation stream: %w", err)
				clear(x)
				return
			}
			for i := range s.fresh {
				s.fresh[i] *= s.Scale
			}
		}
		i := s.rng.IntN(rows)
		copy(x[r*w:(r+1)*w], s.buf[i*w:(i+1)*w])
		copy(s.buf[i*w:(i+1)*w], s.fresh[:w])
		s.fresh = s.fresh[w:]
		s.at = append(s.at, s.bufOrig[i])
		s.bufOrig[i], s.freshOrig = s.freshOrig[0], s.freshOrig[1:]
	}
}

// Origins returns, for each row of the last Fill, the byte offset in the
// source's data (corpus.Windows: the training stream) of the token the row
// is the activation at, or −1 where the source cannot say. The slice is
// reused by the next Fill.
func (s *ActivationStream) Origins() []int64 { return s.at }

// Sample returns a copy of the buffer's first rows (for initialising an
// SAE's b_dec), scaled.
func (s *ActivationStream) Sample(rows int) []float32 {
	rows = min(rows, len(s.buf)/s.width)
	return append([]float32(nil), s.buf[:rows*s.width]...)
}

// Close releases the forward program.
func (s *ActivationStream) Close() error { return s.r.Close() }
