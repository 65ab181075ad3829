//go:build !amd64

package kernels

func expShift32(s *float32, n int, m, scale float32) float32 {
	panic("kernels: expShift32 without AVX2")
}

func max32(s *float32, n int) float32 { panic("kernels: max32 without AVX2") }

func scal32(s *float32, n int, a float32) { panic("kernels: scal32 without AVX2") }

func dot32(x, y *float32, n int) float32 { panic("kernels: dot32 without AVX2") }

func softmaxGrad32(dp, p *float32, n int, dot, scale float32) {
	panic("kernels: softmaxGrad32 without AVX2")
}
