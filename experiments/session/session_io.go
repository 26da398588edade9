package session

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
)

// ranger is a probe that can tell the past (a PromQL probe).
type ranger interface {
	Range(ctx context.Context, start, end time.Time, step time.Duration) ([]probes.Point, error)
}

// backfill fills the charts' history from probes that know the past, so
// the cockpit opens with the last minutes already drawn.
func (s *Session) backfill() {
	for _, p := range s.probes {
		r, ok := p.probe.(ranger)
		if !ok {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		pts, err := r.Range(ctx, s.started.Add(-s.exp.ChartWindow()), s.started, p.spec.SamplePeriod(s.exp))
		cancel()
		if err != nil {
			s.log.Warn("no history for a probe", "probe", p.spec.Name, "err", err.Error())
			continue
		}
		for _, pt := range pts {
			if pt.T.Before(s.started) {
				s.store.Append(p.spec.Name, pt)
				if s.history.IsZero() || pt.T.Before(s.history) {
					s.history = pt.T
				}
			}
		}
	}
}

// watch reports a process that exits when nobody asked it to, and follows
// it across restarts.
func (s *Session) watch(ctx context.Context, name string, p *inject.Process) {
	for {
		inc := p.Incarnation()
		select {
		case <-ctx.Done():
			return
		case <-inc.Done():
		}
		if !inc.Stopping() {
			s.Do(Command{Kind: CmdEvent, Event: experiments.Event{Kind: experiments.EventError, Subject: name,
				Text: fmt.Sprintf("process %s (pid %d) exited: %v", name, inc.PID(), inc.Err())}})
		}
		select {
		case <-ctx.Done():
			return
		case <-inc.Replaced(): // restarted: watch the new run
		}
	}
}

// output reports a line a command fault printed.
//
// A command that prints a lot would bury the timeline: the first
// maxOutputLines lines of each run of the block are kept.
func (s *Session) output(block, stream, line string) {
	v, _ := s.outputs.LoadOrStore(block, new(atomic.Int64))
	switch n := v.(*atomic.Int64).Add(1); {
	case n <= maxOutputLines:
		s.Do(Command{Kind: CmdEvent, Event: experiments.Event{Kind: experiments.EventOutput, Subject: block, Text: stream + ": " + line}})
	case n == maxOutputLines+1:
		s.Do(Command{Kind: CmdEvent, Event: experiments.Event{Kind: experiments.EventOutput, Subject: block, Text: "(more output, not shown)"}})
	}
}

// maxOutputLines is how many lines of a command fault's output a run of
// its block puts in the timeline.
const maxOutputLines = 20

// resetOutput starts counting a block's output lines again.
func (s *Session) resetOutput(block string) {
	if v, ok := s.outputs.Load(block); ok {
		v.(*atomic.Int64).Store(0)
	}
}

// finite reports whether v can be written as JSON (not NaN, not ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
