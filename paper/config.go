package paper

import (
	"fmt"
	"path/filepath"

	"github.com/toymodels/superposition/models/tms"
)

// Common is the part of every experiment's configuration that sets where
// results go, the seed and how long each model trains.
type Common struct {
	// Out is the output folder; not part of the results.
	Out string `json:"-"`
	// Seed determines every random draw of the run.
	Seed uint64 `json:"seed"`
	// Steps is the number of training steps per model (≥ 1).
	Steps int `json:"steps"`
	// Restarts is k of best-of-k fits (≥ 1): the lowest loss is kept.
	Restarts int `json:"restarts"`
	// Verbose asks for per-step debug logging; not part of the results.
	Verbose bool `json:"-"`
}

// Training is the optimiser setup shared by the toy-model experiments.
type Training struct {
	// Batch is the batch size (≥ 1).
	Batch int `json:"batch"`
	// LR is Adam's learning rate (> 0).
	LR float64 `json:"lr"`
	// EvalSamples is the number of fresh samples each reported loss (and the
	// choice of the best restart) is averaged over (≥ 1).
	EvalSamples int `json:"eval_samples"`
}

// Toy is the configuration of a toy-model sweep (intro, basic, geometry,
// privileged, absval): one instance per model kind and feature probability.
type Toy struct {
	Common
	// Features is n.
	Features int `json:"features"`
	// Hidden is m; Hidden ≥ Features is allowed, with no pressure towards
	// superposition.
	Hidden int `json:"hidden"`
	// Importance is the decay r of Iᵢ = rⁱ (> 0).
	Importance float64 `json:"importance_decay"`
	// Probabilities are the feature probabilities p = 1 − S, one instance
	// each, every one in (0, 1].
	Probabilities []float64 `json:"probabilities"`
	// Model is linear, relu, privileged, absval, or both (relu and linear).
	Model string `json:"model"`
	Training
	Checkpoints
}

// Checkpoints is where a toy sweep keeps its training checkpoints.
type Checkpoints struct {
	// Checkpoint is a folder of training checkpoints (one per model and
	// restart, every CheckpointEvery steps); running the same configuration
	// again resumes. "" means none. Neither is part of the results.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
}

// sweepDir is the checkpoint folder of the sweep labelled label ("" when c
// keeps none).
func (c Checkpoints) sweepDir(label string) string {
	if c.Checkpoint == "" {
		return ""
	}
	return filepath.Join(c.Checkpoint, fileName(label))
}

// Kinds returns the model kinds selected by Model, relu first for "both".
func (t Toy) Kinds() ([]tms.Kind, error) {
	switch t.Model {
	case "both":
		return []tms.Kind{tms.ReLUOutput, tms.Linear}, nil
	case "relu-output":
		return []tms.Kind{tms.ReLUOutput}, nil
	}
	for _, k := range tms.Kinds {
		if t.Model == string(k) {
			return []tms.Kind{k}, nil
		}
	}
	return nil, fmt.Errorf("model %q: want one of %v (relu-output for relu), or both (relu and linear)", t.Model, tms.Kinds)
}
