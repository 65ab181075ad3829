#include "textflag.h"

// Elementwise float32 kernels, AVX2, 8 lanes at a time. Each handles the
// first n&^7 elements and leaves the tail to its Go caller, which applies
// the same formula, so results do not depend on where the tail starts.
// Every kernel but sqErrRow32 computes exactly the operations of the Go loop
// it replaces, in the same order: bit-identical results.

// func addRowAct32(out, a, v *float32, n int, relu bool)
// out[j] = a[j] + v[j], or max(a[j] + v[j], +0) when relu.
TEXT ·addRowAct32(SB), NOSPLIT, $0-33
	MOVQ    out+0(FP), DI
	MOVQ    a+8(FP), SI
	MOVQ    v+16(FP), DX
	MOVQ    n+24(FP), CX
	MOVBLZX relu+32(FP), AX
	SHRQ    $3, CX
	JZ      addRowDone
	VXORPS  Y15, Y15, Y15
	TESTQ   AX, AX
	JZ      addRowPlain

addRowReLU:
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMAXPS  Y15, Y0, Y0 // Intel order: max(Y0, +0), +0 when Y0 is ±0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addRowReLU
	VZEROUPPER
	RET

addRowPlain:
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addRowPlain
	VZEROUPPER

addRowDone:
	RET

// func addTo32(dst, a *float32, n int)
// dst[j] += a[j].
TEXT ·addTo32(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   addToDone

addToLoop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addToLoop
	VZEROUPPER

addToDone:
	RET

// func reluMask32(dst, out, grad *float32, n int)
// dst[j] = grad[j] where int32(−bits(out[j])) < 0, else +0: the gradient of a
// ReLU through its output, with the same bit test as the Go loop.
TEXT ·reluMask32(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   out+8(FP), SI
	MOVQ   grad+16(FP), DX
	MOVQ   n+24(FP), CX
	SHRQ   $3, CX
	JZ     reluMaskDone
	VPXOR  Y15, Y15, Y15

reluMaskLoop:
	VMOVDQU (SI), Y0
	VPSUBD  Y0, Y15, Y0 // −bits
	VPSRAD  $31, Y0, Y0 // all ones where negative
	VPAND   (DX), Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reluMaskLoop
	VZEROUPPER

reluMaskDone:
	RET

// func sqErrGrad32(dst, x, y, w *float32, n int, s float32)
// dst[j] = (s·w[j])·(x[j] − y[j]).
TEXT ·sqErrGrad32(SB), NOSPLIT, $0-44
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DX
	MOVQ         w+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS s+40(FP), Y15
	SHRQ         $3, CX
	JZ           sqErrGradDone

sqErrGradLoop:
	VMULPS  (R8), Y15, Y1
	VMOVUPS (SI), Y0
	VSUBPS  (DX), Y0, Y0
	VMULPS  Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	DECQ    CX
	JNZ     sqErrGradLoop

sqErrGradDone:
	VZEROUPPER
	RET

// func sqErrRow32(x, y, w *float32, n int) float32
// Σⱼ w[j]·(x[j] − y[j])² over the first n&^7 elements, in eight lanes
// (lane l sums j ≡ l mod 8, each term rounded as w·d·d with d = x − y),
// added together in a fixed order: deterministic, but not the sequential
// order of the Go loop.
TEXT ·sqErrRow32(SB), NOSPLIT, $0-36
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DX
	MOVQ   w+16(FP), R8
	MOVQ   n+24(FP), CX
	VXORPS Y2, Y2, Y2
	SHRQ   $3, CX
	JZ     sqErrRowSum

sqErrRowLoop:
	VMOVUPS (SI), Y0
	VSUBPS  (DX), Y0, Y0
	VMULPS  (R8), Y0, Y1
	VMULPS  Y0, Y1, Y1
	VADDPS  Y1, Y2, Y2
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	DECQ    CX
	JNZ     sqErrRowLoop

sqErrRowSum:
	VEXTRACTF128 $1, Y2, X3
	VADDPS       X3, X2, X2 // lanes l + l+4
	VMOVHLPS     X2, X3, X3
	VADDPS       X3, X2, X2 // + lanes 2, 3
	VMOVSHDUP    X2, X3
	VADDSS       X3, X2, X2 // + lane 1
	VZEROUPPER
	MOVSS        X2, ret+32(FP)
	RET

// func axpy32(a float32, x, y *float32, n int)
// y[j] += a·x[j], a multiply then an add (two roundings, as gonum's
// Saxpy and the Go loop: no FMA), 32 lanes a turn, then 8.
TEXT ·axpy32(SB), NOSPLIT, $0-32
	VBROADCASTSS a+0(FP), Y15
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	MOVQ         CX, DX
	SHRQ         $5, CX
	JZ           axpy8

axpy32Loop:
	VMULPS  (SI), Y15, Y0
	VMULPS  32(SI), Y15, Y1
	VMULPS  64(SI), Y15, Y2
	VMULPS  96(SI), Y15, Y3
	VADDPS  (DI), Y0, Y0
	VADDPS  32(DI), Y1, Y1
	VADDPS  64(DI), Y2, Y2
	VADDPS  96(DI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     axpy32Loop

axpy8:
	ANDQ $31, DX
	SHRQ $3, DX
	JZ   axpyDone

axpy8Loop:
	VMULPS  (SI), Y15, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    DX
	JNZ     axpy8Loop

axpyDone:
	VZEROUPPER
	RET

// func adam32(w, grad *float32, m, v *float64, n int, q *adamScalars)
// One Adam update of the first n&^3 entries, four float64 lanes at a time,
// each operation of Adam32's Go loop in its order (VMULPD and VADDPD, no
// FMA; VDIVPD and VSQRTPD round as DIVSD and SQRTSD): the same bits.
TEXT ·adam32(SB), NOSPLIT, $0-48
	MOVQ         w+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	MOVQ         q+40(FP), AX
	VBROADCASTSD 0(AX), Y8   // β₁
	VBROADCASTSD 8(AX), Y9   // 1 − β₁
	VBROADCASTSD 16(AX), Y10 // β₂
	VBROADCASTSD 24(AX), Y11 // 1 − β₂
	VBROADCASTSD 32(AX), Y12 // bc1
	VBROADCASTSD 40(AX), Y13 // bc2
	VBROADCASTSD 48(AX), Y14 // ε
	VBROADCASTSD 56(AX), Y15 // lr
	SHRQ         $2, CX
	JZ           adamDone

adamLoop:
	VCVTPS2PD (SI), Y0        // g
	VMULPD    (R8), Y8, Y1    // β₁m
	VMULPD    Y0, Y9, Y2      // (1−β₁)g
	VADDPD    Y2, Y1, Y1      // m
	VMOVUPD   Y1, (R8)
	VMULPD    (R9), Y10, Y3   // β₂v
	VMULPD    Y0, Y11, Y4     // (1−β₂)g
	VMULPD    Y0, Y4, Y4      // ·g
	VADDPD    Y4, Y3, Y3      // v
	VMOVUPD   Y3, (R9)
	VDIVPD    Y12, Y1, Y5     // m/bc1
	VMULPD    Y5, Y15, Y5     // lr·(m/bc1)
	VDIVPD    Y13, Y3, Y6     // v/bc2
	VSQRTPD   Y6, Y6
	VADDPD    Y14, Y6, Y6     // √(v/bc2) + ε
	VDIVPD    Y6, Y5, Y5
	VCVTPS2PD (DI), Y7        // w
	VBROADCASTSD 64(AX), Y2   // decay
	VMULPD    Y2, Y7, Y7      // w·decay
	VSUBPD    Y5, Y7, Y7
	VCVTPD2PSY Y7, X7
	VMOVUPS   X7, (DI)
	ADDQ      $16, SI
	ADDQ      $16, DI
	ADDQ      $32, R8
	ADDQ      $32, R9
	DECQ      CX
	JNZ       adamLoop

adamDone:
	VZEROUPPER
	RET
