package graph

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gorgonia.org/tensor"
)

// This file holds the goroutines that ops split their work over: crew, for
// a given number of independent problems, and rowCrew, for row-wise
// kernels over a fixed partition of the rows.

// crew runs the n independent problems of one run on a given number W of
// goroutines, each taking the next problem from a shared counter until none
// is left, so that a worker the OS holds back (the cores are shared) leaves
// its share to the others: the calling goroutine is worker 0 and the others
// are started on every run from functions built once (a goroutine started
// that way reuses a finished one's descriptor and stack, so a run allocates
// nothing). Each problem is computed by the same code whichever worker
// takes it, with that worker's scratch only, so results do not depend on W
// or on the order the problems are taken in.
type crew struct {
	wg     sync.WaitGroup
	n      int
	next   atomic.Int64 // the next problem to take
	job    func(w, p int)
	starts []func()
}

func (c *crew) run(n, workers int, job func(w, p int)) {
	c.n, c.job = n, job
	c.next.Store(0)
	for len(c.starts) < workers {
		w := len(c.starts)
		c.starts = append(c.starts, func() {
			defer c.wg.Done()
			c.part(w)
		})
	}
	c.wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go c.starts[w]()
	}
	c.part(0)
	c.wg.Wait()
	c.job = nil
}

// part runs problems on worker w until none is left.
func (c *crew) part(w int) {
	for {
		p := int(c.next.Add(1)) - 1
		if p >= c.n {
			return
		}
		c.job(w, p)
	}
}

// rowBlocks is the number of blocks of consecutive rows a rowCrew splits
// its rows into, whatever GOMAXPROCS is: a reduction over rows adds one
// partial per block, in block order, so its result does not depend on the
// number of cores either.
const rowBlocks = 16

// rowParallelMin is the number of elements from which a rowCrew runs its
// blocks on more than one goroutine; below it, starting them costs more
// than it saves.
const rowParallelMin = 1 << 14

// elemParallelMin is rowParallelMin for the elementwise ops that the toy
// models share (bias, ReLU and its mask): their sweeps keep every core busy
// with instances already, so only a transformer-sized matrix is split.
const elemParallelMin = 1 << 18

// rowCrew runs a row-wise kernel body(blk, lo, hi) on the rows [lo, hi) of
// each of the rowBlocks blocks blk of a matrix, block blk being rows
// [blk·rows/rowBlocks, (blk+1)·rows/rowBlocks), over min(GOMAXPROCS,
// rowBlocks) goroutines when the matrix is large. The body is built once,
// by the op, over variables the op's run function sets before each run, so
// a run allocates nothing. One rowCrew belongs to one op instance.
type rowCrew struct {
	crew    crew
	minSize int // 0: rowParallelMin
	rows    int
	body    func(blk, lo, hi int)
	job     func(w, p int)
}

// run runs body over the blocks of rows rows of size elements in all; with
// no rows it runs nothing.
func (c *rowCrew) run(rows, size int, body func(blk, lo, hi int)) {
	if rows == 0 {
		return
	}
	if c.job == nil {
		c.job = func(_, p int) { c.body(p, p*c.rows/rowBlocks, (p+1)*c.rows/rowBlocks) }
	}
	c.rows, c.body = rows, body
	workers, least := 1, c.minSize
	if least == 0 {
		least = rowParallelMin
	}
	if size >= least {
		workers = max(1, min(runtime.GOMAXPROCS(0), rowBlocks))
	}
	c.crew.run(rowBlocks, workers, c.job)
	c.body = nil
}

// parallelUnary returns the run function of an op whose elementwise kernel
// k(out, a) maps a matrix (input 0) to one of its shape, split over blocks
// of rows; the blocks are computed as the whole would be.
func parallelUnary[T float](k func(out, a []T)) runFunc {
	var (
		rc     = rowCrew{minSize: elemParallelMin}
		out, a []T
	)
	body := func(_, lo, hi int) {
		d := len(out) / rc.rows
		k(out[lo*d:hi*d], a[lo*d:hi*d])
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, a = data[T](dst), data[T](in[0])
		rc.run(dst.Shape()[0], len(out), body)
		out, a = nil, nil
		return nil
	}
}

// parallelBinary is parallelUnary for a kernel k(out, a, b) of two
// matrices of one shape.
func parallelBinary[T float](k func(out, a, b []T)) runFunc {
	var (
		rc        = rowCrew{minSize: elemParallelMin}
		out, a, b []T
	)
	body := func(_, lo, hi int) {
		d := len(out) / rc.rows
		k(out[lo*d:hi*d], a[lo*d:hi*d], b[lo*d:hi*d])
	}
	return func(dst *tensor.Dense, in []*tensor.Dense) error {
		out, a, b = data[T](dst), data[T](in[0]), data[T](in[1])
		rc.run(dst.Shape()[0], len(out), body)
		out, a, b = nil, nil, nil
		return nil
	}
}
