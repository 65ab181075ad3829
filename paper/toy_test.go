package paper

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func testToy(out string) Toy {
	return Toy{
		Common:        Common{Out: out, Seed: 3, Steps: 20, Restarts: 2},
		Features:      4,
		Hidden:        2,
		Importance:    0.9,
		Probabilities: []float64{1, 0.1},
		Model:         "both",
		Training:      Training{Batch: 64, LR: 1e-3, EvalSamples: 256},
	}
}

func TestRunToyDeterministic(t *testing.T) {
	var run Run
	a, err := RunToy(context.Background(), run, "a", testToy(""))
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunToy(context.Background(), run, "b", testToy(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 4 {
		t.Fatalf("RunToy: %d runs; want 2 models × 2 probabilities", len(a))
	}
	for i := range a {
		if a[i].Loss != b[i].Loss || a[i].W[0][0] != b[i].W[0][0] {
			t.Errorf("run %d: loss %v and %v from the same seed", i, a[i].Loss, b[i].Loss)
		}
		if a[i].Model != []string{"relu", "relu", "linear", "linear"}[i] {
			t.Errorf("run %d: model %s; want kinds outermost, relu first", i, a[i].Model)
		}
	}
	out := t.TempDir()
	secs, err := ToySections(out, "t", a)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 2 {
		t.Fatalf("ToySections: %d sections; want 2", len(secs))
	}
	for _, f := range []string{"t_relu_gram.png", "t_relu_directions.png", "t_linear_gram.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("figure %s missing or empty: %v", f, err)
		}
	}
}
