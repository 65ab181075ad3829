// Package kernels holds the numeric loops behind package graph's custom ops:
// a float32 GEMM in AVX2 + FMA assembly (with AVX-512F micro-kernels, 4×64
// and 4×32, where the CPU and OS have them: the same FMA chain per entry, so
// the same bits) with Go loops for everything else,
// and the elementwise kernels of the fused ops (bias + ReLU, ReLU's
// gradient, column sums, the weighted squared error and its gradient). Only
// package graph calls it; its exported names are graph's internal API.
//
// Every kernel is generic over [Float] and works on flat row-major slices:
// a matrix [r, n] is r·n values, row after row. The float32 paths use the
// assembly when the CPU has AVX2 and FMA (detected once, at start-up, with
// golang.org/x/sys/cpu); float64, other CPUs and other architectures take
// the Go loops, which the assembly matches bit for bit except where a doc
// comment says otherwise (the FMA GEMM rounds once per multiply-add, the
// squared-error sum adds its lanes in another order).
//
// Files:
//   - matmul.go: [MatMul] and its dispatch between the zero-skipping Go
//     loops and the FMA GEMM; [Arena] scratch; axpy, dot.
//   - gemm.go: the blocked, panelled, optionally parallel sgemm driver.
//   - elementwise.go: [BiasAct], [ReLU], [AbsSign], [ReLUGrad], [ColSum],
//     [WeightedSqErr], [WeightedSqErrGrad], [SubRow].
//   - strided.go: [GemmAdd], a product on column blocks of row-strided
//     matrices (one attention head's columns, where they lie).
//   - sparse.go: the loops of sparse codes: [TopK] of a row, [CodeMul],
//     [CodeGradVals], [CodeTMul], [CodeTMulGrad], [CodeTMulT] and the
//     column view [CodeColumns].
//   - softmax.go: [Softmax] and [SoftmaxGrad] with a float32 exp (AVX2 in
//     softmax_amd64.s, the same bits as its Go loop).
//   - gemm_amd64.go, gemm_amd64.s, elem_amd64.s: the assembly and the CPU
//     feature check; gemm_other.go: stubs off amd64.
package kernels
