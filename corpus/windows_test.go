package corpus

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/toymodels/superposition/graph"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// fill returns the batch of rows rows that w's next Fill writes.
func fill(w *Windows, rows int) *graph.Batch {
	b := graph.NewBatch(rows, w.Inputs())
	w.Fill(b)
	return b
}

func sameBatch(a, b *graph.Batch) bool {
	return slices.Equal(a.Ints(Tokens), b.Ints(Tokens)) && slices.Equal(a.Ints(Targets), b.Ints(Targets))
}

func TestWindowsRows(t *testing.T) {
	const ctx, rows = 16, 32
	data := randomBytes(5000, 1)
	w, err := NewWindows(data, ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	b := fill(w, rows)
	tokens, targets := b.Ints(Tokens), b.Ints(Targets)
	for r := range rows {
		tok, tgt := tokens[r*ctx:(r+1)*ctx], targets[r*ctx:(r+1)*ctx]
		if !slices.Equal(tok[1:], tgt[:ctx-1]) {
			t.Errorf("row %d: targets %v are not tokens %v shifted by one", r, tgt, tok)
		}
		win := make([]byte, ctx+1)
		for j, v := range tok {
			win[j] = byte(v)
		}
		win[ctx] = byte(tgt[ctx-1])
		if !bytes.Contains(data, win) {
			t.Errorf("row %d: window %v is not in the data", r, win)
		}
	}
}

// TestWindowsStarts checks the range of starts on data of distinct bytes,
// where a row's first token is its start: [0, len−ctx−1), every start drawn.
func TestWindowsStarts(t *testing.T) {
	const ctx = 4
	data := []byte{0, 1, 2, 3, 4, 5, 6, 7} // starts 0, 1, 2; 3 would be the last full window
	w, err := NewWindows(data, ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for range 50 {
		b := fill(w, 10)
		for r := range 10 {
			seen[b.Ints(Tokens)[r*ctx]]++
		}
	}
	if len(seen) != 3 || seen[0] == 0 || seen[1] == 0 || seen[2] == 0 {
		t.Errorf("starts drawn %v; want each of 0, 1, 2 and no other", seen)
	}
}

func TestWindowsDeterminism(t *testing.T) {
	data := randomBytes(10000, 2)
	newW := func(seed uint64) *Windows {
		w, err := NewWindows(data, 8, seed)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b, other := newW(5), newW(5), newW(6)
	var steps []*graph.Batch
	for s := range 6 {
		ba, bb, bo := fill(a, 4), fill(b, 4), fill(other, 4)
		if !sameBatch(ba, bb) {
			t.Errorf("step %d: two sources of seed 5 differ", s)
		}
		if sameBatch(ba, bo) {
			t.Errorf("step %d: seeds 5 and 6 give the same batch", s)
		}
		if s > 0 && sameBatch(ba, steps[s-1]) {
			t.Errorf("step %d repeats step %d", s, s-1)
		}
		steps = append(steps, ba)
	}
	if got := a.Step(); got != 6 {
		t.Errorf("Step() after 6 fills = %d; want 6", got)
	}
	for _, s := range []int{3, 0, 5} {
		c := newW(5)
		c.Seek(s)
		if got := fill(c, 4); !sameBatch(got, steps[s]) {
			t.Errorf("Seek(%d), Fill: %v; want step %d's %v", s, got.Ints(Tokens), s, steps[s].Ints(Tokens))
		}
		if got := c.Step(); got != s+1 {
			t.Errorf("Seek(%d), Fill: Step() = %d; want %d", s, got, s+1)
		}
	}
	d := newW(5)
	d.Seek(2)
	small := fill(d, 2)
	if got, want := small.Ints(Tokens), steps[2].Ints(Tokens)[:2*8]; !slices.Equal(got, want) {
		t.Errorf("step 2 with 2 rows: %v; want the first 2 of its 4 rows %v", got, want)
	}
}

func TestNewWindowsErrors(t *testing.T) {
	tests := []struct {
		name string
		n    int
		ctx  int
		want string
	}{
		{"zero ctx", 100, 0, "ctx 0"},
		{"short data", 5, 4, "5 bytes of data for ctx 4: need at least 6"},
	}
	for _, tt := range tests {
		_, err := NewWindows(make([]byte, tt.n), tt.ctx, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewWindows(%s) error = %v; want one containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := NewWindows(make([]byte, 6), 4, 1); err != nil {
		t.Errorf("NewWindows(6 bytes, ctx 4) error = %v; want none", err)
	}
}

func TestValWindows(t *testing.T) {
	tests := []struct {
		n, ctx, want int
	}{
		{0, 4, 0},
		{1, 4, 0},
		{4, 4, 0},
		{5, 4, 1},
		{8, 4, 1},
		{9, 4, 2},
		{10, 3, 3},
		{2, 1, 1},
	}
	for _, tt := range tests {
		if got := ValWindows(make([]byte, tt.n), tt.ctx); got != tt.want {
			t.Errorf("ValWindows(%d bytes, %d) = %d; want %d", tt.n, tt.ctx, got, tt.want)
		}
	}
}

// TestValWindow checks window contents and that every byte but the first
// and the dropped tail is a target exactly once.
func TestValWindow(t *testing.T) {
	const ctx = 3
	data := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11} // 3 windows; byte 10 and 11 are the tail
	n := ValWindows(data, ctx)
	tokens, targets := make([]int, ctx), make([]int, ctx)
	count := make([]int, len(data))
	for w := range n {
		ValWindow(data, ctx, w, tokens, targets)
		if want := []int{3 * w, 3*w + 1, 3*w + 2}; !slices.Equal(tokens, want) {
			t.Errorf("window %d tokens %v; want %v", w, tokens, want)
		}
		if want := []int{3*w + 1, 3*w + 2, 3*w + 3}; !slices.Equal(targets, want) {
			t.Errorf("window %d targets %v; want %v", w, targets, want)
		}
		for _, v := range targets {
			count[v]++
		}
	}
	if want := []int{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}; !slices.Equal(count, want) {
		t.Errorf("targets per byte %v; want %v", count, want)
	}
}
