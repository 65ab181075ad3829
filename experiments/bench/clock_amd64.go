package main

// addChain runs n iterations of eight dependent ADDs, 8·n cycles, and
// returns 8·n (so that the work cannot be skipped).
//
//go:noescape
func addChain(n int64) int64

const haveClock = true
