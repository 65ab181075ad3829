package graph

import (
	"fmt"
	"math"
)

// Schedule names a learning-rate schedule.
type Schedule string

// The learning-rate schedules. Each multiplies the base rate by a factor that
// depends on the step, after an optional linear warmup.
const (
	// Constant keeps the base rate.
	Constant Schedule = "constant"
	// Linear decays the rate linearly to 0 at the last step.
	Linear Schedule = "linear"
	// Cosine decays the rate along a half cosine to 0 at the last step.
	Cosine Schedule = "cosine"
	// Tail keeps the base rate, then decays it linearly to 0 over the last
	// fifth of the steps (the SAE recipe of Conerly et al., 2024).
	Tail Schedule = "tail"
	// WarmupCosine multiplies a linear warmup factor min(1, (step+1)/warmup)
	// by a half cosine over the whole run, ½(1 + cos(π·step/steps)): the
	// schedule of the language-model peer (lm_peer.py), where the cosine
	// starts at step 0 rather than after the warmup.
	WarmupCosine Schedule = "warmup-cosine"
)

// Validate reports an unknown schedule name. The empty name means Constant.
func (s Schedule) Validate() error {
	switch s {
	case "", Constant, Linear, Cosine, Tail, WarmupCosine:
		return nil
	}
	return fmt.Errorf("unknown schedule %q (want constant, linear, cosine, tail or warmup-cosine)", string(s))
}

// Rate returns the learning rate at step (0-based) of steps, for base rate lr
// and warmup steps of linear warmup from lr/warmup up to lr.
func (s Schedule) Rate(lr float64, step, steps, warmup int) float64 {
	if s == WarmupCosine {
		f := 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(max(steps, 1))))
		if warmup > 0 {
			f *= min(1, float64(step+1)/float64(warmup))
		}
		return lr * f
	}
	if warmup > 0 && step < warmup {
		return lr * float64(step+1) / float64(warmup)
	}
	span := steps - warmup
	if span <= 0 {
		return lr
	}
	frac := float64(step-warmup) / float64(span)
	switch s {
	case Linear:
		return lr * (1 - frac)
	case Cosine:
		return lr * 0.5 * (1 + math.Cos(math.Pi*frac))
	case Tail:
		return lr * min(1, 5*(1-frac))
	}
	return lr
}
