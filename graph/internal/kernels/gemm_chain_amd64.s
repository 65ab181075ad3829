#include "textflag.h"

// The chain kernels sgemm4x24c, sgemm4x16c and sgemm4x8c compute the same
// FMA chains as sgemm4x24, sgemm4x16 and sgemm4x8 but store them into C
// instead of adding them to it, and with load ≠ 0 start each chain from C's
// entry instead of from zero:
//
//	func sgemm4xWc(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int)
//
// C = chain from 0 is what clearing C and adding to it gives (an
// accumulator that starts at +0 never holds −0, so 0 + chain is the chain);
// a chain over k split in blocks, each continuing from the last block's
// stored float32, is the one chain over all of k. So a product may block
// k for the cache and keep every entry's bits.

TEXT ·sgemm4x24c(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	MOVQ load+64(FP), BX
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	TESTQ BX, BX
	JNE   load24c
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
	JMP start24c

load24c:
	MOVQ DX, BX
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS 64(BX), Y2
	ADDQ    R10, BX
	VMOVUPS (BX), Y3
	VMOVUPS 32(BX), Y4
	VMOVUPS 64(BX), Y5
	ADDQ    R10, BX
	VMOVUPS (BX), Y6
	VMOVUPS 32(BX), Y7
	VMOVUPS 64(BX), Y8
	ADDQ    R10, BX
	VMOVUPS (BX), Y9
	VMOVUPS 32(BX), Y10
	VMOVUPS 64(BX), Y11

start24c:
	TESTQ CX, CX
	JE    store24c

loop24c:
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
	JNE          loop24c

store24c:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	ADDQ    R10, DX
	VMOVUPS Y3, (DX)
	VMOVUPS Y4, 32(DX)
	VMOVUPS Y5, 64(DX)
	ADDQ    R10, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VMOVUPS Y8, 64(DX)
	ADDQ    R10, DX
	VMOVUPS Y9, (DX)
	VMOVUPS Y10, 32(DX)
	VMOVUPS Y11, 64(DX)
	VZEROUPPER
	RET

TEXT ·sgemm4x16c(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	MOVQ load+64(FP), BX
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	TESTQ BX, BX
	JNE   load16c
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	JMP start16c

load16c:
	MOVQ DX, BX
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	ADDQ    R10, BX
	VMOVUPS (BX), Y2
	VMOVUPS 32(BX), Y3
	ADDQ    R10, BX
	VMOVUPS (BX), Y4
	VMOVUPS 32(BX), Y5
	ADDQ    R10, BX
	VMOVUPS (BX), Y6
	VMOVUPS 32(BX), Y7

start16c:
	TESTQ CX, CX
	JE    store16c

loop16c:
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
	JNE          loop16c

store16c:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

TEXT ·sgemm4x8c(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R8
	MOVQ acs+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R9
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	MOVQ load+64(FP), BX
	SHLQ $2, R8
	SHLQ $2, AX
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	TESTQ BX, BX
	JNE   load8c
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6
	JMP start8c

load8c:
	MOVQ DX, BX
	VMOVUPS (BX), Y0
	ADDQ    R10, BX
	VMOVUPS (BX), Y2
	ADDQ    R10, BX
	VMOVUPS (BX), Y4
	ADDQ    R10, BX
	VMOVUPS (BX), Y6

start8c:
	TESTQ CX, CX
	JE    store8c

loop8c:
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
	JNE          loop8c

store8c:
	VMOVUPS Y0, (DX)
	ADDQ    R10, DX
	VMOVUPS Y2, (DX)
	ADDQ    R10, DX
	VMOVUPS Y4, (DX)
	ADDQ    R10, DX
	VMOVUPS Y6, (DX)
	VZEROUPPER
	RET
