package graph

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress reports the progress of long runs as tqdm does: on a terminal, a
// bar redrawn at most five times a second with the steps per second and the
// current loss; elsewhere (a pipe, a log file, nohup), a plain line about
// every ten seconds, so that a run is never silent for long. It is safe for
// concurrent use by the instances of a sweep. A nil *Progress does nothing.
type Progress struct {
	w        io.Writer
	label    string
	total    int64
	terminal bool
	every    time.Duration
	done     atomic.Int64
	loss     atomic.Uint64 // float64 bits of the last loss reported; NaN: none
	start    time.Time
	mu       sync.Mutex
	last     time.Time
	now      func() time.Time
	unit     string  // a second rate, unit per second (tokens)
	perStep  float64 // units per step
}

// SetRate makes every report also show the rate of another unit, perStep of
// them per step: a language model's tokens per second. Call it before the
// run starts.
func (p *Progress) SetRate(unit string, perStep float64) {
	if p == nil {
		return
	}
	p.unit, p.perStep = unit, perStep
}

// NewProgress returns a progress report over total steps written to w (nil
// when total is not positive or w is nil).
func NewProgress(w io.Writer, label string, total int) *Progress {
	if w == nil || total <= 0 {
		return nil
	}
	p := &Progress{w: w, label: label, total: int64(total), terminal: isTerminal(w), every: 10 * time.Second, now: time.Now}
	if p.terminal {
		p.every = 200 * time.Millisecond
	}
	p.loss.Store(math.Float64bits(math.NaN()))
	p.start = p.now()
	p.last = p.start
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// SetLoss records the current loss, shown with the next report.
func (p *Progress) SetLoss(v float64) {
	if p == nil {
		return
	}
	p.loss.Store(math.Float64bits(v))
}

// Add records n more steps done and reports when the last report is old
// enough (and when the run completes).
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
	now := p.now()
	if done < p.total && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	fmt.Fprint(p.w, p.line(min(done, p.total), now))
}

// line is one report of done steps at now.
func (p *Progress) line(done int64, now time.Time) string {
	frac := float64(done) / float64(p.total)
	elapsed := now.Sub(p.start)
	var s strings.Builder
	if p.terminal {
		const width = 30
		fmt.Fprintf(&s, "\r%s [%s%s] %3.0f%%", p.label, strings.Repeat("=", int(frac*width)), strings.Repeat(" ", width-int(frac*width)), 100*frac)
	} else {
		fmt.Fprintf(&s, "%s: %d/%d steps (%.0f%%)", p.label, done, p.total, 100*frac)
	}
	if sec := elapsed.Seconds(); sec > 0 {
		rate := float64(done) / sec
		if rate >= 100 {
			fmt.Fprintf(&s, " %.0f steps/s", rate)
		} else {
			fmt.Fprintf(&s, " %s steps/s", strconv.FormatFloat(rate, 'g', 3, 64))
		}
		if p.unit != "" {
			fmt.Fprintf(&s, " %.0f %s/s", rate*p.perStep, p.unit)
		}
	}
	if l := math.Float64frombits(p.loss.Load()); !math.IsNaN(l) {
		fmt.Fprintf(&s, " loss %s", strconv.FormatFloat(l, 'g', 4, 64))
	}
	fmt.Fprintf(&s, " %s", elapsed.Round(time.Second))
	if frac > 0 && frac < 1 {
		fmt.Fprintf(&s, " eta %s", time.Duration(float64(elapsed)*(1-frac)/frac).Round(time.Second))
	}
	if p.terminal {
		s.WriteString(" ")
	} else {
		s.WriteString("\n")
	}
	return s.String()
}

// Finish ends the bar's line on a terminal.
func (p *Progress) Finish() {
	if p == nil || !p.terminal {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w)
}
