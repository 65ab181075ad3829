package graph

// prefetcher draws the next batches of a Source on its own goroutine while
// the current step computes: on a spare core, data generation costs no wall
// time. The source is still called sequentially, batch after batch, so the
// data (and every result) are exactly those of calling it directly.
type prefetcher struct {
	src   Source
	ready chan []float32
	free  chan []float32
}

// prefetchDepth is the number of batches drawn ahead.
const prefetchDepth = 2

func newPrefetcher(src Source, size int) *prefetcher {
	p := &prefetcher{src: src, ready: make(chan []float32, prefetchDepth), free: make(chan []float32, prefetchDepth)}
	for range prefetchDepth {
		p.free <- make([]float32, size)
	}
	go func() {
		for buf := range p.free {
			p.src.Fill(buf)
			p.ready <- buf
		}
		close(p.ready)
	}()
	return p
}

func (p *prefetcher) Width() int { return p.src.Width() }

// Fill copies the next batch into x, which must have the prefetched size.
func (p *prefetcher) Fill(x []float32) {
	buf := <-p.ready
	copy(x, buf)
	p.free <- buf
}

// close stops the goroutine once it has finished the batch in hand.
func (p *prefetcher) close() {
	close(p.free)
	for range p.ready {
	}
}
