package transformer

import (
	"context"
	"fmt"
	"math"

	"github.com/toymodels/superposition/graph"
)

// Splice is a hooked model measured against the clean one on the same
// windows.
type Splice struct {
	// CleanBits and HookedBits are the validation bits per byte of the
	// clean model and of the model with the hooks applied.
	CleanBits, HookedBits float64
	// KLBits is the mean, over predicted bytes, of the KL divergence from
	// the clean model's next-byte distribution to the hooked one's, in bits:
	// how much the hooks change what the model predicts, not only whether
	// the right byte stays likely.
	KLBits float64
}

// SpliceEval runs the model clean and with hooks over the evaluation
// windows of data (the rule of [BitsPerByte]: batch windows a pass, the
// first maxWindows when maxWindows > 0) and compares them. hooks run on the
// hooked pass only.
func SpliceEval(ctx context.Context, m *Model, p *graph.Params, data []byte, batch, maxWindows int, hooks graph.HookPoints) (Splice, error) {
	n := Windows(data, m.cfg.Ctx)
	if maxWindows > 0 {
		n = min(n, maxWindows)
	}
	if n == 0 {
		return Splice{}, fmt.Errorf("transformer: %d bytes: no window of %d bytes to evaluate", len(data), m.cfg.Ctx+1)
	}
	if batch < 1 {
		return Splice{}, fmt.Errorf("transformer: evaluation batch %d: want at least 1", batch)
	}
	cleanSrc := &seqSource{data: data, ctx: m.cfg.Ctx}
	hookedSrc := &seqSource{data: data, ctx: m.cfg.Ctx}
	var clean, hooked, kl float64
	v := m.cfg.Vocab
	for done := 0; done < n; {
		rows := min(batch, n-done)
		rc, err := graph.NewRunner(sampler{m}, cleanSrc, p, rows, nil)
		if err != nil {
			return Splice{}, err
		}
		rh, err := graph.NewRunner(sampler{m}, hookedSrc, p, rows, hooks)
		if err != nil {
			rc.Close()
			return Splice{}, err
		}
		for ; n-done >= rows; done += rows {
			if err := ctx.Err(); err != nil {
				rc.Close()
				rh.Close()
				return Splice{}, err
			}
			cv, err := rc.Run()
			if err == nil {
				var hv []float64
				if hv, err = rh.Run(); err == nil {
					clean += cv[0] * float64(rows)
					hooked += hv[0] * float64(rows)
					kl += klSum(rc.Watched("logits").Float32s(), rh.Watched("logits").Float32s(), v) / float64(m.cfg.Ctx)
				}
			}
			if err != nil {
				rc.Close()
				rh.Close()
				return Splice{}, err
			}
		}
		rc.Close()
		rh.Close()
	}
	w := float64(n) * math.Ln2
	return Splice{CleanBits: clean / w, HookedBits: hooked / w, KLBits: kl / w}, nil
}

// klSum returns Σ over rows of KL(softmax(p) ‖ softmax(q)) in nats, for
// logits p and q of rows × v.
func klSum(p, q []float32, v int) float64 {
	var sum float64
	for r := 0; r+v <= len(p); r += v {
		lp, lq := logSumExp(p[r:r+v]), logSumExp(q[r:r+v])
		var k float64
		for i := 0; i < v; i++ {
			a := float64(p[r+i]) - lp
			k += math.Exp(a) * (a - (float64(q[r+i]) - lq))
		}
		sum += max(k, 0)
	}
	return sum
}

func logSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}
