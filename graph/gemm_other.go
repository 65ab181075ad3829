//go:build !amd64

package graph

// hasFMA is false off amd64: the Go loops are used.
const hasFMA = false

func sgemm4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("graph: sgemm4x16 without AVX2")
}

func sgemm4x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("graph: sgemm4x8 without AVX2")
}
