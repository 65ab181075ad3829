// Package toy generates the synthetic sparse features of Toy Models of
// Superposition.
//
// Each of n features is zero with probability S (the sparsity) and otherwise
// drawn from U[0, 1) (or U[−1, 1) when Signed), so p = 1 − S is the feature
// probability. Features may be grouped into correlated sets (one draw with
// probability p decides whether the whole set is active; every member then
// gets its own value) and anticorrelated sets (with probability k·p for a set
// of k, exactly one member, chosen uniformly, is active; so at most one member
// is ever active and each is active with probability p).
//
// Batches are row-major [batch, features] float32 slices, written in place by
// [Source.Fill]. A Source draws only from its own PCG generator, so the same
// seed gives the same data on any machine. The package knows nothing of
// Gorgonia; a *Source satisfies graph.Source.
//
// Sampling cost is proportional to the number of active features, not to
// batch×features: for each feature (or set) the gaps between active rows are
// drawn from the geometric distribution, which is exactly the distribution of
// runs of independent Bernoulli(p) failures.
//
// References:
//   - Elhage et al. (2022), "Toy Models of Superposition", sections
//     "Demonstrating Superposition" (the data) and "Superposition with
//     Correlated Features" (correlated and anticorrelated sets).
package toy
