package kernels

// The AVX2 kernels of Softmax (softmax_amd64.s); each handles the first
// n&^7 elements.

//go:noescape
func expShift32(s *float32, n int, m, scale float32) float32

//go:noescape
func max32(s *float32, n int) float32

//go:noescape
func scal32(s *float32, n int, a float32)

//go:noescape
func dot32(x, y *float32, n int) float32

//go:noescape
func softmaxGrad32(dp, p *float32, n int, dot, scale float32)
