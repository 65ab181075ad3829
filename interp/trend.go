package interp

import "math"

// Trend says whether a training run had stopped improving: it compares the
// mean training loss over the last tenth of the recorded steps with the mean
// over the tenth before it.
type Trend struct {
	// Previous and Last are the mean training loss over the second-last and
	// the last tenth of the records (at least two records each).
	Previous float64 `json:"previous"`
	Last     float64 `json:"last"`
	// Drop is (Previous − Last) / Previous: how much the loss still fell
	// over the last tenth of training.
	Drop float64 `json:"drop"`
	// StillFalling: the drop is more than FallingDrop and more than twice
	// its standard error, so more training would likely lower the loss.
	StillFalling bool `json:"still_falling"`
	// Records is the number of loss records the trend was read from; with
	// fewer than 4 nothing can be said and StillFalling is false.
	Records int `json:"records"`
}

// FallingDrop is the relative drop over the last tenth of training above
// which a loss counts as still falling.
const FallingDrop = 0.02

// LossTrend reads the trend of a training loss recorded at regular steps.
// Non-finite records make the trend non-finite and StillFalling false.
func LossTrend(losses []float64) Trend {
	t := Trend{Records: len(losses)}
	if len(losses) < 4 {
		return t
	}
	w := max(len(losses)/10, 2)
	last, prev := losses[len(losses)-w:], losses[len(losses)-2*w:len(losses)-w]
	mp, vp := meanVar(prev)
	ml, vl := meanVar(last)
	t.Previous, t.Last = mp, ml
	if mp != 0 {
		t.Drop = (mp - ml) / math.Abs(mp)
	}
	se := math.Sqrt((vp + vl) / float64(w))
	t.StillFalling = t.Drop > FallingDrop && mp-ml > 2*se
	return t
}

// meanVar is the mean and the sample variance of v (len(v) ≥ 2).
func meanVar(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v)-1)
}
