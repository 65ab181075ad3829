#include "textflag.h"

// The float32 kernels of Softmax, AVX2, 8 lanes at a time. Each handles the
// first n&^7 elements (n ≥ 8 for max32) and leaves the tail to its Go
// caller. expShift32 computes exactly exp32's operations in the same order
// (no FMA), so every exponential is bit-identical to the Go loop's; its sum
// adds the lanes in another order.

// exp32's constants, as float32 bits (softmax.go explains them).
DATA expConsts<>+0(SB)/4, $0x39506967  // c5 1.9875691500e-4
DATA expConsts<>+4(SB)/4, $0x3AB743CE  // c4 1.3981999507e-3
DATA expConsts<>+8(SB)/4, $0x3C088908  // c3 8.3334519073e-3
DATA expConsts<>+12(SB)/4, $0x3D2AA9C1 // c2 4.1665795894e-2
DATA expConsts<>+16(SB)/4, $0x3E2AAAAA // c1 1.6666665459e-1
DATA expConsts<>+20(SB)/4, $0x3F000000 // c0 5.0000001201e-1
DATA expConsts<>+24(SB)/4, $0x3FB8AA3B // log₂e
DATA expConsts<>+28(SB)/4, $0x4B400000 // round 1.5·2²³
DATA expConsts<>+32(SB)/4, $0x3F318000 // ln2Hi
DATA expConsts<>+36(SB)/4, $0xB95E8083 // ln2Lo
DATA expConsts<>+40(SB)/4, $0x3F800000 // 1
DATA expConsts<>+44(SB)/4, $0xC2AE0000 // cut-off −87
DATA expConsts<>+48(SB)/4, $127        // exponent bias
GLOBL expConsts<>(SB), RODATA|NOPTR, $52

// func expShift32(s *float32, n int, m, scale float32) float32
// s[j] = exp32((s[j] − m)·scale); returns the sum of those s[j].
TEXT ·expShift32(SB), NOSPLIT, $0-28
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS m+16(FP), Y0
	VBROADCASTSS scale+20(FP), Y1
	VBROADCASTSS expConsts<>+24(SB), Y2
	VBROADCASTSS expConsts<>+28(SB), Y3
	VBROADCASTSS expConsts<>+32(SB), Y4
	VBROADCASTSS expConsts<>+36(SB), Y5
	VBROADCASTSS expConsts<>+40(SB), Y6
	VBROADCASTSS expConsts<>+44(SB), Y7
	VBROADCASTSS expConsts<>+48(SB), Y9
	VXORPS       Y8, Y8, Y8
	SHRQ         $3, CX
	JZ           expSum

expLoop:
	VMOVUPS      (SI), Y10
	VSUBPS       Y0, Y10, Y10        // x = (s − m)·scale
	VMULPS       Y1, Y10, Y10
	VCMPPS       $5, Y7, Y10, Y15    // keep = !(x < −87), true for NaN
	VMULPS       Y2, Y10, Y11        // n = x·log₂e + round − round
	VADDPS       Y3, Y11, Y11
	VSUBPS       Y3, Y11, Y11
	VMULPS       Y4, Y11, Y12        // r = x − n·ln2Hi − n·ln2Lo
	VSUBPS       Y12, Y10, Y12
	VMULPS       Y5, Y11, Y13
	VSUBPS       Y13, Y12, Y12
	VBROADCASTSS expConsts<>+0(SB), Y13 // p = ((((c5·r + c4)·r + c3)·r + c2)·r + c1)·r + c0
	VMULPS       Y12, Y13, Y13
	VBROADCASTSS expConsts<>+4(SB), Y14
	VADDPS       Y14, Y13, Y13
	VMULPS       Y12, Y13, Y13
	VBROADCASTSS expConsts<>+8(SB), Y14
	VADDPS       Y14, Y13, Y13
	VMULPS       Y12, Y13, Y13
	VBROADCASTSS expConsts<>+12(SB), Y14
	VADDPS       Y14, Y13, Y13
	VMULPS       Y12, Y13, Y13
	VBROADCASTSS expConsts<>+16(SB), Y14
	VADDPS       Y14, Y13, Y13
	VMULPS       Y12, Y13, Y13
	VBROADCASTSS expConsts<>+20(SB), Y14
	VADDPS       Y14, Y13, Y13
	VMULPS       Y12, Y13, Y13       // e = p·r·r + r + 1
	VMULPS       Y12, Y13, Y13
	VADDPS       Y12, Y13, Y13
	VADDPS       Y6, Y13, Y13
	VCVTPS2DQ    Y11, Y11            // times 2ⁿ, from the exponent bits
	VPADDD       Y9, Y11, Y11
	VPSLLD       $23, Y11, Y11
	VMULPS       Y11, Y13, Y13
	VANDPS       Y15, Y13, Y13
	VMOVUPS      Y13, (SI)
	VADDPS       Y13, Y8, Y8
	ADDQ         $32, SI
	DECQ         CX
	JNZ          expLoop

expSum:
	VEXTRACTF128 $1, Y8, X9
	VADDPS       X9, X8, X8
	VHADDPS      X8, X8, X8
	VHADDPS      X8, X8, X8
	VMOVSS       X8, ret+24(FP)
	VZEROUPPER
	RET

// func max32(s *float32, n int) float32
// The largest of s[0 : n&^7], for n ≥ 8 (VMAXPS order: no NaN promise).
TEXT ·max32(SB), NOSPLIT, $0-20
	MOVQ    s+0(FP), SI
	MOVQ    n+8(FP), CX
	SHRQ    $3, CX
	VMOVUPS (SI), Y0
	DECQ    CX
	JZ      maxReduce

maxLoop:
	ADDQ   $32, SI
	VMAXPS (SI), Y0, Y0
	DECQ   CX
	JNZ    maxLoop

maxReduce:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4E, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xB1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

// func scal32(s *float32, n int, a float32)
// s[j] *= a.
TEXT ·scal32(SB), NOSPLIT, $0-20
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS a+16(FP), Y0
	SHRQ         $3, CX
	JZ           scalDone

scalLoop:
	VMULPS  (SI), Y0, Y1
	VMOVUPS Y1, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     scalLoop
	VZEROUPPER

scalDone:
	RET

// func dot32(x, y *float32, n int) float32
// Σ x[j]·y[j] over j < n&^7, with FMA in two sets of lanes.
TEXT ·dot32(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ   $3, CX
	JZ     dotSum
	TESTQ  $1, CX
	JZ     dotPairs
	VMOVUPS     (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JZ          dotSum

dotPairs:
	VMOVUPS     (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	VMOVUPS     32(SI), Y3
	VFMADD231PS 32(DI), Y3, Y1
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $2, CX
	JNZ         dotPairs

dotSum:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, ret+24(FP)
	VZEROUPPER
	RET

// func softmaxGrad32(dp, p *float32, n int, dot, scale float32)
// dp[j] = p[j]·(dp[j] − dot)·scale, the Go loop's operations in its order.
TEXT ·softmaxGrad32(SB), NOSPLIT, $0-32
	MOVQ         dp+0(FP), DI
	MOVQ         p+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS dot+24(FP), Y0
	VBROADCASTSS scale+28(FP), Y1
	SHRQ         $3, CX
	JZ           gradDone

gradLoop:
	VMOVUPS (DI), Y2
	VSUBPS  Y0, Y2, Y2
	VMULPS  (SI), Y2, Y2
	VMULPS  Y1, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     gradLoop
	VZEROUPPER

gradDone:
	RET
