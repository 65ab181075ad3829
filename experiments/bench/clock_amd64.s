#include "textflag.h"

// func addChain(n int64) int64
//
// n iterations of eight dependent one-cycle ADDs: 8·n core cycles (the
// loop counter's DEC/JNZ runs beside the chain).
TEXT ·addChain(SB), NOSPLIT, $0-16
	MOVQ n+0(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  done

loop:
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	DECQ CX
	JNZ  loop

done:
	MOVQ AX, ret+8(FP)
	RET
