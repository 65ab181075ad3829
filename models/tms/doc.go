// Package tms holds the toy models of Toy Models of Superposition as
// Gorgonia graphs built with package graph.
//
// With x [batch, n] the features, W [m, n] the weights (columns Wᵢ are the
// feature directions in the m-dimensional hidden space) and b [n] a bias:
//
//	linear:       h = W x,        x′ = WᵀW x + b
//	ReLU-output:  h = W x,        x′ = ReLU(WᵀW x + b)
//	privileged:   h = ReLU(W x),  x′ = ReLU(Wᵀ h + b)
//	absval:       h = ReLU(W₁ x), y′ = ReLU(W₂ h + b), target |x|
//
// (W₂ [n, m] is untied in the absolute-value model, whose inputs are signed.)
//
// The privileged model has extensions that push its neurons towards
// monosemanticity (Config.Activation, HiddenBias, L1):
//
//	hidden bias:  h = ReLU(W x + c), c [m] learned from a chosen start
//	SoLU:         h = SoLU(W x) = W x ⊙ softmax(W x), or LayerNorm(SoLU(W x))
//	L1:           loss + λ Σⱼ |hⱼ|
//
// [Weights.Responses] reads what each neuron does with each feature alone.
//
// The loss is Σᵢ Iᵢ (yᵢ − x′ᵢ)² (y = x, or |x|), summed over features with importance Iᵢ and
// averaged over the batch (the paper's colab also averages over features:
// divide by n to compare).
//
// m = 2 problems have many local minima, so [Sweep] trains several restarts and
// keeps the one with the lowest loss, as the paper does.
//
// Sweeps of small linear and ReLU-output models are trained several to a
// graph ([Stack]): K instances share one Gorgonia graph whose ops compute
// each instance's block exactly as its own graph would, so every instance
// reaches the same bits as alone while Gorgonia's per-step costs are paid
// once per graph. [Sweep] decides this itself; [NewStack], [StackParams],
// [UnstackParams] and graph.StackSources build a stack by hand.
//
// References:
//   - Elhage et al. (2022), "Toy Models of Superposition", sections
//     "Demonstrating Superposition" (the models, loss and training),
//     "Superposition as a Phase Change", "Superposition in a Privileged
//     Basis" and "Computation in Superposition" (the |x| model); its
//     "Strategic Picture" names the roads the extensions take.
//   - Jermyn, Schiefer & Hubinger (2022), "Engineering Monosemanticity in
//     Toy Models" (negative hidden biases, wider layers).
//   - Elhage et al. (2022), "Softmax Linear Units", Transformer Circuits
//     Thread (SoLU, the LayerNorm after it).
package tms
