package kernels

import "golang.org/x/sys/cpu"

// hasFMA reports whether the AVX2 + FMA kernels can run here.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the AVX-512F kernel sgemm4x64 can run here (the
// CPU has it and the OS saves the zmm registers, as cpu checks).
var hasAVX512 = hasFMA && cpu.X86.HasAVX512F

//go:noescape
func sgemm4x16(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func sgemm4x8(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)

// Elementwise float32 kernels of elem_amd64.s; each handles the first
// n&^7 elements.

//go:noescape
func addRowAct32(out, a, v *float32, n int, relu bool)

//go:noescape
func addTo32(dst, a *float32, n int)

//go:noescape
func axpy32(a float32, x, y *float32, n int)

//go:noescape
func adam32(w, grad *float32, m, v *float64, n int, q *adamScalars)

//go:noescape
func reluMask32(dst, out, grad *float32, n int)

//go:noescape
func sqErrGrad32(dst, x, y, w *float32, n int, s float32)

//go:noescape
func sqErrRow32(x, y, w *float32, n int) float32

//go:noescape
func sgemm4x8m(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, rows int, mask *uint32)

//go:noescape
func sgemm4x24(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func sgemm4x64(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func sgemm4x32(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int)

// The chain kernels of gemm_chain_amd64.s: sgemm4x24, sgemm4x16 and
// sgemm4x8's chains stored into C, not added to it, each started from C's
// entry when load ≠ 0 (a chain over k continued block after block).

//go:noescape
func sgemm4x24c(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int)

//go:noescape
func sgemm4x16c(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int)

//go:noescape
func sgemm4x8c(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int)
