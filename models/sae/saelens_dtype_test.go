package sae

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// fileTensor is one tensor of a test safetensors file, as stored.
type fileTensor struct {
	name  string
	dtype string
	shape []int
	data  []byte
}

// safetensorsFile lays tensors out as the safetensors package does, with no
// metadata and so no checksum, like the files SAELens writes.
func safetensorsFile(t testing.TB, ts []fileTensor) []byte {
	t.Helper()
	header := map[string]any{}
	var body []byte
	for _, x := range ts {
		header[x.name] = map[string]any{"dtype": x.dtype, "shape": x.shape, "data_offsets": []int{len(body), len(body) + len(x.data)}}
		body = append(body, x.data...)
	}
	hj, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	return append(append(out, hj...), body...)
}

// encode stores vals in dtype (rounding to nearest even for F16 and BF16).
func encode(dtype string, vals []float32) []byte {
	out := make([]byte, dtypeSizes[dtype]*len(vals))
	for i, v := range vals {
		switch dtype {
		case "F16":
			binary.LittleEndian.PutUint16(out[2*i:], float32ToHalf(v))
		case "BF16":
			binary.LittleEndian.PutUint16(out[2*i:], float32ToBFloat16(v))
		case "F32":
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		case "F64":
			binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(float64(v)))
		}
	}
	return out
}

// The bit patterns are IEEE 754's binary16 and bfloat16 (the upper half of
// a binary32) definitions, written out by hand.
func TestSafetensorsHalfToFloat32(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name string
		h    uint16
		want float32
	}{
		{"zero", 0x0000, 0},
		{"negative zero", 0x8000, float32(math.Copysign(0, -1))},
		{"one", 0x3c00, 1},
		{"minus two", 0xc000, -2},
		{"one and a half", 0x3e00, 1.5},
		{"one plus an ulp", 0x3c01, 1 + 0x1p-10},
		{"largest", 0x7bff, 65504},
		{"smallest normal", 0x0400, 0x1p-14},
		{"smallest subnormal", 0x0001, 0x1p-24},
		{"negative smallest subnormal", 0x8001, -0x1p-24},
		{"largest subnormal", 0x03ff, 1023 * 0x1p-24},
		{"+Inf", 0x7c00, float32(math.Inf(1))},
		{"-Inf", 0xfc00, float32(math.Inf(-1))},
		{"NaN", 0x7e00, nan},
		{"signalling NaN", 0x7c01, nan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := halfToFloat32(tt.h)
			if tt.want != tt.want {
				if got == got {
					t.Errorf("halfToFloat32(%#04x) = %v; want NaN", tt.h, got)
				}
				return
			}
			if math.Float32bits(got) != math.Float32bits(tt.want) {
				t.Errorf("halfToFloat32(%#04x) = %v (%#08x); want %v (%#08x)", tt.h, got, math.Float32bits(got), tt.want, math.Float32bits(tt.want))
			}
		})
	}
}

func TestSafetensorsBFloat16ToFloat32(t *testing.T) {
	tests := []struct {
		name string
		b    uint16
		want float32
	}{
		{"zero", 0x0000, 0},
		{"negative zero", 0x8000, float32(math.Copysign(0, -1))},
		{"one", 0x3f80, 1},
		{"minus two", 0xc000, -2},
		{"one plus an ulp", 0x3f81, 1 + 0x1p-7},
		{"largest", 0x7f7f, 0x1.fep127},
		{"smallest normal", 0x0080, 0x1p-126},
		{"smallest subnormal", 0x0001, 0x1p-133},
		{"largest subnormal", 0x007f, 127 * 0x1p-133},
		{"+Inf", 0x7f80, float32(math.Inf(1))},
		{"-Inf", 0xff80, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bfloat16ToFloat32(tt.b); math.Float32bits(got) != math.Float32bits(tt.want) {
				t.Errorf("bfloat16ToFloat32(%#04x) = %v; want %v", tt.b, got, tt.want)
			}
		})
	}
	if got := bfloat16ToFloat32(0x7fc0); got == got {
		t.Errorf("bfloat16ToFloat32(0x7fc0) = %v; want NaN", got)
	}
}

// TestSafetensorsHalfRoundTrip: every binary16 value survives float32 and back, so the
// two conversions agree on all 65536 patterns.
func TestSafetensorsHalfRoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := halfToFloat32(uint16(h))
		got := float32ToHalf(f)
		if f != f {
			if got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("float32ToHalf(halfToFloat32(%#04x) = NaN) = %#04x; want a NaN", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Fatalf("float32ToHalf(halfToFloat32(%#04x) = %v) = %#04x; want %#04x", h, f, got, h)
		}
	}
	for b := range 1 << 16 {
		f := bfloat16ToFloat32(uint16(b))
		if f == f && float32ToBFloat16(f) != uint16(b) {
			t.Fatalf("float32ToBFloat16(bfloat16ToFloat32(%#04x)) = %#04x", b, float32ToBFloat16(f))
		}
	}
}

func TestSafetensorsFloat32ToHalfRounding(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"tie rounds to even (down)", 1 + 0x1p-11, 0x3c00},
		{"tie rounds to even (up)", 1 + 3*0x1p-11, 0x3c02},
		{"above the tie", 1 + 0x1p-11 + 0x1p-20, 0x3c01},
		{"carry into the exponent", 2 - 0x1p-12, 0x4000},
		{"below the overflow tie", 65519, 0x7bff},
		{"overflow tie", 65520, 0x7c00},
		{"overflow", 1e6, 0x7c00},
		{"negative overflow", -1e6, 0xfc00},
		{"subnormal tie to zero", 0x1p-25, 0x0000},
		{"subnormal tie up to even", 3 * 0x1p-25, 0x0002},
		{"negative subnormal", -5 * 0x1p-24, 0x8005},
		{"largest subnormal rounds to smallest normal", 0x1p-14 - 0x1p-30, 0x0400},
		{"underflow", 0x1p-30, 0x0000},
		{"third", 1.0 / 3, 0x3555},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := float32ToHalf(tt.f); got != tt.want {
				t.Errorf("float32ToHalf(%v) = %#04x; want %#04x", tt.f, got, tt.want)
			}
		})
	}
}

func TestSafetensorsFloat32ToBFloat16Rounding(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"tie rounds to even (down)", 1 + 0x1p-8, 0x3f80},
		{"tie rounds to even (up)", 1 + 3*0x1p-8, 0x3f82},
		{"above the tie", 1 + 0x1p-8 + 0x1p-20, 0x3f81},
		{"overflow", math.MaxFloat32, 0x7f80},
		{"negative", -1.5, 0xbfc0},
		{"subnormal", 0x1p-133, 0x0001},
		{"third", 1.0 / 3, 0x3eab},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := float32ToBFloat16(tt.f); got != tt.want {
				t.Errorf("float32ToBFloat16(%v) = %#04x; want %#04x", tt.f, got, tt.want)
			}
		})
	}
}

// TestDecodeSafetensorsDtypes reads the same values stored as F32, F16,
// BF16 and F64, subnormals included.
func TestDecodeSafetensorsDtypes(t *testing.T) {
	want := []float32{0, 1, -2, 0.5, 1.5, 0x1p-14, 0x1p-20, -3.25}
	for _, dtype := range []string{"F32", "F16", "BF16", "F64"} {
		t.Run(dtype, func(t *testing.T) {
			file := safetensorsFile(t, []fileTensor{{"a", dtype, []int{2, 4}, encode(dtype, want)}})
			got, err := DecodeSafetensors(file)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range want {
				if got["a"].Data[i] != v {
					t.Errorf("%s value %d = %v; want %v", dtype, i, got["a"].Data[i], v)
				}
			}
		})
	}
	bad := safetensorsFile(t, []fileTensor{{"a", "F16", []int{2}, make([]byte, 8)}})
	if _, err := DecodeSafetensors(bad); err == nil || !strings.Contains(err.Error(), "8 bytes for shape [2] of F16") {
		t.Errorf("F16 tensor of 2 values in 8 bytes: error %v; want one about its size", err)
	}
	header := `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`
	three := append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header+"\x00\x00\x80\x3f"...)
	if _, err := DecodeSafetensors(three); err == nil || !strings.Contains(err.Error(), "data_offsets") {
		t.Errorf("three data_offsets: error %v; want one naming data_offsets", err)
	}
}
