package graph

import (
	"context"
	"runtime"
	"sync"
)

// Sweep runs job(ctx, i) for i in [0, n) on up to GOMAXPROCS goroutines and
// returns the results in index order. Each job must own everything it touches
// (its graph, its parameters, its seeded sources, derived from the sweep's
// seed and i with [DeriveSeed]), so the results are the same whatever the
// number of cores. The first error cancels the jobs not yet finished and is
// returned.
func Sweep[T any](ctx context.Context, n int, job func(ctx context.Context, i int) (T, error)) ([]T, error) {
	out := make([]T, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := job(ctx, i)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					continue
				}
				out[i] = r
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return out, firstErr
	}
	return out, ctx.Err()
}
