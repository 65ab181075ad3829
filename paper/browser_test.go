package paper

import (
	"testing"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/interp"
)

// TestUnitPages runs the browser's two passes over one unit on a 200-byte
// stream in batches of 64: its top contexts are the largest activations,
// spaced, with the activations around each peak; the histogram counts
// every firing; the F1 of its top label is computed from the labels.
func TestUnitPages(t *testing.T) {
	const n = 400
	val := make([]byte, n)
	act := make([]float32, n)
	labels := make([]uint8, n)
	for i := range val {
		val[i] = byte('a' + i%26)
		if i%20 == 0 {
			act[i] = float32(i) / 20 // peaks at 0, 20, …, 380 rising
			labels[i] = 1
		}
	}
	act[381] = 0.5 // near the top peak: a context byte, not a context
	u := newUnitPages(1, 2)
	for base := 0; base < n; base += 64 {
		end := min(base+64, n)
		u.first(act[base:end], end-base, base)
	}
	u.prepare()
	for base := 0; base < n; base += 64 {
		end := min(base+64, n)
		u.second(act[base:end], end-base, base, labels[base:end], []int{1})
	}
	c := &corpus.Corpus{Val: val, Files: []corpus.File{{Path: "x.go", Offset: 0, Len: n, Val: true}}}
	s := interp.NewLabelScorer(1, 2)
	if err := s.Add(act, val, labels); err != nil {
		t.Fatal(err)
	}
	p := u.pages(s.Scores(), val, c, nil)[0]
	if len(p.Contexts) != pageTop || p.Contexts[0].Offset != 380-pageHalf || p.Contexts[0].Peak != pageHalf {
		t.Fatalf("top context at %d peak %d (%d contexts); want %d contexts, the first at %d with its peak at %d",
			p.Contexts[0].Offset, p.Contexts[0].Peak, len(p.Contexts), pageTop, 380-pageHalf, pageHalf)
	}
	top := p.Contexts[0]
	if len(top.Acts) != len(top.Text) || top.Acts[top.Peak] != 19 || top.Acts[top.Peak+1] != 0.5 || top.Acts[top.Peak-20] != 18 {
		t.Errorf("top context activations around the peak: %v; want 19 at the peak, 0.5 after it, 18 twenty bytes before", top.Acts)
	}
	if top.File != "x.go" || top.FileOffset != top.Offset {
		t.Errorf("context in %q at %d; want x.go at %d", top.File, top.FileOffset, top.Offset)
	}
	var fired int
	for _, h := range p.Histogram {
		fired += h
	}
	if fired != 20 || p.Histogram[pageBins-1] != 1 {
		t.Errorf("histogram %v: want 20 firings, the maximum in the last bin", p.Histogram)
	}
	// 19 peaks with label 1 fire (0 does not), plus 381 with label 0:
	// F1 = 2·19 / (20 fired + 20 labelled).
	if want := 2 * 19.0 / 40; p.F1 != want {
		t.Errorf("F1 = %v; want %v", p.F1, want)
	}
	for i := 1; i < len(p.Contexts); i++ {
		if d := p.Contexts[i-1].Offset - p.Contexts[i].Offset; d < pageSpacing && d > -pageSpacing {
			t.Errorf("contexts %d and %d peak %d bytes apart; want at least %d", i-1, i, d, pageSpacing)
		}
	}
}

func TestTopBottom(t *testing.T) {
	top, bottom := topBottom([]float64{0.5, -2, 3, 0, 1}, 2)
	if top[0].Byte != 2 || top[1].Byte != 4 || bottom[0].Byte != 1 || bottom[1].Byte != 3 {
		t.Errorf("topBottom = %v, %v; want bytes 2, 4 and 1, 3", top, bottom)
	}
}
