package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/toymodels/superposition/paper"
	"golang.org/x/sys/unix"
)

// A run's output folder is written whole or not at all: the run writes into
// a fresh staging folder next to -out, and only a run that succeeds swaps it
// in (renameat2's RENAME_EXCHANGE: a reader sees the old folder or the new
// one, never a mix). An advisory lock (flock) next to -out, and one next to
// -checkpoint, keeps two runs from sharing either.

// outLock is the lock file of the folder path: ".NAME.lock" beside it (not
// inside it: the folder itself is swapped).
func outLock(path string) string {
	dir, base := filepath.Split(filepath.Clean(path))
	return filepath.Join(dir, "."+base+".lock")
}

// stagingPrefix is the name prefix of out's staging folders.
func stagingPrefix(out string) string {
	dir, base := filepath.Split(filepath.Clean(out))
	return filepath.Join(dir, "."+base+".staging-")
}

// lockFile takes an exclusive flock on path (created if absent) without
// waiting. held names what is locked, for the error.
func lockFile(path, held string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: lock: %w", held, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by another run (it holds %s); wait for it or choose another folder", held, path)
		}
		return nil, fmt.Errorf("%s: lock %s: %w", held, path, err)
	}
	return f, nil
}

// isRunOutput reports whether the folder at path may be replaced by a run's
// output: it is empty, or it holds a run's summary.json or timing.json. Any
// other folder (a home folder given as -out by mistake) is refused rather
// than replaced.
func isRunOutput(path string) (bool, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return false, err
	}
	if len(entries) == 0 {
		return true, nil
	}
	for _, e := range entries {
		if n := e.Name(); n == "summary.json" || n == "timing.json" {
			return true, nil
		}
	}
	return false, nil
}

// runDirs holds a run's locks and its staging folder.
type runDirs struct {
	out, stage string
	locks      []*os.File
}

// prepareRun locks out (and checkpoint, when set), refuses what a run could
// not or must not write, removes what killed runs left behind, and creates
// the staging folder the run writes into. key identifies the run's
// configuration: a checkpoint folder made by another configuration is
// refused before any work.
func prepareRun(out, checkpoint, key string, merge bool) (*runDirs, error) {
	out = filepath.Clean(out)
	if abs, err := filepath.Abs(out); err == nil && filepath.Dir(abs) == abs {
		return nil, fmt.Errorf("-out %s: the root folder cannot be an output folder", out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, fmt.Errorf("-out %s: %w", out, err)
	}
	d := &runDirs{out: out}
	lock, err := lockFile(outLock(out), "-out "+out)
	if err != nil {
		return nil, err
	}
	d.locks = append(d.locks, lock)
	if fi, err := os.Lstat(out); err == nil {
		if !fi.IsDir() {
			d.release()
			return nil, fmt.Errorf("-out %s: not a folder", out)
		}
		ok, err := isRunOutput(out)
		if err != nil {
			d.release()
			return nil, fmt.Errorf("-out %s: %w", out, err)
		}
		switch parts := holdsParts(out); {
		case parts && !merge:
			d.release()
			return nil, fmt.Errorf("-out %s: holds shard parts, which this run would replace; merge them with -merge, or give another folder", out)
		case parts:
			ok = true
		}
		if !ok {
			d.release()
			return nil, fmt.Errorf("-out %s: exists and holds no run's summary.json; a run replaces its output folder whole, so give a new or empty folder", out)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		d.release()
		return nil, fmt.Errorf("-out %s: %w", out, err)
	}
	if checkpoint != "" {
		if err := d.lockCheckpoint(filepath.Clean(checkpoint), key); err != nil {
			d.release()
			return nil, err
		}
	}
	stale, _ := filepath.Glob(stagingPrefix(out) + "*")
	for _, s := range stale {
		os.RemoveAll(s) // left by a killed run; the lock says none is running
	}
	stage, err := os.MkdirTemp(filepath.Dir(out), filepath.Base(stagingPrefix(out)))
	if err != nil {
		d.release()
		return nil, fmt.Errorf("-out %s: %w", out, err)
	}
	d.stage = stage
	return d, nil
}

// lockCheckpoint locks the checkpoint path, records key in its lock file,
// refuses a non-empty checkpoint made under another key, and removes the
// temporary files of checkpoint writes a kill interrupted.
func (d *runDirs) lockCheckpoint(ck, key string) error {
	if within(ck, d.out) {
		return fmt.Errorf("-checkpoint %s: inside -out %s, which a run replaces whole; keep checkpoints elsewhere", ck, d.out)
	}
	if fi, err := os.Stat(ck); err == nil && !fi.IsDir() && !fi.Mode().IsRegular() {
		return fmt.Errorf("-checkpoint %s: neither a folder nor a file", ck)
	}
	if err := os.MkdirAll(filepath.Dir(ck), 0o755); err != nil {
		return fmt.Errorf("-checkpoint %s: %w", ck, err)
	}
	lock, err := lockFile(outLock(ck), "-checkpoint "+ck)
	if err != nil {
		return err
	}
	d.locks = append(d.locks, lock)
	var prev [128]byte
	n, _ := lock.ReadAt(prev[:], 0)
	if old := strings.TrimSpace(string(prev[:n])); old != "" && old != key && hasCheckpoints(ck) {
		return fmt.Errorf("-checkpoint %s: made by a run with another configuration (rerun with the flags it was made with, or use another -checkpoint folder)", ck)
	}
	if err := lock.Truncate(0); err != nil {
		return fmt.Errorf("-checkpoint %s: %w", ck, err)
	}
	if _, err := lock.WriteAt([]byte(key+"\n"), 0); err != nil {
		return fmt.Errorf("-checkpoint %s: %w", ck, err)
	}
	removeTemps(ck)
	return nil
}

// hasCheckpoints reports whether the checkpoint path holds anything: a
// checkpoint file, or a folder with files in it.
func hasCheckpoints(ck string) bool {
	fi, err := os.Stat(ck)
	if err != nil {
		return false
	}
	if !fi.IsDir() {
		return true
	}
	found := false
	filepath.WalkDir(ck, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// removeTemps removes the ".NAME.tmp…" files atomic writes leave when
// killed, in the checkpoint folder (or beside the checkpoint file).
func removeTemps(ck string) {
	root := ck
	if fi, err := os.Stat(ck); err != nil || !fi.IsDir() {
		root = filepath.Dir(ck)
		matches, _ := filepath.Glob(filepath.Join(root, "."+filepath.Base(ck)+".tmp*"))
		for _, m := range matches {
			os.Remove(m)
		}
		return
	}
	filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp") {
			os.Remove(path)
		}
		return nil
	})
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	ap, err1 := filepath.Abs(path)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ad, ap)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// commit swaps the staging folder in as out and removes the old output.
func (d *runDirs) commit() error {
	syncDir(d.stage) // best effort: the files themselves were synced by atomicfile
	err := unix.Renameat2(unix.AT_FDCWD, d.stage, unix.AT_FDCWD, d.out, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		// d.stage now holds the previous output.
	case errors.Is(err, unix.ENOENT):
		// No previous output: a plain rename.
		if err := os.Rename(d.stage, d.out); err != nil {
			return fmt.Errorf("-out %s: %w", d.out, err)
		}
		d.stage = ""
	case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS):
		// A filesystem without RENAME_EXCHANGE: move the old output aside,
		// then the new one in (a reader may briefly find no folder, never
		// a mix of two runs).
		old := d.stage + ".old"
		if err := os.Rename(d.out, old); err != nil {
			return fmt.Errorf("-out %s: %w", d.out, err)
		}
		if err := os.Rename(d.stage, d.out); err != nil {
			os.Rename(old, d.out)
			return fmt.Errorf("-out %s: %w", d.out, err)
		}
		d.stage = old
	default:
		return fmt.Errorf("-out %s: %w", d.out, err)
	}
	syncDir(filepath.Dir(d.out))
	return nil
}

// release removes the staging folder (the failed run's output, or after a
// commit the previous one) and drops the locks.
func (d *runDirs) release() {
	if d.stage != "" {
		os.RemoveAll(d.stage)
	}
	for _, l := range d.locks {
		l.Close()
	}
}

// syncDir fsyncs a folder (persisting renames in it).
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// runKey identifies a run for its checkpoint folder: the experiment and a
// hash of its configuration's JSON (which leaves out -out, -checkpoint and
// -v).
func runKey(name string, cfg any) string {
	sum := sha256.Sum256([]byte(configJSON(cfg)))
	return name + " " + hex.EncodeToString(sum[:16])
}

// configJSON is the JSON of a run's configuration: what its results depend
// on (it leaves out -out, -checkpoint, -v and the shard flags).
func configJSON(cfg any) string {
	js, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Sprintf("unencodable configuration: %v", err)
	}
	return string(js)
}

// prepareShard locks shard's part of the folder out (other shards write
// theirs beside it) and checkpoint, and makes a throwaway folder for
// whatever the pipeline writes besides its part.
func prepareShard(out, checkpoint, key string, shard paper.Shard) (*runDirs, error) {
	out = filepath.Clean(out)
	if abs, err := filepath.Abs(out); err == nil && filepath.Dir(abs) == abs {
		return nil, fmt.Errorf("-out %s: the root folder cannot be an output folder", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("-out %s: %w", out, err)
	}
	d := &runDirs{out: out}
	lock, err := lockFile(filepath.Join(out, "."+strings.TrimSuffix(shard.FileName(), ".part")+".lock"), fmt.Sprintf("shard %s of -out %s", shard, out))
	if err != nil {
		return nil, err
	}
	d.locks = append(d.locks, lock)
	if checkpoint != "" {
		if err := d.lockCheckpoint(filepath.Clean(checkpoint), key); err != nil {
			d.release()
			return nil, err
		}
	}
	stage, err := os.MkdirTemp("", "superposition-shard-")
	if err != nil {
		d.release()
		return nil, err
	}
	d.stage = stage
	return d, nil
}
