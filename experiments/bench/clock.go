package main

import (
	"errors"
	"runtime"
	"sync"
	"time"
)

// clockChainIterations is one core's share of the clock workload: 8·2²⁸
// cycles, about a second at 2–4 GHz.
const clockChainIterations = 1 << 28

// benchClock measures the cores' clock as they run under load: every core
// at once (GOMAXPROCS goroutines, each on its own thread) runs a chain of
// dependent one-cycle ADDs, and cycles ÷ seconds is its clock. The MHz of
// /proc/cpuinfo is the nominal clock; boost can run well above it, and the
// FMA peak of compare_sgemm.sh needs the clock the cores really run at. The
// result is the slowest core's (MHzMin) and the mean (MHz).
func benchClock(cfg Config) (Result, error) {
	if !haveClock {
		return Result{}, errors.New("-workload clock: needs amd64")
	}
	iters := int64(max(cfg.Steps, 1)) * clockChainIterations / 2000
	cores := runtime.GOMAXPROCS(0)
	mhz := make([]float64, cores)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range cores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			addChain(iters / 64) // warm up: let the clock ramp
			<-start
			t := time.Now()
			cycles := addChain(iters)
			mhz[c] = float64(cycles) / time.Since(t).Seconds() / 1e6
		}()
	}
	close(start)
	wg.Wait()
	res := Result{Workload: "clock", Config: cfg, Threads: cores, MHzMin: mhz[0]}
	for _, f := range mhz {
		res.MHz += f / float64(cores)
		res.MHzMin = min(res.MHzMin, f)
	}
	return res, nil
}
