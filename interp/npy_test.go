package interp

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteNPY(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		want  string
	}{{[]int{2, 3}, "'shape': (2, 3)"}, {[]int{4}, "'shape': (4,)"}} {
		path := filepath.Join(t.TempDir(), "a.npy")
		vals := []float32{1, -2, 3.5, 0, 5, 6}[:tc.shape[0]*max(1, func() int {
			if len(tc.shape) > 1 {
				return tc.shape[1]
			}
			return 1
		}())]
		if err := WriteNPY(path, tc.shape, vals); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(data[:8]) != "\x93NUMPY\x01\x00" {
			t.Fatalf("magic %q", data[:8])
		}
		hl := int(binary.LittleEndian.Uint16(data[8:10]))
		header := string(data[10 : 10+hl])
		if (10+hl)%64 != 0 || !strings.HasSuffix(header, "\n") || !strings.Contains(header, "'descr': '<f4'") || !strings.Contains(header, tc.want) {
			t.Errorf("header %q (data at %d); want %s, <f4, 64-byte alignment", header, 10+hl, tc.want)
		}
		body := data[10+hl:]
		for i, v := range vals {
			if got := math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:])); got != v {
				t.Errorf("value %d = %v; want %v", i, got, v)
			}
		}
	}
	if err := WriteNPY(filepath.Join(t.TempDir(), "b.npy"), []int{3}, []float32{1}); err == nil {
		t.Error("WriteNPY with 1 value for shape [3] succeeded")
	}
}
