package cli

import (
	"context"
	"flag"
	"strings"
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
		got := Main("test", fs, tt.args, &cfg, &cfg.Out, func(context.Context, Env) error {
			ran = true
			return nil
		})
		if got != tt.want || ran {
			t.Errorf("Main(%q) = %d (ran %v); want %d without running", tt.args, got, ran, tt.want)
		}
	}
}
