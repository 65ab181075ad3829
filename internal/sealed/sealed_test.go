package sealed

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	payload := []byte("the state of a run")
	good := Seal("TESTFILE", 3, payload)
	if got, err := Open(good, "TESTFILE", 3); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Open(Seal(p)) = %q, %v; want %q", got, err, payload)
	}
	tests := []struct {
		name    string
		data    []byte
		magic   string
		version uint32
	}{
		{"other magic", good, "OTHERFIL", 3},
		{"other version", good, "TESTFILE", 4},
		{"empty", nil, "TESTFILE", 3},
	}
	for _, tt := range tests {
		if _, err := Open(tt.data, tt.magic, tt.version); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Open error %v; want ErrCorrupt", tt.name, err)
		}
	}
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 1
		if _, err := Open(bad, "TESTFILE", 3); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: %v; want ErrCorrupt", i, err)
		}
	}
	for n := range good {
		if _, err := Open(good[:n], "TESTFILE", 3); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: %v; want ErrCorrupt", n, err)
		}
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := WriteFile(path, "TESTFILE", 3, payload); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(path, "TESTFILE", 3, 1<<20); err != nil || !bytes.Equal(got, payload) {
		t.Errorf("ReadFile = %q, %v", got, err)
	}
	if _, err := ReadFile(path, "TESTFILE", 3, 10); err == nil {
		t.Error("ReadFile over the limit: no error")
	}
}
