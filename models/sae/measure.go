package sae

import (
	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/interp"
)

// DownstreamLoss is the loss of the model an SAE reads, with the activations
// it reads replaced by h [rows, d]: the toy model's output loss with its
// hidden layer given, say. Measure calls it on the original activations, on
// the SAE's reconstruction and on zeros.
type DownstreamLoss func(h []float32) float64

// Measurement is a trained SAE measured against the ground truth of its
// activation source.
type Measurement struct {
	// L0 is the mean number of active latents per sample.
	L0 float64
	// FVU is the fraction of the activations' variance unexplained.
	FVU float64
	// DeadFraction and DenseFraction are the fractions of latents that never
	// fire and that fire on most samples (interp.DeadDense).
	DeadFraction, DenseFraction float64
	// MMCSTrueToLearned and MMCSLearnedToTrue are the mean max cosine
	// similarities between the true directions and the decoder's, both ways.
	MMCSTrueToLearned, MMCSLearnedToTrue float64
	// MatchedCosine is the mean cosine of the Hungarian matching.
	MatchedCosine float64
	// RecoveredFraction is the fraction of true features whose best latent
	// has cosine ≥ 0.9.
	RecoveredFraction float64
	// FeaturesPerLatent is the mean number of true features a live latent
	// responds to (the neurons' rule: ≥ 25% of its largest response and
	// ≥ 0.1), the counterpart of features per neuron.
	FeaturesPerLatent float64
	// LossRecovered is the downstream loss recovered when the reconstruction
	// replaces the activations; nil without a downstream loss.
	LossRecovered *float64
	// Frequencies are the latents' firing frequencies [latents].
	Frequencies []float64
	// Responses[j][i] is latent j's activation on true feature i alone
	// [latents, features].
	Responses [][]float64
}

// Measure measures the SAE m with parameters p on activations h [rows, d]
// (forward passes of batch rows) against the true directions truth
// [features, d], and returns the measurement and m's reconstruction of h
// [rows, d]. With loss not nil it also measures the loss recovered.
func Measure(m *Model, p *graph.Params, truth [][]float64, h []float32, batch int, loss DownstreamLoss) (Measurement, []float32, error) {
	cfg := m.Config()
	out, err := graph.Forward(p, h, cfg.Inputs, batch, func(b *graph.Builder, x *graph.Node) []*graph.Node {
		_, f := m.Encode(b, x, true)
		return []*graph.Node{f, m.Decode(b, f)}
	})
	if err != nil {
		return Measurement{}, nil, err
	}
	var r Measurement
	r.L0, r.Frequencies = interp.Firing(out[0], cfg.Latents)
	r.DeadFraction, r.DenseFraction = interp.DeadDense(r.Frequencies)
	r.FVU = interp.FVU(h, out[1], cfg.Inputs)
	cos := interp.Cosines(truth, p.Matrix(ParamWDec))
	r.MMCSTrueToLearned, r.MMCSLearnedToTrue = interp.MMCS(cos)
	r.MatchedCosine, _ = interp.MatchedCosine(cos)
	r.RecoveredFraction = interp.Recovered(cos, 0.9)
	// Each latent's response to each true feature alone.
	flat := make([]float32, 0, len(truth)*cfg.Inputs)
	for _, t := range truth {
		for _, v := range t {
			flat = append(flat, float32(v))
		}
	}
	resp, err := graph.Forward(p, flat, cfg.Inputs, len(truth), func(b *graph.Builder, x *graph.Node) []*graph.Node {
		_, f := m.Encode(b, x, true)
		return []*graph.Node{f}
	})
	if err != nil {
		return Measurement{}, nil, err
	}
	r.Responses = make([][]float64, cfg.Latents)
	for j := range r.Responses {
		r.Responses[j] = make([]float64, len(truth))
		for i := range truth {
			r.Responses[j][i] = float64(resp[0][i*cfg.Latents+j])
		}
	}
	r.FeaturesPerLatent = interp.Neurons(r.Responses, false).FeaturesPerNeuron
	if loss != nil {
		lr := interp.LossRecovered(loss(h), loss(out[1]), loss(make([]float32, len(h))))
		r.LossRecovered = &lr
	}
	return r, out[1], nil
}
