package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// sgemm adds A·B to C for row-major float32 matrices A [r, k], B [k, n] and
// C [r, n], with the AVX-512 kernel on blocks of 4 rows × 64 columns where
// the CPU has it, then the AVX2 + FMA kernels on blocks of 4 rows × 24, 16
// and 8 columns; leftover rows and columns go through a masked 4×8 kernel that
// reads and writes only what exists. Callers check hasFMA first.
//
// The sum over k runs in the same order for every entry, whatever the
// blocking, so results do not depend on scheduling; they can differ in the
// last bits from the Go loops (FMA rounds once).
func sgemm(c, a, b []float32, r, k, n int, scratch *Arena) {
	sgemmStrided(c, a, b, r, k, n, k, 1, false, scratch)
}

// sgemmStrided is sgemm with A's element (i, kk) at a[i·ars + kk·acs]:
// ars = k, acs = 1 is a row-major A; ars = 1, acs = r reads a row-major
// [k, r] matrix as its transpose in place, without a transposed copy.
// With zero set C is overwritten, not added to: each block of C is cleared
// just before the kernels add to it, on the core computing it, while it is
// in cache.
func sgemmStrided(c, a, b []float32, r, k, n, ars, acs int, zero bool, scratch *Arena) {
	if r == 0 || n == 0 || k == 0 {
		if zero {
			clear(c[:r*n])
		}
		return
	}
	_ = a[(r-1)*ars+(k-1)*acs]
	_ = b[k*n-1]
	_ = c[r*n-1]
	// Column panels of B small enough to stay in cache while every block
	// of rows goes past them: B is then read from memory once, not once
	// per block of rows. Each entry is still one FMA chain over all of k.
	// Panels are whole tiles wide: 64 columns for the AVX-512 kernel, 48
	// for the AVX2 ones (two of 24).
	tile := 48
	if hasAVX512 {
		tile = 64
	}
	panel := max(tile, panelFloats/k/tile*tile)
	// With many panels and many rows, each panel is first copied to a
	// contiguous block (packed), so the kernels walk it row after row
	// instead of striding across B's full width, page after page.
	var packed []float32
	if n > panel && r >= packMinRows {
		packed = scratch.get(k * n)
		for j0 := 0; j0 < n; j0 += panel {
			j1 := min(j0+panel, n)
			w, dst := j1-j0, packed[j0*k:]
			for kk := range k {
				copy(dst[kk*w:(kk+1)*w], b[kk*n+j0:kk*n+j1])
			}
		}
	}
	g := gemm{c: c, a: a, b: b, packed: packed, k: k, n: n, ars: ars, acs: acs, panel: panel, zero: zero}
	if zero && !hasAVX512 {
		// The AVX2 chain kernels store their chains instead of adding
		// them to a cleared C, and continue them from C block after block
		// of k: the sum over k runs in kc-long blocks, each over every
		// block of rows while its kc × panel slice of B is in cache.
		g.chain, g.kc = true, max(8, panelFloats/panel)
	}
	r4 := r &^ 3
	if workers := min(runtime.GOMAXPROCS(0), r4/4); workers > 1 && r*k*n >= parallelMin {
		// The workers take chunks of whole blocks of rows of C in turn, so
		// that one the OS holds back leaves its share to the others; every
		// entry is computed exactly as on one core.
		chunk := max(1, r4/4/(workers*chunksPerWorker)) * 4
		var next atomic.Int64
		take := func(g gemm) {
			for {
				from := int(next.Add(int64(chunk))) - chunk
				if from >= r4 {
					return
				}
				g.rows(from, min(from+chunk, r4))
			}
		}
		var wg sync.WaitGroup
		for range workers - 1 {
			wg.Add(1)
			go func(g gemm) {
				defer wg.Done()
				take(g)
			}(g)
		}
		take(g)
		wg.Wait()
	} else {
		g.rows(0, r4)
	}
	if r4 < r { // the last 1–3 rows, 8 columns at a time
		if zero {
			clear(c[r4*n : r*n])
		}
		for j := 0; j < n; j += 8 {
			sgemm4x8m(k, &a[r4*ars], ars, acs, &b[j], n, &c[r4*n+j], n, r-r4, &laneMasks[min(n-j, 8)][0])
		}
	}
}

// gemm is one product in progress: a value, not closures, so that a call
// allocates nothing.
type gemm struct {
	c, a, b, packed       []float32
	k, n, ars, acs, panel int
	zero                  bool // clear C's rows first
	chain                 bool // zero with the chain kernels, k in blocks of kc
	kc                    int
}

// rows computes the blocks of 4 rows in [from, to), panel by panel (with
// chain, block of k by block of k within each panel).
func (g gemm) rows(from, to int) {
	for j0 := 0; j0 < g.n; j0 += g.panel {
		j1 := min(j0+g.panel, g.n)
		if !g.chain {
			for i := from; i < to; i += 4 {
				g.block(i, j0, j1)
			}
			continue
		}
		for k0 := 0; k0 < g.k; k0 += g.kc {
			for i := from; i < to; i += 4 {
				g.chainBlock(i, j0, j1, k0, min(k0+g.kc, g.k))
			}
		}
		if (j1-j0)%8 != 0 {
			for i := from; i < to; i += 4 {
				g.tail(i, j0, j1)
			}
		}
	}
}

// panelB returns the panel of B's columns [j0, j1) and its row stride: B
// itself, or the packed copy, stored contiguously with row stride j1 − j0.
func (g gemm) panelB(j0, j1 int) ([]float32, int) {
	if g.packed != nil {
		return g.packed[j0*g.k:], j1 - j0
	}
	return g.b[j0:], g.n
}

// chainBlock computes the sums over k0 … k1−1 of rows i … i+3 of C in the
// columns [j0, j1) that whole 8-wide kernels cover, continuing the chains
// stored in C unless k0 is 0.
func (g gemm) chainBlock(i, j0, j1, k0, k1 int) {
	n, ars, acs := g.n, g.ars, g.acs
	ai, ci := &g.a[i*ars+k0*acs], g.c[i*n+j0:(i+4)*n]
	bp, ldb := g.panelB(j0, j1)
	bp = bp[k0*ldb:]
	load, kn, j, w := 0, k1-k0, 0, j1-j0
	if k0 > 0 {
		load = 1
	}
	for ; j+24 <= w; j += 24 {
		sgemm4x24c(kn, ai, ars, acs, &bp[j], ldb, &ci[j], n, load)
	}
	for ; j+16 <= w; j += 16 {
		sgemm4x16c(kn, ai, ars, acs, &bp[j], ldb, &ci[j], n, load)
	}
	for ; j+8 <= w; j += 8 {
		sgemm4x8c(kn, ai, ars, acs, &bp[j], ldb, &ci[j], n, load)
	}
}

// tail computes, with chain, the last (j1 − j0) mod 8 columns of rows
// i … i+3 of C in one masked pass over all of k.
func (g gemm) tail(i, j0, j1 int) {
	k, n, ars, acs := g.k, g.n, g.ars, g.acs
	ai, ci := &g.a[i*ars], g.c[i*n+j0:(i+4)*n]
	bp, ldb := g.panelB(j0, j1)
	w := j1 - j0
	j := w &^ 7
	for row := range 4 {
		clear(ci[row*n+j : row*n+w])
	}
	sgemm4x8m(k, ai, ars, acs, &bp[j], ldb, &ci[j], n, 4, &laneMasks[w-j][0])
}

// block computes rows i … i+3 of C in columns [j0, j1), one panel of B.
func (g gemm) block(i, j0, j1 int) {
	k, n, ars, acs := g.k, g.n, g.ars, g.acs
	ai, ci := &g.a[i*ars], g.c[i*n+j0:(i+4)*n]
	bp, ldb := g.panelB(j0, j1)
	j, w := 0, j1-j0
	if g.zero { // in L1 just before the kernels add to it
		for row := range 4 {
			clear(ci[row*n : row*n+w])
		}
	}
	if hasAVX512 {
		for ; j+64 <= w; j += 64 {
			sgemm4x64(k, ai, ars, acs, &bp[j], ldb, &ci[j], n)
		}
		for ; j+32 <= w; j += 32 {
			sgemm4x32(k, ai, ars, acs, &bp[j], ldb, &ci[j], n)
		}
	}
	for ; j+24 <= w; j += 24 {
		sgemm4x24(k, ai, ars, acs, &bp[j], ldb, &ci[j], n)
	}
	for ; j+16 <= w; j += 16 {
		sgemm4x16(k, ai, ars, acs, &bp[j], ldb, &ci[j], n)
	}
	for ; j+8 <= w; j += 8 {
		sgemm4x8(k, ai, ars, acs, &bp[j], ldb, &ci[j], n)
	}
	if j < w {
		sgemm4x8m(k, ai, ars, acs, &bp[j], ldb, &ci[j], n, 4, &laneMasks[w-j][0])
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

// panelFloats is the size, in floats, of the column panel of B that a
// product keeps in cache (128 KiB, half of a small L2).
const panelFloats = 1 << 15

// packMinRows is the number of rows of A from which sgemm packs B's panels:
// the copy costs one pass over B and pays off when many row blocks reuse it.
const packMinRows = 256

// chunksPerWorker is the number of chunks of rows a parallel sgemm cuts
// per worker: enough to even out a worker held back by the OS, few enough
// that B's panels are reloaded into L2 only that many times.
const chunksPerWorker = 4

// parallelMin is the number of multiply-adds from which sgemm splits its rows
// over the cores: below it, starting goroutines costs more than it saves
// (and the toy-model sweeps already keep every core busy with instances).
const parallelMin = 1 << 24

// transpose writes the transpose of the row-major [r, c] matrix a into
// dst [c, r].
func transpose[T Float](dst, a []T, r, c int) {
	for i := 0; i < r; i++ {
		row := a[i*c : (i+1)*c]
		for j, v := range row {
			dst[j*r+i] = v
		}
	}
}
