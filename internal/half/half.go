// Package half converts between float32 and the 16-bit floats tensors are
// stored in: IEEE 754 binary16 (float16) and bfloat16, rounding to nearest,
// ties to even, as torch does.
package half

import "math"

// ToFloat32 returns the IEEE 754 binary16 value with bits h, exactly
// (every binary16 value, subnormals included, is a normal float32).
func ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0: // zero or subnormal: mant·2⁻²⁴
		return math.Float32frombits(sign | math.Float32bits(float32(math.Ldexp(float64(mant), -24))))
	case 0x1f: // infinity, or NaN with its payload
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// BFloat16ToFloat32 returns the bfloat16 value with bits b: the upper half
// of a float32.
func BFloat16ToFloat32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// FromFloat32 rounds f to the nearest binary16, ties to even, as torch's
// .to(torch.float16) does: beyond 65504 (from 65520 up) it is ±Inf, below
// 2⁻¹⁴ a subnormal or zero.
func FromFloat32(f float32) uint16 {
	sign := uint16(math.Float32bits(f)>>16) & 0x8000
	a := math.Abs(float64(f))
	switch {
	case a != a:
		return sign | 0x7e00
	case a >= 65520:
		return sign | 0x7c00
	case a < 0x1p-14:
		// A multiple of 2⁻²⁴; 1024 of them are the smallest normal, 0x0400.
		return sign | uint16(math.RoundToEven(a*0x1p24))
	}
	frac, exp := math.Frexp(a) // a = frac·2^exp, frac in [0.5, 1)
	m := math.RoundToEven(frac * 2048)
	e := exp + 14 // the biased exponent of 2^(exp−1)
	if m == 2048 {
		m, e = 1024, e+1
	}
	return sign | uint16(e)<<10 | uint16(m-1024)
}

// BFloat16FromFloat32 rounds f to the nearest bfloat16, ties to even, as
// torch's .to(torch.bfloat16) does.
func BFloat16FromFloat32(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}
