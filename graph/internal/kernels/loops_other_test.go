//go:build !amd64

package kernels

// withGoLoops runs f: off amd64 the Go loops are the only kernels.
func withGoLoops(f func()) { f() }
