package graph

// prefetcher draws the next batches of a Source on its own goroutine while
// the current step computes: on a spare core, data generation costs no wall
// time. The source is still called sequentially, batch after batch, so the
// data (and every result) are exactly those of calling it directly.
type prefetcher struct {
	src   Source
	ready chan *Batch
	free  chan *Batch
}

// prefetchDepth is the number of batches drawn ahead.
const prefetchDepth = 2

func newPrefetcher(src Source, rows int) *prefetcher {
	p := &prefetcher{src: src, ready: make(chan *Batch, prefetchDepth), free: make(chan *Batch, prefetchDepth)}
	for range prefetchDepth {
		p.free <- NewBatch(rows, src.Inputs())
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

func (p *prefetcher) Inputs() []Input { return p.src.Inputs() }

// Fill copies the next batch into b, which must have the prefetched size.
func (p *prefetcher) Fill(b *Batch) {
	buf := <-p.ready
	b.copyFrom(buf)
	p.free <- buf
}

// close stops the goroutine once it has finished the batch in hand.
func (p *prefetcher) close() {
	close(p.free)
	for range p.ready {
	}
}
