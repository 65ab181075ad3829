package cli

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func testToy(out string) Toy {
	return Toy{
		Common:        Common{Out: out, Seed: 3, Steps: 20, Restarts: 2},
		Features:      4,
		Hidden:        2,
		Importance:    0.9,
		Probabilities: []float64{1, 0.1},
		Model:         "both",
		Batch:         64,
		LR:            1e-3,
		EvalSamples:   256,
	}
}

func TestToyValidateNamesFlag(t *testing.T) {
	tests := []struct {
		flag string
		edit func(*Toy)
	}{
		{"-hidden", func(c *Toy) { c.Hidden = 0 }},
		{"-features", func(c *Toy) { c.Features = -1 }},
		{"-probabilities", func(c *Toy) { c.Probabilities = []float64{0.5, 0} }},
		{"-probabilities", func(c *Toy) { c.Probabilities = []float64{1.2} }},
		{"-steps", func(c *Toy) { c.Steps = -5 }},
		{"-restarts", func(c *Toy) { c.Restarts = 0 }},
		{"-model", func(c *Toy) { c.Model = "tanh" }},
		{"-importance", func(c *Toy) { c.Importance = 0 }},
		{"-lr", func(c *Toy) { c.LR = -1 }},
	}
	for _, tt := range tests {
		c := testToy("x")
		tt.edit(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.flag) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Validate() = %v; want one line starting with %s", err, tt.flag)
		}
	}
	c := testToy("x")
	c.Hidden = 9 // hidden ≥ features is allowed (and warned about at run time)
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(hidden ≥ features) = %v; want nil", err)
	}
}

func TestMainExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"-hidden", "0"}, 2},
		{[]string{"-probabilities", "0.5,x"}, 2},
		{[]string{"-steps", "-1"}, 2},
		{[]string{"-model", "cubic"}, 2},
		{[]string{"stray"}, 2},
		{[]string{"-nosuchflag"}, 2},
		{[]string{"-h"}, 0},
	}
	for _, tt := range tests {
		cfg := testToy(t.TempDir())
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg.Register(fs)
		ran := false
		got := Main("test", fs, tt.args, func() error { return cfg.Validate() }, &cfg.Out, func(context.Context, Env) error {
			ran = true
			return nil
		})
		if got != tt.want || ran {
			t.Errorf("Main(%q) = %d (ran %v); want %d without running", tt.args, got, ran, tt.want)
		}
	}
}

func TestRunToyDeterministic(t *testing.T) {
	env := Env{Log: logrus.New(), Stderr: os.Stderr}
	env.Log.SetOutput(os.Stderr)
	env.Log.SetLevel(logrus.WarnLevel)
	a, err := RunToy(context.Background(), env, "a", testToy(""))
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunToy(context.Background(), env, "b", testToy(""))
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
