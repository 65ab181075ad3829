package half

import (
	"math"
	"testing"
)

// TestEveryHalfRoundTrips: every binary16 value (NaNs aside, which stay
// NaN) comes back from float32 to the same bits.
func TestEveryHalfRoundTrips(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := ToFloat32(uint16(h))
		got := FromFloat32(f)
		if f != f {
			if ToFloat32(got) == ToFloat32(got) {
				t.Fatalf("FromFloat32(NaN from %#04x) = %#04x; want a NaN", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Fatalf("FromFloat32(ToFloat32(%#04x) = %v) = %#04x", h, f, got)
		}
	}
}

func TestRounding(t *testing.T) {
	tests := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},
		{65520, 0x7c00},                           // rounds to +Inf
		{float32(math.Ldexp(1, -24)), 1},          // the smallest subnormal
		{float32(math.Ldexp(1, -26)), 0},          // below half of it: zero
		{1 + float32(math.Ldexp(1, -11)), 0x3c00}, // a tie: to even
	}
	for _, tt := range tests {
		if got := FromFloat32(tt.f); got != tt.want {
			t.Errorf("FromFloat32(%v) = %#04x; want %#04x", tt.f, got, tt.want)
		}
	}
	if got := BFloat16ToFloat32(BFloat16FromFloat32(1.5)); got != 1.5 {
		t.Errorf("bfloat16 round trip of 1.5 = %v", got)
	}
}
