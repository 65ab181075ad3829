// Package safeio reads the files a user names (configs, checkpoints, model
// and SAE exports, activation shards) without trusting them: only regular
// files are opened (a FIFO or a device is refused before it can block or
// stream forever), and no read goes past a limit fixed by what the file can
// legitimately hold.
package safeio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is returned for a path that exists but is not a regular file
// (after following symbolic links).
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading if it is a regular file, without blocking on a
// FIFO. The error wraps fs.ErrNotExist when the file does not exist.
func Open(path string) (*os.File, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	// O_NONBLOCK: the file may have been swapped for a FIFO since the Stat.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	return f, fi, nil
}

// ReadFile reads the regular file at path, refusing one larger than limit
// bytes before reading it (and again should it grow while being read).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, fi, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d such a file can hold", path, fi.Size(), limit)
	}
	data := make([]byte, 0, fi.Size()+1)
	data, err = readAll(io.LimitReader(f, limit+1), data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes such a file can hold", path, limit)
	}
	return data, nil
}

// readAll is io.ReadAll into b's spare capacity.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
