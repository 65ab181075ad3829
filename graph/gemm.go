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
	var bpad []float32 // B's last n − n8 columns, zero-padded to 8
	if n8 < n {
		bpad = scratch.get(k * 8)
		for kk := 0; kk < k; kk++ {
			copy(bpad[kk*8:kk*8+8], b[kk*n+n8:(kk+1)*n])
		}
	}
	block := func(c, a []float32, cpad *[4 * 8]float32) { // 4 full rows of A and C
		j := 0
		for ; j+16 <= n; j += 16 {
			sgemm4x16(k, &a[0], k, &b[j], n, &c[j], n)
		}
		for ; j+8 <= n; j += 8 {
			sgemm4x8(k, &a[0], k, &b[j], n, &c[j], n)
		}
		if bpad != nil {
			*cpad = [4 * 8]float32{}
			sgemm4x8(k, &a[0], k, &bpad[0], 8, &cpad[0], 8)
			for i := 0; i < 4; i++ {
				for jj, v := range cpad[i*8 : i*8+n-n8] {
					c[i*n+n8+jj] += v
				}
			}
		}
	}
	r4 := r &^ 3
	rows := func(from, to int) { // blocks of 4 rows in [from, to)
		var cpad [4 * 8]float32
		for i := from; i < to; i += 4 {
			block(c[i*n:(i+4)*n], a[i*k:(i+4)*k], &cpad)
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
	if r4 < r { // the last rows, zero-padded to 4
		apad, ctmp := scratch.get(4*k), scratch.get(4*n)
		copy(apad, a[r4*k:r*k])
		copy(ctmp, c[r4*n:r*n])
		var cpad [4 * 8]float32
		block(ctmp, apad, &cpad)
		copy(c[r4*n:r*n], ctmp)
	}
}

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
