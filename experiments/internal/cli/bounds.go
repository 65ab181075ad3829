package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Bounds every experiment's sizes share, so that a mistyped value is a
// one-line error before any work, not an out-of-memory crash or a run of
// years. Sizes that multiply are checked together against the machine's
// memory ([FitsMemory]).
const (
	MaxSteps    = 100_000_000 // training steps: days of the smallest model
	MaxRestarts = 1000
	MaxWidth    = 1 << 16 // features, neurons, latents
	MaxBatch    = 1 << 20
	MaxSamples  = 1 << 24 // evaluation samples
	// MaxLR bounds Adam's learning rate: Adam moves each weight by about lr
	// a step, so beyond 1 every run diverges.
	MaxLR = 1.0
)

// IntIn names flag unless lo ≤ v ≤ hi.
func IntIn(flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d: must be between %d and %d", flag, v, lo, hi)
	}
	return nil
}

// PositiveAtMost names flag unless 0 < v ≤ hi (so never NaN).
func PositiveAtMost(flag string, v, hi float64) error {
	if !(v > 0 && v <= hi) {
		return fmt.Errorf("%s %v: must be a number in (0, %v]", flag, v, hi)
	}
	return nil
}

// FiniteAtLeast names flag unless v is finite and at least lo.
func FiniteAtLeast(flag string, v, lo float64) error {
	if !(v >= lo) || math.IsInf(v, 0) {
		return fmt.Errorf("%s %v: must be a finite number of at least %v", flag, v, lo)
	}
	return nil
}

// importanceDecay names flag unless the importances rⁱ of n features all
// stay far from float32's overflow and underflow.
func importanceDecay(flag string, r float64, n int) error {
	if !(r > 0) || math.IsInf(r, 0) {
		return fmt.Errorf("%s %v: must be a positive number", flag, r)
	}
	if last := math.Pow(r, float64(n-1)); !(last >= 1e-30 && last <= 1e30) {
		return fmt.Errorf("%s %v: the last of %d features would have importance %.3g, outside [1e-30, 1e30]", flag, r, n, last)
	}
	return nil
}

// FitsMemory names what needs bytes unless that is at most half the
// machine's memory.
func FitsMemory(what string, bytes float64) error {
	if budget := memoryBudget(); bytes > budget {
		return fmt.Errorf("%s: needs about %.3g GiB, more than half this machine's memory (%.3g GiB)", what, bytes/(1<<30), 2*budget/(1<<30))
	}
	return nil
}

// memoryBudget is half of MemTotal (8 GiB where /proc/meminfo is unread).
var memoryBudget = sync.OnceValue(func() float64 {
	if kb, err := memTotalKiB("/proc/meminfo"); err == nil {
		return float64(kb) * 1024 / 2
	}
	return 8 << 30
})

func memTotalKiB(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no MemTotal")
}

// CheckpointFolder names -checkpoint when the path exists and is not a
// folder (a file, a device): checkpoints could never be written there.
func CheckpointFolder(path string) error {
	return checkpointPath(path, fs.FileMode.IsDir, "not a folder")
}

// checkpointPath names -checkpoint when path exists and its mode is not ok.
func checkpointPath(path string, ok func(fs.FileMode) bool, why string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("-checkpoint %s: %w", path, err)
	}
	if !ok(fi.Mode()) {
		return fmt.Errorf("-checkpoint %s: %s", path, why)
	}
	return nil
}

// OutputFolder names flag when path could never become a folder the run
// writes: it, or its nearest existing ancestor, is not a folder, or its
// parent cannot be created. It may create the parent folders.
func OutputFolder(flag, path string) error {
	if path == "" {
		return nil
	}
	if err := checkOut(path); err != nil {
		return fmt.Errorf("%s %s: %v", flag, path, err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(path)), 0o755); err != nil {
		return fmt.Errorf("%s %s: %v", flag, path, err)
	}
	return nil
}
