package journal

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"

	"github.com/gameday-dev/gameday/probes"
)

// Replay plays a journal back as snapshots, for the cockpit: a recorded
// game day, paused, at 1× or 10× and seekable. It is a source of the same
// snapshots a live session publishes, rebuilt from the journal alone.
type Replay struct {
	j      *Journal
	frames []frame         // the state after each sample, in time order
	charts map[string]bool // the series the header's charts draw
	start  time.Time
	end    time.Time

	mu     sync.Mutex
	at     time.Duration // the replay's position since the start
	speed  float64
	paused bool
	cmds   chan session.Command
	snaps  chan session.Snapshot
	done   chan struct{}
	once   sync.Once
}

// Replay commands, sent with Do.
const (
	CmdReplayPause session.CommandKind = "replay-pause" // toggle pause
	CmdReplaySpeed session.CommandKind = "replay-speed" // Delta is the new speed (1, 10)
	CmdReplaySeek  session.CommandKind = "replay-seek"  // Delta is seconds to move (negative: back)
)

// frame is the replayed state at one sample.
type frame struct {
	t      time.Time
	states []assume.AssumptionState
	active map[string]float64
	loads  map[string]float64
	events int // how many events happened up to t
}

// NewReplay prepares a replay of j.
func NewReplay(j *Journal) *Replay {
	r := &Replay{j: j, start: j.Header.Started, speed: 1, charts: map[string]bool{}, cmds: make(chan session.Command, 64),
		snaps: make(chan session.Snapshot, 1), done: make(chan struct{})}
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

// build replays the assumptions' states sample by sample, so that seeking
// is a lookup.
func (r *Replay) build() {
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
		r.frames = append(r.frames, frame{t: s.T, states: append([]assume.AssumptionState(nil), states...),
			active: s.Active, loads: s.Loads, events: ev})
	}
}

// Duration is how long the recorded game day lasted.
func (r *Replay) Duration() time.Duration { return r.end.Sub(r.start) }

// Snapshots delivers the replayed snapshots; closed when Run ends.
func (r *Replay) Snapshots() <-chan session.Snapshot { return r.snaps }

// Do handles the replay's commands (pause, speed, seek); the commands of
// a live session have no effect on a recording.
func (r *Replay) Do(c session.Command) {
	select {
	case r.cmds <- c:
	default:
	}
}

// Run plays the replay until stop is closed, publishing every interval of
// wall-clock time (4 a second).
func (r *Replay) Run(stop <-chan struct{}) {
	defer r.once.Do(func() { close(r.snaps); close(r.done) })
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	r.publish()
	for {
		select {
		case <-stop:
			return
		case c := <-r.cmds:
			r.handle(c)
			r.publish()
		case <-tick.C:
			r.mu.Lock()
			if !r.paused {
				r.at += time.Duration(float64(250*time.Millisecond) * r.speed)
				if r.at >= r.Duration() {
					r.at, r.paused = r.Duration(), true
				}
			}
			r.mu.Unlock()
			r.publish()
		}
	}
}

func (r *Replay) handle(c session.Command) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch c.Kind {
	case CmdReplayPause:
		r.paused = !r.paused
		if !r.paused && r.at >= r.Duration() {
			r.at = 0 // play again from the start
		}
	case CmdReplaySpeed:
		if c.Delta > 0 {
			r.speed = c.Delta
		}
	case CmdReplaySeek:
		r.at += time.Duration(c.Delta * float64(time.Second))
		r.at = min(max(r.at, 0), r.Duration())
	}
}

func (r *Replay) publish() {
	r.mu.Lock()
	s := r.SnapshotAt(r.at)
	s.Replay = &session.ReplayState{At: r.at, Duration: r.Duration(), Speed: r.speed, Paused: r.paused}
	r.mu.Unlock()
	select {
	case r.snaps <- s:
	default:
		select {
		case <-r.snaps:
		default:
		}
		r.snaps <- s
	}
}

// SnapshotAt rebuilds the snapshot of the game day at offset d.
func (r *Replay) SnapshotAt(d time.Duration) session.Snapshot {
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
	s := session.Snapshot{Name: h.Name, Description: h.Description, Now: now, Started: r.start, Window: win, WindowStart: from,
		Charts: h.Charts, Series: map[string][]probes.Point{}}
	i := sort.Search(len(r.frames), func(i int) bool { return r.frames[i].t.After(now) }) - 1
	var fr frame
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

func (r *Replay) blockIndex(name string) int {
	for i, b := range r.j.Header.Blocks {
		if b.Name == name {
			return i
		}
	}
	return 0
}
