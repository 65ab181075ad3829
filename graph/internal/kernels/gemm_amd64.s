#include "textflag.h"

// func sgemm4x16(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)
// C[0:4, 0:16] += A[0:4, 0:k] · B[0:k, 0:16], B and C row-major with leading
// dimensions in elements, A's element (i, kk) at a + i·ars + kk·acs (acs = 1
// for row-major A, ars = 1 to read A transposed in place). AVX2 + FMA: eight 8-wide accumulators, one broadcast of A per
// row and two loads of B per step of k.
TEXT ·sgemm4x16(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JE    store16

loop16:
	VMOVUPS      (DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (R11), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (R12), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (R13), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         AX, SI
	ADDQ         AX, R11
	ADDQ         AX, R12
	ADDQ         AX, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          loop16

store16:
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DX)
	VADDPS  32(DX), Y1, Y1
	VMOVUPS Y1, 32(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y2, Y2
	VMOVUPS Y2, (DX)
	VADDPS  32(DX), Y3, Y3
	VMOVUPS Y3, 32(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y4, Y4
	VMOVUPS Y4, (DX)
	VADDPS  32(DX), Y5, Y5
	VMOVUPS Y5, 32(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y6, Y6
	VMOVUPS Y6, (DX)
	VADDPS  32(DX), Y7, Y7
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

// func sgemm4x8(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)
// C[0:4, 0:8] += A[0:4, 0:k] · B[0:k, 0:8].
TEXT ·sgemm4x8(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6
	TESTQ CX, CX
	JE    store8

loop8:
	VMOVUPS      (DI), Y8
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VBROADCASTSS (R11), Y11
	VFMADD231PS  Y8, Y11, Y2
	VBROADCASTSS (R12), Y12
	VFMADD231PS  Y8, Y12, Y4
	VBROADCASTSS (R13), Y13
	VFMADD231PS  Y8, Y13, Y6
	ADDQ         AX, SI
	ADDQ         AX, R11
	ADDQ         AX, R12
	ADDQ         AX, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          loop8

store8:
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y2, Y2
	VMOVUPS Y2, (DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y4, Y4
	VMOVUPS Y4, (DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y6, Y6
	VMOVUPS Y6, (DX)
	VZEROUPPER
	RET

// func sgemm4x8m(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, rows int, mask *uint32)
// C[0:rows, 0:8] += A[0:rows, 0:k] · B[0:k, 0:8] for rows in 1…4, with
// A's element (i, kk) at a + i·ars + kk·acs (so A may be read transposed)
// and only the columns whose mask lane is all ones read from B or written
// to C: no padded copies of A, B or C. Missing rows (i ≥ rows) read row 0
// again and are not stored. Each entry is the same FMA chain from zero over
// kk as in sgemm4x8, then added to C.
TEXT ·sgemm4x8m(SB), NOSPLIT, $0-80
	MOVQ    k+0(FP), CX
	MOVQ    a+8(FP), SI
	MOVQ    ars+16(FP), R8
	MOVQ    b+32(FP), DI
	MOVQ    ldb+40(FP), R9
	MOVQ    c+48(FP), DX
	MOVQ    ldc+56(FP), R10
	MOVQ    rows+64(FP), BX
	MOVQ    mask+72(FP), AX
	VMOVDQU (AX), Y14
	MOVQ    acs+24(FP), AX
	SHLQ    $2, R8
	SHLQ    $2, AX
	SHLQ    $2, R9
	SHLQ    $2, R10

	// Row pointers: row i at SI + i·ars when i < rows, else SI.
	MOVQ SI, R11
	MOVQ SI, R12
	MOVQ SI, R13
	CMPQ BX, $2
	JLT  rowsSet
	LEAQ (SI)(R8*1), R11
	CMPQ BX, $3
	JLT  rowsSet
	LEAQ (R11)(R8*1), R12
	CMPQ BX, $4
	JLT  rowsSet
	LEAQ (R12)(R8*1), R13

rowsSet:
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6
	TESTQ  CX, CX
	JE     storeM

loopM:
	VMASKMOVPS   (DI), Y14, Y8
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VBROADCASTSS (R11), Y11
	VFMADD231PS  Y8, Y11, Y2
	VBROADCASTSS (R12), Y12
	VFMADD231PS  Y8, Y12, Y4
	VBROADCASTSS (R13), Y13
	VFMADD231PS  Y8, Y13, Y6
	ADDQ         AX, SI
	ADDQ         AX, R11
	ADDQ         AX, R12
	ADDQ         AX, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          loopM

storeM:
	VMASKMOVPS (DX), Y14, Y8
	VADDPS     Y8, Y0, Y0
	VMASKMOVPS Y0, Y14, (DX)
	CMPQ       BX, $2
	JLT        doneM
	ADDQ       R10, DX
	VMASKMOVPS (DX), Y14, Y8
	VADDPS     Y8, Y2, Y2
	VMASKMOVPS Y2, Y14, (DX)
	CMPQ       BX, $3
	JLT        doneM
	ADDQ       R10, DX
	VMASKMOVPS (DX), Y14, Y8
	VADDPS     Y8, Y4, Y4
	VMASKMOVPS Y4, Y14, (DX)
	CMPQ       BX, $4
	JLT        doneM
	ADDQ       R10, DX
	VMASKMOVPS (DX), Y14, Y8
	VADDPS     Y8, Y6, Y6
	VMASKMOVPS Y6, Y14, (DX)

doneM:
	VZEROUPPER
	RET

// func sgemm4x24(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)
// C[0:4, 0:24] += A[0:4, 0:k] · B[0:k, 0:24], A strided as in sgemm4x16.
// Twelve accumulators, enough to keep both FMA units busy through their
// latency; each entry is the same FMA chain as in the narrower kernels.
TEXT ·sgemm4x24(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ  CX, CX
	JE     store24

loop24:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VMOVUPS      64(DI), Y14
	VBROADCASTSS (SI), Y15
	VFMADD231PS  Y12, Y15, Y0
	VFMADD231PS  Y13, Y15, Y1
	VFMADD231PS  Y14, Y15, Y2
	VBROADCASTSS (R11), Y15
	VFMADD231PS  Y12, Y15, Y3
	VFMADD231PS  Y13, Y15, Y4
	VFMADD231PS  Y14, Y15, Y5
	VBROADCASTSS (R12), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VFMADD231PS  Y14, Y15, Y8
	VBROADCASTSS (R13), Y15
	VFMADD231PS  Y12, Y15, Y9
	VFMADD231PS  Y13, Y15, Y10
	VFMADD231PS  Y14, Y15, Y11
	ADDQ         AX, SI
	ADDQ         AX, R11
	ADDQ         AX, R12
	ADDQ         AX, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          loop24

store24:
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DX)
	VADDPS  32(DX), Y1, Y1
	VMOVUPS Y1, 32(DX)
	VADDPS  64(DX), Y2, Y2
	VMOVUPS Y2, 64(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y3, Y3
	VMOVUPS Y3, (DX)
	VADDPS  32(DX), Y4, Y4
	VMOVUPS Y4, 32(DX)
	VADDPS  64(DX), Y5, Y5
	VMOVUPS Y5, 64(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y6, Y6
	VMOVUPS Y6, (DX)
	VADDPS  32(DX), Y7, Y7
	VMOVUPS Y7, 32(DX)
	VADDPS  64(DX), Y8, Y8
	VMOVUPS Y8, 64(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Y9, Y9
	VMOVUPS Y9, (DX)
	VADDPS  32(DX), Y10, Y10
	VMOVUPS Y10, 32(DX)
	VADDPS  64(DX), Y11, Y11
	VMOVUPS Y11, 64(DX)
	VZEROUPPER
	RET

// func sgemm4x64(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)
// C[0:4, 0:64] += A[0:4, 0:k] · B[0:k, 0:64], A strided as in sgemm4x16.
// AVX-512F: sixteen 16-wide accumulators (Z0–Z15), four loads of B and one
// broadcast of A per row per step of k. Each entry is the same FMA chain,
// from zero over kk = 0 … k−1 and then added to C, as in the AVX2 kernels,
// so the results are bit-identical to theirs.
TEXT ·sgemm4x64(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TESTQ  CX, CX
	JE     store64

loop64:
	VMOVUPS      (DI), Z16
	VMOVUPS      64(DI), Z17
	VMOVUPS      128(DI), Z18
	VMOVUPS      192(DI), Z19
	VBROADCASTSS (SI), Z20
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z20, Z1
	VFMADD231PS  Z18, Z20, Z2
	VFMADD231PS  Z19, Z20, Z3
	VBROADCASTSS (R11), Z21
	VFMADD231PS  Z16, Z21, Z4
	VFMADD231PS  Z17, Z21, Z5
	VFMADD231PS  Z18, Z21, Z6
	VFMADD231PS  Z19, Z21, Z7
	VBROADCASTSS (R12), Z22
	VFMADD231PS  Z16, Z22, Z8
	VFMADD231PS  Z17, Z22, Z9
	VFMADD231PS  Z18, Z22, Z10
	VFMADD231PS  Z19, Z22, Z11
	VBROADCASTSS (R13), Z23
	VFMADD231PS  Z16, Z23, Z12
	VFMADD231PS  Z17, Z23, Z13
	VFMADD231PS  Z18, Z23, Z14
	VFMADD231PS  Z19, Z23, Z15
	ADDQ         AX, SI
	ADDQ         AX, R11
	ADDQ         AX, R12
	ADDQ         AX, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          loop64

store64:
	VADDPS  (DX), Z0, Z0
	VMOVUPS Z0, (DX)
	VADDPS  64(DX), Z1, Z1
	VMOVUPS Z1, 64(DX)
	VADDPS  128(DX), Z2, Z2
	VMOVUPS Z2, 128(DX)
	VADDPS  192(DX), Z3, Z3
	VMOVUPS Z3, 192(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Z4, Z4
	VMOVUPS Z4, (DX)
	VADDPS  64(DX), Z5, Z5
	VMOVUPS Z5, 64(DX)
	VADDPS  128(DX), Z6, Z6
	VMOVUPS Z6, 128(DX)
	VADDPS  192(DX), Z7, Z7
	VMOVUPS Z7, 192(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Z8, Z8
	VMOVUPS Z8, (DX)
	VADDPS  64(DX), Z9, Z9
	VMOVUPS Z9, 64(DX)
	VADDPS  128(DX), Z10, Z10
	VMOVUPS Z10, 128(DX)
	VADDPS  192(DX), Z11, Z11
	VMOVUPS Z11, 192(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Z12, Z12
	VMOVUPS Z12, (DX)
	VADDPS  64(DX), Z13, Z13
	VMOVUPS Z13, 64(DX)
	VADDPS  128(DX), Z14, Z14
	VMOVUPS Z14, 128(DX)
	VADDPS  192(DX), Z15, Z15
	VMOVUPS Z15, 192(DX)
	VZEROUPPER
	RET

// func sgemm4x32(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)
// C[0:4, 0:32] += A[0:4, 0:k] · B[0:k, 0:32], A strided as in sgemm4x16:
// sgemm4x64 on half the columns (eight accumulators, Z0–Z7), for the
// attention heads' 32-wide products.
TEXT ·sgemm4x32(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	TESTQ  CX, CX
	JE     store32

loop32:
	VMOVUPS      (DI), Z16
	VMOVUPS      64(DI), Z17
	VBROADCASTSS (SI), Z20
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z20, Z1
	VBROADCASTSS (R11), Z21
	VFMADD231PS  Z16, Z21, Z2
	VFMADD231PS  Z17, Z21, Z3
	VBROADCASTSS (R12), Z22
	VFMADD231PS  Z16, Z22, Z4
	VFMADD231PS  Z17, Z22, Z5
	VBROADCASTSS (R13), Z23
	VFMADD231PS  Z16, Z23, Z6
	VFMADD231PS  Z17, Z23, Z7
	ADDQ         AX, SI
	ADDQ         AX, R11
	ADDQ         AX, R12
	ADDQ         AX, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          loop32

store32:
	VADDPS  (DX), Z0, Z0
	VMOVUPS Z0, (DX)
	VADDPS  64(DX), Z1, Z1
	VMOVUPS Z1, 64(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Z2, Z2
	VMOVUPS Z2, (DX)
	VADDPS  64(DX), Z3, Z3
	VMOVUPS Z3, 64(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Z4, Z4
	VMOVUPS Z4, (DX)
	VADDPS  64(DX), Z5, Z5
	VMOVUPS Z5, 64(DX)
	ADDQ    R10, DX
	VADDPS  (DX), Z6, Z6
	VMOVUPS Z6, (DX)
	VADDPS  64(DX), Z7, Z7
	VMOVUPS Z7, 64(DX)
	VZEROUPPER
	RET
