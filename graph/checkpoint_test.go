package graph

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ckModel is a small ReLU autoencoder over random sparse data.
type ckModel struct{}

func (ckModel) Loss(b *Builder, in Inputs) []Term {
	x := in.X()
	W := b.Param("W", Normal(0.5), 3, 6)
	bias := b.Param("b", Zeros, 6)
	out := b.AddRowReLU(b.MatMul(b.MatMulT(x, W), W), bias)
	return []Term{{Name: "loss", Node: b.WeightedSqErr(x, out, b.Const(slices.Repeat([]float64{1}, 6)))}}
}

// ckSource draws sparse rows from its own generator.
type ckSource struct{ rng *rand.Rand }

func (s ckSource) Width() int { return 6 }
func (s ckSource) Fill(x []float32) {
	for i := range x {
		x[i] = 0
		if s.rng.Float64() < 0.3 {
			x[i] = float32(s.rng.Float64())
		}
	}
}

func TestCheckpointResumeIsExact(t *testing.T) {
	cfg := Config{Steps: 50, Batch: 16, LR: 1e-2, LogEvery: 5}
	full := NewParams(3)
	wantHist, err := Train(context.Background(), ckModel{}, FromFeatures(ckSource{NewRand(4, 0)}), full, cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.ckpt")
	// Interrupt at step 23 (the last checkpoint is at step 21), then rerun.
	ctx, cancel := context.WithCancel(context.Background())
	stop := WithHooks(Hooks{AfterStep: func(step int, _ *Params) error {
		if step == 22 {
			cancel()
		}
		return nil
	}})
	if _, err := Train(ctx, ckModel{}, FromFeatures(ckSource{NewRand(4, 0)}), NewParams(3), cfg, WithCheckpoint(path, "k", 7), stop); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v; want context.Canceled", err)
	}
	resumed := NewParams(3)
	gotHist, err := Train(context.Background(), ckModel{}, FromFeatures(ckSource{NewRand(4, 0)}), resumed, cfg, WithCheckpoint(path, "k", 7))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range full.Names() {
		if !slices.Equal(full.Float64s(name), resumed.Float64s(name)) {
			t.Errorf("%s differs between the uninterrupted and the resumed run", name)
		}
	}
	if len(gotHist.Records) != len(wantHist.Records) || !slices.Equal(gotHist.Last(), wantHist.Last()) {
		t.Errorf("history: %d records ending %v; want %d ending %v", len(gotHist.Records), gotHist.Last(), len(wantHist.Records), wantHist.Last())
	}
	// A finished run's checkpoint makes a rerun a no-op with the same result.
	again := NewParams(3)
	if _, err := Train(context.Background(), ckModel{}, FromFeatures(ckSource{NewRand(4, 0)}), again, cfg, WithCheckpoint(path, "k", 7)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Float64s("W"), full.Float64s("W")) {
		t.Error("rerun from a final checkpoint changed the result")
	}
}

func TestCheckpointRejectsBadFiles(t *testing.T) {
	cfg := Config{Steps: 10, Batch: 8, LR: 1e-2}
	tr, err := NewTrainer(ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for i := 0; i < 3; i++ {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	good, err := tr.Checkpoint("k", []byte("extra"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *Trainer {
		f, err := NewTrainer(ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	if extra, err := fresh().Restore(good, "k"); err != nil || string(extra) != "extra" {
		t.Fatalf("Restore(good) = %q, %v", extra, err)
	}
	if _, err := fresh().Restore(good, "other"); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("Restore with another key: %v; want ErrCheckpoint", err)
	}
	other, err := NewTrainer(ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), Config{Steps: 2, Batch: 8, LR: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Restore(good, "k"); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("Restore of step 3 into a 2-step run: %v; want ErrCheckpoint", err)
	}
	f := fresh()
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x10
		if _, err := f.Restore(bad, "k"); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("byte %d flipped: %v; want ErrCheckpoint", i, err)
		}
	}
	for n := 0; n < len(good); n++ {
		if _, err := f.Restore(good[:n], "k"); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("truncated to %d bytes: %v; want ErrCheckpoint", n, err)
		}
	}
	path := filepath.Join(t.TempDir(), "x.ckpt")
	if err := os.WriteFile(path, good[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(context.Background(), ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), cfg, WithCheckpoint(path, "k", 1)); err == nil || !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("Train from a truncated checkpoint: %v; want an error naming %s", err, path)
	}
	if data, _ := os.ReadFile(path); len(data) != 10 {
		t.Error("a failed resume overwrote the bad checkpoint")
	}
}

// TestCheckpointRefusesUntrustedFiles covers what a checksum cannot catch:
// a crafted checkpoint with a valid checksum carrying NaN weights, and paths
// that are not checkpoints at all (a device, a FIFO, a folder, a file too
// large for this model), each refused naming the file, without blocking.
func TestCheckpointRefusesUntrustedFiles(t *testing.T) {
	cfg := Config{Steps: 10, Batch: 8, LR: 1e-2}
	newTrainer := func() *Trainer {
		tr, err := NewTrainer(ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		return tr
	}
	tr := newTrainer()
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	w := tr.p.Float64s("W")
	w[2] = math.NaN()
	if err := tr.p.Set("W", tr.p.Shape("W"), w); err != nil {
		t.Fatal(err)
	}
	nan, err := tr.Checkpoint("k", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newTrainer().Restore(nan, "k"); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("Restore(NaN weights, valid checksum) = %v; want ErrCheckpoint", err)
	}

	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.ckpt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.ckpt")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.ckpt")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, newTrainer().checkpointLimit()+1); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, zero, big, dir} {
		done := make(chan error, 1)
		go func() { _, _, err := newTrainer().LoadCheckpoint(path, "k"); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("LoadCheckpoint(%s) = %v; want an error naming it", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("LoadCheckpoint(%s) still blocked after 5 s", path)
		}
	}
}

func FuzzRestore(f *testing.F) {
	cfg := Config{Steps: 10, Batch: 8, LR: 1e-2}
	tr, err := NewTrainer(ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), cfg)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		f.Fatal(err)
	}
	good, err := tr.Checkpoint("k", nil)
	if err != nil {
		f.Fatal(err)
	}
	tr.Close()
	f.Add(good)
	f.Add([]byte(checkpointMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := NewTrainer(ckModel{}, FromFeatures(ckSource{NewRand(1, 0)}), NewParams(1), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		_, _ = tr.Restore(data, "k") // must not panic
	})
}
