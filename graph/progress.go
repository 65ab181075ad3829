package graph

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress draws a one-line progress bar for long runs. It is safe for
// concurrent use by the instances of a sweep. A nil *Progress does nothing,
// which is what [NewProgress] returns when the writer is not a terminal, so
// CI logs stay clean.
type Progress struct {
	w     io.Writer
	label string
	total int64
	done  atomic.Int64
	start time.Time
	mu    sync.Mutex
	last  time.Time
}

// NewProgress returns a bar over total steps written to w, or nil when w is not
// a terminal (an *os.File whose mode is a character device).
func NewProgress(w io.Writer, label string, total int) *Progress {
	f, ok := w.(*os.File)
	if !ok || total <= 0 {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &Progress{w: w, label: label, total: int64(total), start: time.Now()}
}

// Add records n more steps done and redraws at most five times a second.
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	done := p.done.Add(int64(n))
	if done < p.total && !p.mu.TryLock() {
		return
	}
	if done >= p.total {
		p.mu.Lock()
	}
	defer p.mu.Unlock()
	now := time.Now()
	if done < p.total && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	frac := float64(min(done, p.total)) / float64(p.total)
	const width = 30
	bar := strings.Repeat("=", int(frac*width)) + strings.Repeat(" ", width-int(frac*width))
	elapsed := now.Sub(p.start)
	eta := ""
	if frac > 0 && frac < 1 {
		eta = fmt.Sprintf(" eta %s", time.Duration(float64(elapsed)*(1-frac)/frac).Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %s%s ", p.label, bar, 100*frac, elapsed.Round(time.Second), eta)
}

// Finish ends the bar's line.
func (p *Progress) Finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w)
}
