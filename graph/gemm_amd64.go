package graph

import "golang.org/x/sys/cpu"

// hasFMA reports whether the AVX2 + FMA kernels can run here.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func sgemm4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func sgemm4x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
