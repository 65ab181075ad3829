// Package tms holds the toy models of Toy Models of Superposition as
// Gorgonia graphs built with package graph.
//
// With x [batch, n] the features, W [m, n] the weights (columns Wᵢ are the
// feature directions in the m-dimensional hidden space) and b [n] a bias:
//
//	linear:       h = W x,  x′ = WᵀW x + b
//	ReLU-output:  h = W x,  x′ = ReLU(WᵀW x + b)
//
// The loss is Σᵢ Iᵢ (xᵢ − x′ᵢ)², summed over features with importance Iᵢ and
// averaged over the batch (the paper's colab also averages over features:
// divide by n to compare).
//
// m = 2 problems have many local minima, so [Fit] trains several restarts and
// keeps the one with the lowest loss, as the paper does.
//
// References:
//   - Elhage et al. (2022), "Toy Models of Superposition", sections
//     "Demonstrating Superposition" (the models, loss and training) and
//     "Superposition as a Phase Change".
package tms
