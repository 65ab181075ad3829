package kernels

// This file holds the strided product behind causal attention: every head
// is a block of columns of wider matrices, and its products are computed
// where they lie, without copying the blocks out.

// RowBlock is the number of rows of C that [GemmAdd] computes together on
// the FMA kernels: callers that need only a triangle of a product (causal
// attention) ask for it one block of rows at a time.
const RowBlock = 4

// GemmAdd adds A·B to C, for A [r, k] with element (i, kk) at
// a[i·ars + kk·acs] (ars = row stride, acs = 1 for a row-major block; ars =
// 1 and acs = the row length to read a row-major matrix transposed in
// place), B [k, n] row-major with row stride ldb and C [r, n] row-major with
// row stride ldc. It runs on the calling goroutine and allocates nothing.
//
// float32 takes the AVX2 + FMA kernels where the CPU has them, 4 rows by
// 24, 16 or 8 columns at a time with masked tails: each entry is one FMA
// chain from zero over kk in order, then added to C, so an entry does not
// depend on the blocking or on which rows are asked for together. Other
// types and CPUs take a Go loop.
func GemmAdd[T Float](c []T, ldc int, a []T, ars, acs int, b []T, ldb int, r, k, n int) {
	if r == 0 || k == 0 || n == 0 {
		return
	}
	_ = a[(r-1)*ars+(k-1)*acs]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(r-1)*ldc+n-1]
	if c32, ok := any(c).([]float32); ok && hasFMA {
		gemmAdd32(c32, ldc, any(a).([]float32), ars, acs, any(b).([]float32), ldb, r, k, n)
		return
	}
	for i := range r {
		ci := c[i*ldc : i*ldc+n]
		for kk := range k {
			axpy(a[i*ars+kk*acs], b[kk*ldb:kk*ldb+n], ci)
		}
	}
}

// gemmAdd32 is GemmAdd on the FMA kernels; the bounds are checked.
func gemmAdd32(c []float32, ldc int, a []float32, ars, acs int, b []float32, ldb int, r, k, n int) {
	for i := 0; i < r; i += 4 {
		rows := min(4, r-i)
		ai, ci := &a[i*ars], c[i*ldc:]
		j := 0
		if rows == 4 && hasAVX512 {
			for ; j+64 <= n; j += 64 {
				sgemm4x64(k, ai, ars, acs, &b[j], ldb, &ci[j], ldc)
			}
			for ; j+32 <= n; j += 32 {
				sgemm4x32(k, ai, ars, acs, &b[j], ldb, &ci[j], ldc)
			}
		}
		if rows == 4 {
			// 32 columns as 16 + 16, not 24 + 8: the 8-wide kernel's four
			// accumulators cannot hide the FMA latency.
			for ; j+24 <= n && n-j != 32; j += 24 {
				sgemm4x24(k, ai, ars, acs, &b[j], ldb, &ci[j], ldc)
			}
			for ; j+16 <= n; j += 16 {
				sgemm4x16(k, ai, ars, acs, &b[j], ldb, &ci[j], ldc)
			}
			for ; j+8 <= n; j += 8 {
				sgemm4x8(k, ai, ars, acs, &b[j], ldb, &ci[j], ldc)
			}
		}
		for ; j < n; j += 8 {
			sgemm4x8m(k, ai, ars, acs, &b[j], ldb, &ci[j], ldc, rows, &laneMasks[min(n-j, 8)][0])
		}
	}
}
