package main

import (
	"math"
	"math/rand/v2"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/sae"
)

// topkPool is the number of batches the topk workload draws before the
// clock starts and then cycles through: the peer leaves the time it spends
// making data out of its figure, and so does this.
const topkPool = 4

// benchTopK times training steps of the peer's `lm_peer.py sae` on its
// stand-in data: a TopK SAE d_in → latents keeping k, W_enc Kaiming-uniform
// [d_in, latents] (fan-in latents), W_dec its transpose with unit rows,
// zero biases, z = TopK((x − b_dec)W_enc + b_enc), x̂ = z W_dec + b_dec, the
// loss ‖x̂ − x‖² summed over inputs and averaged over the batch, Adam, and
// the decoder rows renormalised after every step; the activations are
// ReLU(g·P − 0.5) for g ~ N(0, I) and P [d_in, d_in] ~ N(0, 1/d_in). The
// SAE is sae.TopK's objective, whose AuxK term has no dead latent here (no
// recipe marks any), as the peer has none; -dense takes the dense
// reference path (sae.Config.DenseTopK). GFLOP/s counts the peer's six
// dense products, 12·B·d_in·latents, whatever path ran.
func benchTopK(cfg Config) (Result, error) {
	d, l := cfg.DIn, cfg.Latents
	model, err := sae.New(sae.Config{Variant: sae.TopK, Inputs: d, Latents: l, K: cfg.K, DenseTopK: cfg.Dense,
		Train: graph.Config{Steps: cfg.Steps, Batch: cfg.Batch, LR: cfg.LR}})
	if err != nil {
		return Result{}, err
	}
	src := newReLUGaussian(d, cfg.Batch, graph.Stream(cfg.Seed, "bench.topk.data"))
	p := graph.NewParams(graph.StreamSeed(cfg.Seed, "bench.topk.params"))
	enc := make([]float64, d*l)
	graph.KaimingUniform(graph.Stream(cfg.Seed, "bench.topk.init"), []int{d, l}, enc)
	dec := make([]float64, l*d)
	for j := 0; j < l; j++ {
		var s float64
		for i := 0; i < d; i++ {
			s += enc[i*l+j] * enc[i*l+j]
		}
		for i := 0; i < d; i++ {
			dec[j*d+i] = enc[i*l+j] / math.Sqrt(s)
		}
	}
	t, err := peerSAETrainer(model, src, p, enc, dec, d, l)
	if err != nil {
		return Result{}, err
	}
	defer t.Close()
	res, last, err := measure(cfg, []*graph.Trainer{t}, 12*float64(cfg.Batch*d*l))
	if err != nil {
		return Result{}, err
	}
	res.Loss = last[0][0]
	res.ActivationsPerS = math.Round(res.StepsPerS * float64(cfg.Batch))
	return res, nil
}

// reluGaussian is the peer's stand-in for MLP activations, ReLU(g·P − 0.5),
// drawn as topkPool batches up front and then replayed in turn.
type reluGaussian struct {
	width   int
	batches [][]float32
	next    int
}

func newReLUGaussian(d, rows int, rng *rand.Rand) *reluGaussian {
	proj := make([]float64, d*d)
	for i := range proj {
		proj[i] = rng.NormFloat64() / math.Sqrt(float64(d))
	}
	s := &reluGaussian{width: d}
	acc := make([]float64, d)
	for range topkPool {
		x := make([]float32, rows*d)
		for r := range rows {
			clear(acc)
			for i := range d {
				g := rng.NormFloat64()
				for j, p := range proj[i*d : (i+1)*d] {
					acc[j] += g * p
				}
			}
			for j, v := range acc {
				x[r*d+j] = float32(max(v-0.5, 0))
			}
		}
		s.batches = append(s.batches, x)
	}
	return s
}

func (s *reluGaussian) Width() int { return s.width }

func (s *reluGaussian) Fill(x []float32) {
	copy(x, s.batches[s.next%len(s.batches)])
	s.next++
}
