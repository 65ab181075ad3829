package graph

import (
	"runtime"
	"sync"
)

// sgemm adds A·B to C for row-major float32 matrices A [r, k], B [k, n] and
// C [r, n], with the AVX2 + FMA kernels on blocks of 4 rows × 16 (then 8)
// columns. Leftover columns and rows are zero-padded to a full block, so
// every entry goes through the same kernel. Callers check hasFMA first.
//
// The sum over k runs in the same order for every entry, whatever the
// blocking, so results do not depend on scheduling; they can differ in the
// last bits from the Go loops (FMA rounds once).
func sgemm(c, a, b []float32, r, k, n int, scratch *arena) {
	if r == 0 || n == 0 || k == 0 {
		return
	}
	_ = a[r*k-1]
	_ = b[k*n-1]
	_ = c[r*n-1]
	n8 := n &^ 7
	tail := &laneMasks[n-n8]        // B's and C's last n − n8 columns
	block := func(c, a []float32) { // 4 full rows of A and C
		j := 0
		for ; j+16 <= n; j += 16 {
			sgemm4x16(k, &a[0], k, &b[j], n, &c[j], n)
		}
		for ; j+8 <= n; j += 8 {
			sgemm4x8(k, &a[0], k, &b[j], n, &c[j], n)
		}
		if n8 < n {
			sgemm4x8m(k, &a[0], k, 1, &b[n8], n, &c[n8], n, 4, &tail[0])
		}
	}
	r4 := r &^ 3
	rows := func(from, to int) { // blocks of 4 rows in [from, to)
		for i := from; i < to; i += 4 {
			block(c[i*n:(i+4)*n], a[i*k:(i+4)*k])
		}
	}
	if workers := min(runtime.GOMAXPROCS(0), r4/4); workers > 1 && r*k*n >= parallelMin {
		// Each worker owns whole blocks of rows of C, so every entry is
		// computed exactly as on one core.
		var wg sync.WaitGroup
		per := (r4/4 + workers - 1) / workers * 4
		for from := 0; from < r4; from += per {
			wg.Add(1)
			go func(from, to int) {
				defer wg.Done()
				rows(from, to)
			}(from, min(from+per, r4))
		}
		wg.Wait()
	} else {
		rows(0, r4)
	}
	if r4 < r { // the last 1–3 rows, 8 columns at a time
		for j := 0; j < n; j += 8 {
			sgemm4x8m(k, &a[r4*k], k, 1, &b[j], n, &c[r4*n+j], n, r-r4, &laneMasks[min(n-j, 8)][0])
		}
	}
}

// sgemmNarrow adds A·B to C for C [r, n] with n ≤ 8 and A's element (i, kk)
// at a[i·ars + kk·acs]: with ars = 1 and acs = r it reads A transposed in
// place, so a product like Hᵀ·G of a toy model needs no transposed copy.
// Every entry is the FMA chain of sgemm.
func sgemmNarrow(c, a, b []float32, r, k, n, ars, acs int) {
	if r == 0 || n == 0 || k == 0 {
		return
	}
	_ = a[(r-1)*ars+(k-1)*acs]
	_ = b[k*n-1]
	_ = c[r*n-1]
	mask := &laneMasks[n]
	for i := 0; i < r; i += 4 {
		sgemm4x8m(k, &a[i*ars], ars, acs, &b[0], n, &c[i*n], n, min(r-i, 4), &mask[0])
	}
}

// laneMasks[j] selects the first j of 8 float32 lanes.
var laneMasks = func() (m [9][8]uint32) {
	for j := range m {
		for l := 0; l < j; l++ {
			m[j][l] = ^uint32(0)
		}
	}
	return m
}()

// parallelMin is the number of multiply-adds from which sgemm splits its rows
// over the cores: below it, starting goroutines costs more than it saves
// (and the toy-model sweeps already keep every core busy with instances).
const parallelMin = 1 << 24

// transpose writes the transpose of the row-major [r, c] matrix a into
// dst [c, r].
func transpose[T float](dst, a []T, r, c int) {
	for i := 0; i < r; i++ {
		row := a[i*c : (i+1)*c]
		for j, v := range row {
			dst[j*r+i] = v
		}
	}
}
