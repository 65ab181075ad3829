//go:build !amd64

package kernels

// hasFMA is false off amd64: the Go loops are used.
const hasFMA = false

// hasAVX512 is false off amd64.
const hasAVX512 = false

func sgemm4x16(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int) {
	panic("kernels: sgemm4x16 without AVX2")
}

func sgemm4x8(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int) {
	panic("kernels: sgemm4x8 without AVX2")
}

func addRowAct32(out, a, v *float32, n int, relu bool) { panic("kernels: addRowAct32 without AVX2") }
func addTo32(dst, a *float32, n int)                   { panic("kernels: addTo32 without AVX2") }
func axpy32(a float32, x, y *float32, n int)           { panic("kernels: axpy32 without AVX2") }
func reluMask32(dst, out, grad *float32, n int)        { panic("kernels: reluMask32 without AVX2") }
func sqErrGrad32(dst, x, y, w *float32, n int, s float32) {
	panic("kernels: sqErrGrad32 without AVX2")
}
func sqErrRow32(x, y, w *float32, n int) float32 { panic("kernels: sqErrRow32 without AVX2") }

func sgemm4x8m(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, rows int, mask *uint32) {
	panic("kernels: sgemm4x8m without AVX2")
}

func sgemm4x24(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int) {
	panic("kernels: sgemm4x24 without AVX2")
}

func sgemm4x64(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int) {
	panic("kernels: sgemm4x64 without AVX-512")
}

func sgemm4x32(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int) {
	panic("kernels: sgemm4x32 without AVX-512")
}

func adam32(w, grad *float32, m, v *float64, n int, q *adamScalars) {
	panic("kernels: adam32 without AVX2")
}

func sgemm4x24c(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int) {
	panic("kernels: sgemm4x24c without AVX2")
}

func sgemm4x16c(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int) {
	panic("kernels: sgemm4x16c without AVX2")
}

func sgemm4x8c(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, load int) {
	panic("kernels: sgemm4x8c without AVX2")
}
