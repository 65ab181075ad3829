package graph

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/toymodels/superposition/internal/atomicfile"
	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/internal/sealed"
)

// Checkpoint files are sealed (internal/sealed: magic, format version,
// length, the gob-encoded state, SHA-256): any flipped byte or truncation is
// an error.
const (
	checkpointMagic   = "SPOSCKPT"
	checkpointVersion = 1
)

// ErrCheckpoint is wrapped by every error about a checkpoint file's content
// (corrupted, truncated, wrong version, for another run).
var ErrCheckpoint = errors.New("bad checkpoint")

// trainerState is what a checkpoint holds: enough to continue a run exactly.
type trainerState struct {
	// Key identifies the run (its configuration); a checkpoint of another
	// run is refused.
	Key      string
	Step     int
	AdamStep int
	Names    []string
	Shapes   [][]int
	Values   [][]float64
	M, V     map[string][]float64
	History  History
	// Extra is the caller's own state (an SAE's dead-latent counters).
	Extra []byte
}

// Checkpoint returns the trainer's state after its last step, with extra
// (caller state, may be nil), as checkpoint file bytes. key identifies the
// run; [Trainer.Restore] refuses a checkpoint with another key.
func (t *Trainer) Checkpoint(key string, extra []byte) ([]byte, error) {
	st := trainerState{Key: key, Step: t.step, AdamStep: t.adam.Step, M: t.adam.M, V: t.adam.V, History: t.hist, Extra: extra}
	for _, name := range t.p.Names() {
		st.Names = append(st.Names, name)
		st.Shapes = append(st.Shapes, t.p.Shape(name))
		st.Values = append(st.Values, t.p.Float64s(name))
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(st); err != nil {
		return nil, fmt.Errorf("graph: checkpoint: %w", err)
	}
	return sealed.Seal(checkpointMagic, checkpointVersion, payload.Bytes()), nil
}

// decodeCheckpoint checks a checkpoint file's framing and checksum and
// decodes its state.
func decodeCheckpoint(data []byte) (trainerState, error) {
	var st trainerState
	body, err := sealed.Open(data, checkpointMagic, checkpointVersion)
	if err != nil {
		return st, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&st); err != nil {
		return st, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	return st, nil
}

// Restore continues the trainer from a checkpoint made by
// [Trainer.Checkpoint] for the same key, model and source, and returns the
// caller state stored with it. The source is brought to the same point by
// drawing (and discarding) one batch per completed step, so the run goes on
// exactly as if it had never stopped.
func (t *Trainer) Restore(data []byte, key string) ([]byte, error) {
	st, err := decodeCheckpoint(data)
	if err != nil {
		return nil, err
	}
	if st.Key != key {
		return nil, fmt.Errorf("%w: made by a run with another configuration (rerun with the flags it was made with, or use another -checkpoint folder)", ErrCheckpoint)
	}
	if st.Step < t.step || st.Step > t.cfg.Steps || len(st.Names) != len(st.Shapes) || len(st.Names) != len(st.Values) {
		return nil, fmt.Errorf("%w: step %d of %d, %d parameters", ErrCheckpoint, st.Step, t.cfg.Steps, len(st.Names))
	}
	for i, name := range st.Names {
		cur := t.p.Tensor(name)
		if cur == nil || !sameShape(cur.Shape(), st.Shapes[i]) {
			return nil, fmt.Errorf("%w: parameter %s %v does not match the model", ErrCheckpoint, name, st.Shapes[i])
		}
	}
	if len(st.Names) != len(t.p.Names()) {
		return nil, fmt.Errorf("%w: %d parameters, the model has %d", ErrCheckpoint, len(st.Names), len(t.p.Names()))
	}
	for name, m := range st.M {
		cur := t.p.Tensor(name)
		if cur == nil || len(m) != cur.Size() || len(st.V[name]) != cur.Size() {
			return nil, fmt.Errorf("%w: optimiser moments of %s do not match the model", ErrCheckpoint, name)
		}
	}
	for i, name := range st.Names {
		if !allFinite(st.Values[i]) || !allFinite(st.M[name]) || !allFinite(st.V[name]) {
			return nil, fmt.Errorf("%w: parameter %s holds NaN or Inf", ErrCheckpoint, name)
		}
	}
	for i, name := range st.Names {
		if err := t.p.Set(name, st.Shapes[i], st.Values[i]); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
		}
	}
	t.adam.Step, t.adam.M, t.adam.V = st.AdamStep, st.M, st.V
	if t.adam.M == nil {
		t.adam.M, t.adam.V = map[string][]float64{}, map[string][]float64{}
	}
	t.hist = st.History
	if t.hist.Terms == nil {
		t.hist.Terms = t.prog.termNames
	}
	scratch := NewBatch(t.prog.batch.Rows, t.src.Inputs())
	for s := t.step; s < st.Step; s++ {
		t.src.Fill(scratch)
	}
	t.step = st.Step
	return st.Extra, nil
}

// checkpointLimit bounds the size of a checkpoint of this trainer: the
// parameters and both Adam moments (gob writes a float64 in at most 9
// bytes), the history (a few numbers a step), and 64 MiB for the rest
// (names, the caller's state).
func (t *Trainer) checkpointLimit() int64 {
	var elems int64
	for _, name := range t.p.Names() {
		elems += int64(t.p.Tensor(name).Size())
	}
	return 3*9*elems + 64*int64(t.cfg.Steps+1)*int64(len(t.prog.termNames)+2) + 64<<20
}

// SaveCheckpoint writes the trainer's checkpoint to path atomically (temp
// file, fsync, rename): a kill leaves the previous checkpoint or the new one.
func (t *Trainer) SaveCheckpoint(path, key string, extra []byte) error {
	data, err := t.Checkpoint(key, extra)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}

// LoadCheckpoint restores the trainer from path if the file exists and
// returns whether it did, with the caller state. A file that exists but
// cannot be used is an error naming it.
func (t *Trainer) LoadCheckpoint(path, key string) (bool, []byte, error) {
	data, err := safeio.ReadFile(path, t.checkpointLimit())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("graph: checkpoint %s: %w", path, err)
	}
	extra, err := t.Restore(data, key)
	if err != nil {
		return false, nil, fmt.Errorf("graph: checkpoint %s: %w", path, err)
	}
	return true, extra, nil
}

// allFinite reports whether no value is NaN or infinite.
func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
