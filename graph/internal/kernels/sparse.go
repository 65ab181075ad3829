package kernels

import (
	"math"
	"slices"
)

// This file holds the loops of sparse codes (package graph's Code): a row's
// k largest entries, and the products that read only the kept entries of
// each row. A code of r rows and k slots is three flat slices: cols [r·k]
// (slot s of row i keeps column cols[i·k+s], ascending within the row),
// vals [r·k] (the kept values, or their gradients) and cnt [r] (how many
// slots of each row are used; the rest are ignored). Its column view lists,
// for every column j, the flat slots e = i·k + s that keep j, rows
// ascending: ent[start[j]:start[j+1]].

// TopK writes into cols the columns of the k largest positive entries of
// row, in ascending order, and returns how many it kept: fewer than k when
// fewer entries are positive. With among not nil only the columns it lists
// (ascending) compete. Among equal values the lower column wins; NaN never
// does. s is the caller's scratch, for rows of up to its n entries.
//
// The kept entries form a heap whose root is the worst of them (the
// smallest value, the highest column among equals), so most entries cost
// one comparison with the root; float32 rows are first bounded from below
// by blocks (see scan32), so that on random rows about k entries enter the
// heap rather than k·(1 + ln(n/k)).
func TopK[T Float](cols []int32, row []T, k int, among []int32, s *TopKScratch[T]) int {
	h := topHeap[T]{k: k, hv: s.hv, hc: s.hc}
	if r, ok := any(row).([]float32); ok && among == nil {
		h.scan32(r, s.blocks)
	} else if among == nil {
		for j, v := range row {
			if v > h.floor {
				h.push(v, int32(j))
			}
		}
	} else {
		for _, j := range among {
			if v := row[j]; v > h.floor {
				h.push(v, j)
			}
		}
	}
	copy(cols, h.hc[:h.size])
	slices.Sort(cols[:h.size])
	return h.size
}

// TopKScratch is the scratch of [TopK] for rows of up to n entries and k
// kept; one goroutine's.
type TopKScratch[T Float] struct {
	hv     []T
	hc     []int32
	blocks []int32 // the block maxima of scan32
}

// NewTopKScratch returns TopK's scratch for rows of up to n entries.
func NewTopKScratch[T Float](n, k int) *TopKScratch[T] {
	return &TopKScratch[T]{hv: make([]T, k), hc: make([]int32, k), blocks: make([]int32, n/8)}
}

// topHeap is TopK's heap of the best k entries so far.
type topHeap[T Float] struct {
	k, size int
	floor   T // what an entry must exceed: 0 until the heap is full, then its root
	hv      []T
	hc      []int32
}

// scan32 offers the entries of row above the floor that can be among its
// k largest, in column order. The maximum of every block of eight entries
// is taken on their bits as int32, without a branch, into blocks: for the
// non-negative floors used here the bits order as the values do, negative
// entries (-0 too) come out below any floor and NaN above, for the exact
// comparison to reject. The k largest positive block maxima are k
// distinct entries, so the smallest of them is at most the row's k-th
// largest: only the blocks that reach it are offered.
func (h *topHeap[T]) scan32(row []float32, blocks []int32) {
	const nan = 0x7f800000 // bits above +Inf's are NaN
	nb := len(row) / 8
	blocks = blocks[:nb]
	for b := range blocks {
		c := row[8*b : 8*b+8 : 8*b+8]
		blocks[b] = max(max(max(bits32(c[0]), bits32(c[1])), max(bits32(c[2]), bits32(c[3]))),
			max(max(bits32(c[4]), bits32(c[5])), max(bits32(c[6]), bits32(c[7]))))
	}
	// The heap of block maxima lives in hc until the entries' heap takes
	// it over.
	least, size := int32(0), 0
	for _, m := range blocks {
		if m <= least || m > nan {
			continue
		}
		if size < h.k {
			h.hc[size] = m
			intUp(h.hc, size)
			if size++; size == h.k {
				least = h.hc[0]
			}
			continue
		}
		h.hc[0] = m
		intDown(h.hc[:size], 0)
		least = h.hc[0]
	}
	bound := int32(0) // the blocks whose maximum exceeds it are offered
	if size == h.k {
		bound = least - 1 // least ≥ 1, and this is the float just below it
		h.floor = T(math.Float32frombits(uint32(bound)))
	}
	for b, m := range blocks {
		if m <= bound {
			continue
		}
		for i, v := range row[8*b : 8*b+8] {
			if T(v) > h.floor {
				h.push(T(v), int32(8*b+i))
			}
		}
	}
	for j := 8 * nb; j < len(row); j++ {
		if v := T(row[j]); v > h.floor {
			h.push(v, int32(j))
		}
	}
}

func bits32(v float32) int32 { return int32(math.Float32bits(v)) }

// intUp and intDown keep a min-heap of int32.
func intUp(h []int32, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func intDown(h []int32, i int) {
	n := len(h)
	for {
		m, l := i, 2*i+1
		if l < n && h[l] < h[m] {
			m = l
		}
		if r := l + 1; r < n && h[r] < h[m] {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// push offers (v, j), v > floor, j above every column offered before.
func (h *topHeap[T]) push(v T, j int32) {
	if h.size < h.k {
		h.hv[h.size], h.hc[h.size] = v, j
		heapUp(h.hv, h.hc, h.size)
		h.size++
		if h.size == h.k {
			h.floor = h.hv[0]
		}
		return
	}
	// v beats the root: a larger value, since an equal one has a higher
	// column than every kept entry.
	h.hv[0], h.hc[0] = v, j
	heapDown(h.hv[:h.size], h.hc[:h.size], 0)
	h.floor = h.hv[0]
}

// worse reports whether entry (v, c) ranks below (w, d): a smaller value,
// or an equal one in a higher column.
func worse[T Float](v T, c int32, w T, d int32) bool {
	return v < w || (v == w && c > d)
}

func heapUp[T Float](hv []T, hc []int32, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(hv[i], hc[i], hv[p], hc[p]) {
			return
		}
		hv[i], hv[p] = hv[p], hv[i]
		hc[i], hc[p] = hc[p], hc[i]
		i = p
	}
}

func heapDown[T Float](hv []T, hc []int32, i int) {
	n := len(hv)
	for {
		m, l := i, 2*i+1
		if l < n && worse(hv[l], hc[l], hv[m], hc[m]) {
			m = l
		}
		if r := l + 1; r < n && worse(hv[r], hc[r], hv[m], hc[m]) {
			m = r
		}
		if m == i {
			return
		}
		hv[i], hv[m] = hv[m], hv[i]
		hc[i], hc[m] = hc[m], hc[i]
		i = m
	}
}

// CodeMul writes into out [rows, d] the product of the code's rows (rows
// of cnt, k slots each) with w [n, d]: row i is Σ_s vals[i·k+s]·w[cols[i·k+s]],
// summed in slot order, which is the order (and, for float32, the rounding)
// of [MatMul]'s zero-skipping loops over the dense matrix.
func CodeMul[T Float](out, vals []T, cols, cnt []int32, k int, w []T, d int) {
	for i, c := range cnt {
		oi := out[i*d : (i+1)*d]
		clear(oi)
		for e := i * k; e < i*k+int(c); e++ {
			j := int(cols[e])
			axpy(vals[e], w[j*d:(j+1)*d], oi)
		}
	}
}

// CodeGradVals writes into dst [rows·k] the gradient of [CodeMul] in the
// kept values: dst[i·k+s] = g[i]·w[cols[i·k+s]] for g [rows, d] ([Dot]),
// 0 in the unused slots.
func CodeGradVals[T Float](dst, g []T, cols, cnt []int32, k int, w []T, d int) {
	for i, c := range cnt {
		gi := g[i*d : (i+1)*d]
		for s := range k {
			e := i*k + s
			if s >= int(c) {
				dst[e] = 0
				continue
			}
			j := int(cols[e])
			dst[e] = Dot(gi, w[j*d:(j+1)*d])
		}
	}
}

// CodeTMul writes rows [lo, hi) of the product codeᵀ·g into out [n, d]: row
// j is Σ vals[e]·g[e/k] over the slots e that keep column j, rows
// ascending, which is the order of [MatMul]'s loops for the transposed
// dense matrix; columns no row keeps get zeros. g is [rows, d].
func CodeTMul[T Float](out []T, lo, hi int, vals []T, start, ent []int32, k int, g []T, d int) {
	for j := lo; j < hi; j++ {
		oj := out[j*d : (j+1)*d]
		clear(oj)
		for _, e := range ent[start[j]:start[j+1]] {
			i := int(e) / k
			axpy(vals[e], g[i*d:(i+1)*d], oj)
		}
	}
}

// CodeTMulGrad is [CodeTMul] that also writes the gradient of [CodeMul] in
// the kept values, dvals[e] = g[e/k]·w[j] for every slot e keeping column
// j (w [n, d]): each gathered row of g serves both, and the bits are those
// of CodeTMul and [CodeGradVals]. It leaves the unused slots of dvals alone.
func CodeTMulGrad[T Float](out, dvals []T, lo, hi int, vals []T, start, ent []int32, k int, g, w []T, d int) {
	for j := lo; j < hi; j++ {
		oj, wj := out[j*d:(j+1)*d], w[j*d:(j+1)*d]
		clear(oj)
		for _, e := range ent[start[j]:start[j+1]] {
			i := int(e) / k
			gi := g[i*d : (i+1)*d]
			dvals[e] = Dot(gi, wj)
			axpy(vals[e], gi, oj)
		}
	}
}

// CodeTMulT is [CodeTMul] writing the transpose: columns [lo, hi) of
// gᵀ·code into out [d, n], and the column sums of the code, Σ vals[e] over
// the slots e keeping j, into sum[lo:hi]. tmp is scratch of
// [CodeBlock]·d entries: columns are computed CodeBlock at a time as rows
// there, then written out, so that every row of out is written a cache
// line at a time.
func CodeTMulT[T Float](out, sum []T, lo, hi int, vals []T, start, ent []int32, k int, g []T, d, n int, tmp []T) {
	for j0 := lo; j0 < hi; j0 += CodeBlock {
		j1 := min(j0+CodeBlock, hi)
		CodeTMul(tmp[:(j1-j0)*d], 0, j1-j0, vals, start[j0:], ent, k, g, d)
		for j := j0; j < j1; j++ {
			var s T
			for _, e := range ent[start[j]:start[j+1]] {
				s += vals[e]
			}
			sum[j] = s
		}
		for i := range d {
			oi := out[i*n+j0 : i*n+j1]
			for jj := range oi {
				oi[jj] = tmp[jj*d+i]
			}
		}
	}
}

// CodeBlock is the number of columns [CodeTMulT] computes together.
const CodeBlock = 16

// CodeColumns builds the column view of a code of n columns into start
// [n+1] and ent [rows·k]: a counting sort of the kept slots by column,
// rows ascending within each column.
func CodeColumns(start, ent, cols, cnt []int32, k, n int) {
	clear(start)
	for i, c := range cnt {
		for _, j := range cols[i*k : i*k+int(c)] {
			start[j+1]++
		}
	}
	for j := range n {
		start[j+1] += start[j]
	}
	// Fill from each column's start, then shift back: start[j] ends up
	// where start[j+1] began, so start is rebuilt by one shift.
	for i, c := range cnt {
		for s, j := range cols[i*k : i*k+int(c)] {
			ent[start[j]] = int32(i*k + s)
			start[j]++
		}
	}
	copy(start[1:], start[:n])
	start[0] = 0
}

// Dot returns x·y: for float32 with AVX2 in the FMA lanes of dot32, then
// the tail in order (deterministic, but neither the order nor the
// rounding of the dense loops' dot); otherwise dot.
func Dot[T Float](x, y []T) T {
	if xf, ok := any(x).([]float32); ok && hasFMA && len(x) >= 8 {
		yf := any(y).([]float32)[:len(xf)]
		n := len(xf) &^ 7
		s := dot32(&xf[0], &yf[0], n)
		for i := n; i < len(xf); i++ {
			s += xf[i] * yf[i]
		}
		return T(s)
	}
	return dot(x, y)
}
