// Package interp measures trained models and draws them: the superposition
// metrics of Toy Models of Superposition, figures as PNG, the HTML report, and
// the offline feature browser ([WriteBrowser]).
//
// Metrics read plain weights, W as m rows of n values (row r is hidden
// dimension r; column i, Wᵢ, is feature i's direction), so they are testable on
// hand-built geometries without training anything:
//
//	norm           ‖Wᵢ‖ (≈1 represented, ≈0 not; represented: ‖Wᵢ‖ > 0.5)
//	interference   Σ_{j≠i} (Ŵᵢ·Wⱼ)²
//	dimensionality Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²   (0 for a zero column)
//	D*             m / ‖W‖_F²  (dimensions per feature)
//
// References:
//   - Elhage et al. (2022), "Toy Models of Superposition", sections
//     "Demonstrating Superposition" (norms, interference) and "The Geometry of
//     Superposition" (feature dimensionality, dimensions per feature).
package interp
