package safeio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		limit   int64
		want    string
		wantErr string
	}{
		{"fits", small, 5, "hello", ""},
		{"larger than limit", small, 4, "", "more than the 4"},
		{"missing", filepath.Join(dir, "nope"), 10, "", "no such file"},
		{"folder", dir, 10, "", "not a regular file"},
		{"fifo", fifo, 10, "", "not a regular file"},
		{"device through a link", link, 10, "", "not a regular file"},
		{"empty limit", small, 0, "", "more than the 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var got []byte
			var err error
			go func() { got, err = ReadFile(tt.path, tt.limit); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("ReadFile(%s) still blocked after 5 s", tt.path)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadFile(%s, %d) error = %v, want one containing %q", tt.path, tt.limit, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("ReadFile(%s, %d) = %q, %v, want %q", tt.path, tt.limit, got, err, tt.want)
			}
		})
	}
	if _, err := ReadFile(filepath.Join(dir, "nope"), 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v does not wrap fs.ErrNotExist", err)
	}
}
