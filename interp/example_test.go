package interp_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/interp"
)

// The pentagon of Toy Models of Superposition: five features in two
// dimensions at equal angles each get dimensionality 2/5, and each
// interferes with the others.
func ExampleDimensionality() {
	// W [hidden, features]: column i is feature i's direction.
	W := [][]float64{{1, 0.309, -0.809, -0.809, 0.309}, {0, 0.951, 0.588, -0.588, -0.951}}
	fmt.Printf("norms %.2f\n", interp.Norms(W))
	fmt.Printf("dimensionality %.2f\n", interp.Dimensionality(W))
	// Output:
	// norms [1.00 1.00 1.00 1.00 1.00]
	// dimensionality [0.40 0.40 0.40 0.40 0.40]
}

// Scoring units against per-byte labels: a unit that fires on spaces only
// where they carry label 1 is pure (specificity 1) though the byte alone
// would say only half as much (baseline 0.5): it is label-specific.
func ExampleLabelScorer() {
	bytes := []byte("a b a b ")
	labels := []uint8{0, 1, 1, 0, 0, 1, 1, 0}
	act := make([]float32, len(bytes))
	for i, c := range bytes {
		if c == ' ' && labels[i] == 1 {
			act[i] = 1
		}
	}
	s := interp.NewLabelScorer(1, 2)
	if err := s.Add(act, bytes, labels); err != nil {
		fmt.Println(err)
		return
	}
	u := s.Scores()[0]
	fmt.Printf("specificity %.2f, byte baseline %.2f, label-specific %v\n", u.Specificity, u.Baseline, u.LabelSpecific())
	// Output: specificity 1.00, byte baseline 0.50, label-specific true
}

// A feature browser with one dictionary of one neuron: the page, the index,
// and one data file per unit, loaded when the unit is opened.
func ExampleWriteBrowser() {
	dir, err := os.MkdirTemp("", "browser")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	b := interp.Browser{
		Title:  "neurons of a byte-level model",
		Labels: []string{"other", "string"},
		Dictionaries: []interp.BrowserDict{{Name: "neurons", Units: []interp.BrowserUnit{{
			Index: 7, Density: 0.01, MaxAct: 3, TopLabel: 1, Specificity: 0.95, TopByte: '"',
			Contexts: []interp.BrowserContext{{Text: `x := "hi"`, Acts: []float32{0, 0, 0, 0, 0, 1, 3, 2, 0}, Peak: 6}},
		}}}},
	}
	if err := interp.WriteBrowser(dir, b); err != nil {
		panic(err)
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			fmt.Println(filepath.ToSlash(rel))
		}
		return err
	})
	// Output:
	// data/index.js
	// data/neurons/7.js
	// index.html
}
