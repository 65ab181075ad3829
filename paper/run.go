package paper

import (
	"io"

	"github.com/sirupsen/logrus"
	"github.com/toymodels/superposition/graph"
)

// Run is how a pipeline reports while it runs. The zero value is quiet: no
// logging, no progress bars.
type Run struct {
	// Log receives warnings and per-step detail; nil discards them.
	Log logrus.FieldLogger
	// Progress returns a progress bar over total steps labelled label; nil
	// (or a nil bar) shows none.
	Progress func(label string, total int) *graph.Progress
	// Shards, when set, splits the run's sweeps between processes: a shard
	// runs its own units, a merge takes every unit's result from the parts
	// (see [Sharding]); nil runs everything here.
	Shards *Sharding
}

// discard is the logger of a Run without one.
var discard = func() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.PanicLevel)
	return l
}()

// log returns r's logger, or one that discards everything.
func (r Run) log() logrus.FieldLogger {
	if r.Log == nil {
		return discard
	}
	return r.Log
}

// progress returns a progress bar over total steps, or nil (a no-op bar).
func (r Run) progress(label string, total int) *graph.Progress {
	if r.Progress == nil {
		return nil
	}
	return r.Progress(label, total)
}

// trainOptions returns the graph.Train options of r with progress bar p.
func (r Run) trainOptions(p *graph.Progress) []graph.Option {
	return []graph.Option{graph.WithLogger(r.log()), graph.WithProgress(p)}
}
