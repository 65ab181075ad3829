package interp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/toymodels/superposition/internal/atomicfile"
)

// WriteNPY writes vals (row-major, the given shape) as a little-endian
// float32 NumPy .npy file (format 1.0), atomically: numpy.load(path) returns
// the array.
func WriteNPY(path string, shape []int, vals []float32) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(vals) {
		return fmt.Errorf("interp: npy %s: %d values for shape %v", path, len(vals), shape)
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	// Magic, version, header length, header padded with spaces and a
	// newline so that the data start at a multiple of 64.
	pad := 64 - (10+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	header += strings.Repeat(" ", pad) + "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	for _, v := range vals {
		_ = binary.Write(&buf, binary.LittleEndian, math.Float32bits(v))
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

// Float32s flattens a matrix into row-major float32 values.
func Float32s(m [][]float64) []float32 {
	var out []float32
	for _, row := range m {
		for _, v := range row {
			out = append(out, float32(v))
		}
	}
	return out
}
