package graph

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgressOffTerminal: a piped run gets a plain line about every ten
// seconds with steps, steps/s and the loss, and one at the end.
func TestProgressOffTerminal(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, "intro", 100)
	clock := p.start
	p.now = func() time.Time { return clock }
	p.SetLoss(0.0123456)
	clock = clock.Add(3 * time.Second)
	p.Add(10)
	if out.Len() != 0 {
		t.Fatalf("reported after 3 s: %q; want nothing before 10 s", out.String())
	}
	clock = clock.Add(8 * time.Second)
	p.Add(10)
	want := "intro: 20/100 steps (20%) 1.82 steps/s loss 0.01235 11s eta 44s\n"
	if got := out.String(); got != want {
		t.Errorf("line = %q; want %q", got, want)
	}
	out.Reset()
	p.Add(80)
	if got := out.String(); !strings.HasPrefix(got, "intro: 100/100 steps (100%)") {
		t.Errorf("final line = %q; want the completed count", got)
	}
}

// TestProgressSecondRate: a language model's bar also shows tokens/s.
func TestProgressSecondRate(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, "lm", 100)
	clock := p.start
	p.now = func() time.Time { return clock }
	p.SetRate("tokens", 4096)
	clock = clock.Add(10 * time.Second)
	p.Add(20)
	want := "lm: 20/100 steps (20%) 2 steps/s 8192 tokens/s 10s eta 40s\n"
	if got := out.String(); got != want {
		t.Errorf("line = %q; want %q", got, want)
	}
}
