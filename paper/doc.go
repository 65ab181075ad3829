// Package paper holds the pipelines of the papers this module reproduces, as
// library calls: the toy-model sweeps of Toy Models of Superposition (the
// intro figure and the basic results), the geometry of superposition (D* and
// Dᵢ), the phase diagrams, correlated and anticorrelated features, the
// privileged basis and computation in superposition (|x|), and the toy
// version of Towards Monosemanticity: decomposing a toy model's hidden layer
// with sparse autoencoders, and the SAE sweeps over sparsity, dictionary size
// and amount of superposition.
//
// Every pipeline takes a context, a configuration (plain data with json
// tags: the config block of summary.json) and a Run, which carries the
// logger and the progress bars; the zero Run is quiet. Each returns its
// summary record, and a companion Figures or Sections function draws the
// figures and returns the report sections reading them. An Experiment
// function per result (IntroExperiment, PhaseExperiment, …) runs its
// pipeline end to end and writes the outputs into the configuration's Out
// folder: summary.json, the figures and report.html. The programs under
// experiments/ only parse flags into these configurations and call them.
//
// Seeds: every random draw derives from the configuration's Seed through
// fixed stream numbers, so the same configuration gives the same summary.
//
// References:
//   - Elhage et al. (2022), Toy Models of Superposition.
//   - Bricken et al. (2023), Towards Monosemanticity: Decomposing Language
//     Models With Dictionary Learning.
package paper
