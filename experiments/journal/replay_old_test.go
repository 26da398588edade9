package journal

// oldReplay is the replay as it was before it kept state changes rather
// than the state at every sample: the oracle that the new one must match,
// snapshot for snapshot.

import (
	"math"
	"sort"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/probes"
)

type oldReplay struct {
	j      *Journal
	frames []oldFrame
	charts map[string]bool
	start  time.Time
	end    time.Time
}

type oldFrame struct {
	t      time.Time
	states []assume.AssumptionState
	active map[string]float64
	loads  map[string]float64
	events int
}

func newOldReplay(j *Journal) *oldReplay {
	r := &oldReplay{j: j, start: j.Header.Started, charts: map[string]bool{}}
	for _, c := range j.Header.Charts {
		for _, cs := range c.Series {
			r.charts[cs.Series] = true
		}
	}
	r.end = r.start
	if n := len(j.Samples); n > 0 {
		r.end = j.Samples[n-1].T
	}
	if j.End != nil && j.End.T.After(r.end) {
		r.end = j.End.T
	}
	r.build()
	return r
}

func (r *oldReplay) Duration() time.Duration { return r.end.Sub(r.start) }

func (r *oldReplay) build() {
	h := r.j.Header
	states := make([]assume.AssumptionState, len(h.Assumptions))
	for i, c := range h.Assumptions {
		states[i] = assume.AssumptionState{Assumption: experiments.Assumption{Name: c.Name, Kind: c.Kind, Series: c.Series,
			Aggregate: c.Aggregate, Window: time.Duration(c.Window), Op: c.Op, Threshold: c.Threshold, Unit: c.Unit,
			Within: time.Duration(c.Within), Of: c.Of},
			Status: assume.StatusWaiting, Value: math.NaN(), Worst: math.NaN(), Baseline: math.NaN(), Since: r.start}
	}
	ev := 0
	for _, s := range r.j.Samples {
		for ev < len(r.j.Events) && !r.j.Events[ev].Time.After(s.T) {
			ev++
		}
		for i := range states {
			st := &states[i]
			c, ok := s.Assumptions[st.Name]
			if !ok {
				continue
			}
			st.Move(c.Status, s.T)
			v := math.NaN()
			if c.Value != nil {
				v = *c.Value
			}
			st.Observe(v)
		}
		r.frames = append(r.frames, oldFrame{t: s.T, states: append([]assume.AssumptionState(nil), states...),
			active: s.Active, loads: s.Loads, events: ev})
	}
}

// SnapshotAt rebuilds the snapshot of the game day at offset d.
func (r *oldReplay) SnapshotAt(d time.Duration) session.Snapshot {
	h := r.j.Header
	now := r.start.Add(d)
	win := time.Duration(h.Window)
	if win <= 0 {
		win = 3 * time.Minute
	}
	from := now.Add(-win)
	if from.Before(r.start) {
		from = r.start
	}
	s := session.Snapshot{Name: h.Name, Description: h.Description, Hypothesis: h.Hypothesis, Now: now, Started: r.start, Window: win, WindowStart: from,
		Charts: h.Charts, Series: map[string][]probes.Point{}}
	i := sort.Search(len(r.frames), func(i int) bool { return r.frames[i].t.After(now) }) - 1
	var fr oldFrame
	if i >= 0 {
		fr = r.frames[i]
		s.Assumptions = append([]assume.AssumptionState(nil), fr.states...)
	} else {
		for _, c := range h.Assumptions {
			s.Assumptions = append(s.Assumptions, assume.AssumptionState{Assumption: experiments.Assumption{Name: c.Name, Kind: c.Kind,
				Op: c.Op, Threshold: c.Threshold, Unit: c.Unit, Within: time.Duration(c.Within)}, Status: assume.StatusWaiting, Value: math.NaN(), Worst: math.NaN()})
		}
	}
	events := r.j.Events[:fr.events]
	if i < 0 {
		events = nil
	}
	if n := len(events); n > 100 {
		events = events[n-100:]
	}
	s.Timeline = append([]experiments.Event(nil), events...)
	since := map[string]time.Time{}
	open := map[string]int{} // block → its open window in s.FaultWindows
	for _, e := range r.j.Events {
		if e.Time.After(now) {
			break
		}
		switch e.Kind {
		case experiments.EventFaultStarted:
			since[e.Subject] = e.Time
			open[e.Subject] = len(s.FaultWindows)
			s.FaultWindows = append(s.FaultWindows, session.FaultWindow{Block: e.Subject, Index: r.blockIndex(e.Subject), Start: e.Time})
		case experiments.EventFaultHalted, experiments.EventFaultError:
			if i, ok := open[e.Subject]; ok && e.Kind == experiments.EventFaultHalted {
				s.FaultWindows[i].End = e.Time
				delete(open, e.Subject)
			}
			since[e.Subject] = e.Time
		}
		if e.Kind == experiments.EventAborted {
			s.Aborted = e.Subject
		}
	}
	for idx, b := range h.Blocks {
		st := session.BlockState{Block: experiments.Block{Name: b.Name, Description: b.Description}, Index: idx, Since: since[b.Name],
			Phase: session.PhaseIdle}
		if st.Since.IsZero() {
			st.Since = r.start
		}
		if v, ok := fr.active[b.Name]; ok && i >= 0 {
			st.Phase, st.Active, st.Intensity = session.PhaseOn, true, v
		}
		s.Blocks = append(s.Blocks, st)
	}
	for name, rate := range fr.loads {
		s.Loads = append(s.Loads, session.LoadState{Name: name, TargetRate: rate})
	}
	sort.Slice(s.Loads, func(a, b int) bool { return s.Loads[a].Name < s.Loads[b].Name })
	lo := sort.Search(len(r.j.Samples), func(k int) bool { return !r.j.Samples[k].T.Before(from) })
	for _, smp := range r.j.Samples[lo:] {
		if smp.T.After(now) {
			break
		}
		for name, v := range smp.Series {
			if r.charts[name] {
				s.Series[name] = append(s.Series[name], probes.Point{T: smp.T, V: v})
			}
		}
	}
	if r.j.End != nil && !now.Before(r.end) {
		s.Ended = true
	}
	return s
}

func (r *oldReplay) blockIndex(name string) int {
	for i, b := range r.j.Header.Blocks {
		if b.Name == name {
			return i
		}
	}
	return 0
}
