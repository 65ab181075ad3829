// Package graph is the layer between this project's models and Gorgonia: the
// graph builder, this package's custom ops, and the training loop every model
// shares.
//
// It is the one place that knows Gorgonia's quirks, so that a model file reads
// like its equation:
//
//   - Parameters live in a [Params] store and are initialised from an explicit,
//     seeded *rand.Rand (math/rand/v2, PCG). Gorgonia's own initialisers seed
//     themselves from the clock and are never used.
//   - A [Builder] wraps a Gorgonia expression graph and keeps the first error,
//     like bufio.Scanner: model code calls b.MatMul, b.ReLU, … without checking
//     errors, and the caller checks [Builder.Err] once.
//   - [Train] runs the one training loop every model shares: a fresh batch
//     written in place each step, forward, named loss terms, symbolic
//     gradients, optional gradient edits, an [Adam] step (Gorgonia's AdamW never
//     updates the weights, so the solver is ours, with correctly decoupled
//     weight decay), optional post-step constraints, NaN/Inf detection and
//     context cancellation, with optional gradient-norm clipping
//     (Config.ClipNorm). It runs on Gorgonia's TapeMachine.
//   - A batch is a set of named inputs ([Input], [Batch]): float features, int
//     token ids or targets. A [Source] fills them each step and a [Model]'s
//     loss reads them by name ([Inputs]); [FromFeatures] adapts a source of one
//     float matrix (toy data, SAE activations), read as in.X().
//   - A [HookedModel] brings its own part of the loop (an SAE's decoder
//     constraint, resampling and counters) as [Hooks], with checkpointed
//     state; [Train] always installs them.
//   - Random streams are named ([Stream], [StreamSeed]): derived from the run's
//     seed, a name and indices, so they cannot collide.
//   - [Sweep] trains many independent models at once on all cores. Every
//     instance draws from its own source seeded by [DeriveSeed], and every
//     instance owns its own graph, so results do not depend on scheduling or
//     GOMAXPROCS.
//
// Where each part lives:
//   - builder.go: [Builder] itself (NewBuilder, Param, Input, Const, Scalar,
//     Watch, ParamNodes, Err, Graph, Apply) and its error keeping.
//   - op.go: what every custom op shares: the kernelOp skeleton (each op
//     owns its output buffer, so a step allocates nothing for it), byDtype
//     (one generic op body, instantiated for float32 and float64), shape
//     checks and the diff of gradient ops.
//   - ops_matmul.go: MatMul, MatMulT, TMatMul, T, TiedProduct.
//   - ops_elementwise.go: AddRow, AddRowReLU, SubRow, MulRow, Add, Sub, Mul,
//     Scale, ReLU, Square, Abs, Detach; ops_tanh.go: Tanh.
//   - ops_reduce.go: Sum, Mean, RowNorms.
//   - ops_loss.go: WeightedSqErr, L1, L0, [Coef] and ScaleBy.
//   - ops_sparse.go: TopK, BatchTopK, MaskedTopK, JumpReLU.
//   - ops_code.go: sparse codes ([Code]): TopKCode, MaskedTopKCode, Dense,
//     CodeMatMul, WatchCode and the SAE Encoder, whose codes send their
//     gradient straight into its parameters, so that a TopK SAE's decoder
//     and backward pass touch only the k active latents of each row.
//   - the sequence-model ops, activations [B·T, d]: ops_embed.go (Embed,
//     AddTiled), ops_norm.go (LayerNorm), ops_xent.go
//     (SoftmaxCrossEntropy), ops_solu.go (SoLU), ops_pointwise.go (GELU,
//     Exp, Log, Sigmoid), ops_attention.go (CausalAttention, its pattern,
//     AttentionForward).
//   - hooks.go: hook points ([Builder.Hook], [HookPoints]) and [Runner], a
//     forward-only program in which any named activation can be cached,
//     zero-ablated or replaced (an SAE spliced in).
//   - ops_stacked.go: the Stacked ops that train K instances in one graph,
//     and Pick.
//   - internal/kernels: the numeric loops behind the ops: the AVX2 + FMA
//     GEMM and elementwise assembly with their Go fallbacks.
//   - training: batch.go (named inputs), train.go ([Train], [Trainer], [Hooks]), adam.go, schedule.go,
//     checkpoint.go, sweep.go, prefetch.go, progress.go, forward.go,
//     stacksource.go; params.go and seed.go hold parameters and seeding;
//     gradcheck.go the finite-difference check every op is tested with.
//
// Shapes follow the paper: a batch is [batch, features] (row-major), weights
// are W [hidden, features], so the columns of W are feature directions.
//
// References:
//   - Elhage et al. (2022), "Toy Models of Superposition", Transformer Circuits
//     Thread, section "Demonstrating Superposition" (training setup).
//   - Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization".
//   - Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization".
package graph
