package session

import (
	"fmt"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"

	"github.com/gameday-dev/gameday/probes"
)

// Snapshot is the session's state at one instant, published every
// interval. It is a copy: readers may keep it and never need a lock.
type Snapshot struct {
	Seq         uint64
	Name        string
	Description string
	Now         time.Time
	Started     time.Time

	// Hypothesis is the experiment's, on one line ("" without one).
	Hypothesis string

	// Ending is set while the session halts everything to end; Ended on
	// the last snapshot, once every fault was halted (or given up on:
	// see Stuck).
	Ending bool
	Ended  bool
	// Aborted says why a guardrail halted everything ("" if none did).
	Aborted string
	// Replay is set when the snapshot is played back from a journal.
	Replay *ReplayState
	// FaultsStarted counts the faults that went on since the start.
	FaultsStarted int
	// FaultErrors counts, since the start, the faults that could not be
	// started or halted.
	FaultErrors int
	// Room is who is in the room, for a game day served over SSH: by
	// role (facilitator first), then name.
	Room []Present
	// Preflight is what the game day will touch, while it waits at its
	// pre-flight for the facilitator to start it; nil once started.
	Preflight *experiments.Preflight
	// Edges and EdgeProbes are an edge search's results so far
	// (WithEdgePlan).
	Edges      []EdgeResult
	EdgeProbes []EdgeProbe
	// Debrief is the findings and action items recorded so far.
	Debrief []DebriefEntry
	// Experiment is the experiment as loaded: read it, never change it;
	// nil in a replay. The cockpit's compose form takes its fault kinds
	// and targets from it, and checks a block with its file's validator
	// (experiments.Experiment.Compose).
	Experiment *experiments.Experiment
	// Composed are the blocks composed during the game day, in order
	// (their blocks are in Blocks too); the first ComposedWritten of them
	// are in the experiment file. Writing: a write is under way.
	Composed        []experiments.Draft
	ComposedWritten int
	Writing         bool
	// Exposed lists the addresses gameday's proxies listen on that are
	// not loopback (written so in the file): others can reach them.
	Exposed []string

	Blocks      []BlockState
	Assumptions []assume.AssumptionState
	Loads       []LoadState
	Probes      []ProbeState
	// Timeline holds the most recent events, oldest first.
	Timeline []experiments.Event

	// Values holds every series' value sampled at Now (not only the
	// charted ones): what the journal records of the interval.
	Values map[string]float64

	// Charts and the points of their series since WindowStart.
	Charts      []experiments.Chart
	Series      map[string][]probes.Point
	Window      time.Duration
	WindowStart time.Time
	// FaultWindows are the periods in which blocks were active, clipped to
	// the chart window; End is zero while still active.
	FaultWindows []FaultWindow
}

// BlockState is a block and where it stands.
type BlockState struct {
	experiments.Block
	Index int
	// Phase is where it stands: idle, starting, on, halting, or stuck (a
	// halt failed: the fault may still be on).
	Phase Phase
	// Active: the fault is, or may be, on (on, halting, stuck).
	Active bool
	Since  time.Time // when it went on (Active) or off
	// Asked is when the phase under way (starting, halting) was asked
	// for, and By by whom; Err is why a start or a halt failed.
	Asked time.Time
	By    string
	Err   string
	// Busy: its injector has calls under way (a start, a stop, a change
	// of intensity, a sequence's next step).
	Busy      bool
	Intensity float64
	// Remaining is the time left before the block halts by itself: its
	// duration, its sequence, or the guardrail's longest time on.
	Remaining time.Duration
	// Guarded is set when Remaining is the guardrail's limit.
	Guarded bool
	// Engine is what the engine that injects the fault (Chaos Mesh) last
	// said of it: "Chaos Mesh: injected into 3 of 3 pods"; "" for faults
	// gameday injects itself.
	Engine string
	// Composed: the block was composed during the game day; Unsaved: and
	// it is not in the experiment file yet.
	Composed bool
	Unsaved  bool
}

// LoadState is what a load generator does now.
type LoadState struct {
	Name       string
	TargetRate float64
	SentRate   float64
	InFlight   int
	TotalSent  int64
}

// ProbeState is a probe's health.
type ProbeState struct {
	Name    string
	Healthy bool
	Err     string
	Since   time.Time
}

// FaultWindow is a period when a block's fault was on.
type FaultWindow struct {
	Block string
	Index int
	Start time.Time
	End   time.Time // zero while active
}

// ActiveFaults counts the blocks whose fault is on.
func (s *Snapshot) ActiveFaults() int {
	n := 0
	for _, b := range s.Blocks {
		if b.Active {
			n++
		}
	}
	return n
}

// Stuck counts the blocks whose halt failed: their fault may still be on.
func (s *Snapshot) Stuck() int {
	n := 0
	for _, b := range s.Blocks {
		if b.Phase == PhaseStuck {
			n++
		}
	}
	return n
}

// Waiting names the blocks whose injector has been starting or halting
// for at least d, and for how long: "slow command (halting 3s)".
func (s *Snapshot) Waiting(d time.Duration) []string {
	var out []string
	for _, b := range s.Blocks {
		if (b.Phase == PhaseStarting || b.Phase == PhaseHalting) && s.Now.Sub(b.Asked) >= d {
			out = append(out, fmt.Sprintf("%s (%s %s)", b.Name, b.Phase, experiments.FormatDuration(s.Now.Sub(b.Asked).Seconds())))
		}
	}
	return out
}

// Elapsed is the time since the session started.
func (s *Snapshot) Elapsed() time.Duration {
	if s.Started.IsZero() {
		return 0
	}
	return s.Now.Sub(s.Started)
}

// Finals are each assumption's outcome as of the snapshot.
func (s *Snapshot) Finals() []assume.AssumptionFinal { return assume.Finals(s.Assumptions, s.Now) }

// Verdict judges a (final) snapshot.
func (s *Snapshot) Verdict() assume.RunVerdict { return assume.Verdict(s.Finals(), s.Aborted) }

// TargetRate sums the target rates of every load.
func (s *Snapshot) TargetRate() float64 {
	var r float64
	for _, l := range s.Loads {
		r += l.TargetRate
	}
	return r
}

// snapshot copies the session's state at now.
func (s *Session) snapshot(now time.Time) Snapshot {
	s.snapSeq++
	win := s.exp.ChartWindow()
	start := now.Add(-win)
	oldest := s.started
	if !s.history.IsZero() && s.history.Before(oldest) {
		oldest = s.history
	}
	if start.Before(oldest) {
		start = oldest
	}
	snap := Snapshot{
		Seq: s.snapSeq, Name: s.exp.Name, Description: s.exp.Description, Hypothesis: s.exp.Hypothesis,
		Now: now, Started: s.started, Aborted: s.aborted, FaultErrors: s.faultErrors, FaultsStarted: s.faultsStarted,
		Ending:          s.ending || s.schedule != nil && s.schedule.over || s.edgePlan != nil && s.edgePlan.over,
		Assumptions:     s.checks.States(),
		Exposed:         s.exposed,
		Room:            s.presentList(),
		Debrief:         s.debriefItems,
		Preflight:       s.preflight,
		Experiment:      s.exp,
		Composed:        s.composed.drafts[:len(s.composed.drafts):len(s.composed.drafts)],
		Writing:         s.composed.writing,
		ComposedWritten: s.composed.written,
		Charts:          s.exp.Charts,
		Series:          map[string][]probes.Point{},
		Window:          win,
		WindowStart:     start,
	}
	limit := s.exp.MaxFaultDuration()
	for _, b := range s.blocks { // built in the order of their Index
		st := BlockState{Block: b.spec, Index: b.index, Phase: b.phase, Active: b.active(), Since: b.since,
			Asked: b.asked, By: b.by, Err: b.err, Busy: b.outstanding > 0, Engine: s.engineStatus(b.spec.Name),
			Composed: b.composed > 0, Unsaved: b.composed > s.composed.written}
		if b.active() {
			st.Intensity = b.intensity
		}
		if b.phase == PhaseOn {
			on := now.Sub(b.since)
			st.Remaining, st.Guarded = limit-on, true
			if b.lasts > 0 && b.lasts-on < st.Remaining {
				st.Remaining, st.Guarded = b.lasts-on, false
			}
		}
		snap.Blocks = append(snap.Blocks, st)
	}
	for _, l := range s.loads {
		smp := l.last
		snap.Loads = append(snap.Loads, LoadState{Name: l.spec.Name, TargetRate: l.gen.TargetRate(),
			SentRate: smp.SentRate, InFlight: smp.InFlight, TotalSent: smp.TotalSent})
	}
	for _, p := range s.probes {
		snap.Probes = append(snap.Probes, ProbeState{Name: p.spec.Name, Healthy: p.healthy, Err: p.err, Since: p.since})
	}
	n := min(len(s.timeline), 100)
	snap.Timeline = append([]experiments.Event(nil), s.timeline[len(s.timeline)-n:]...)
	names := s.store.Names()
	snap.Values = make(map[string]float64, len(names))
	for _, name := range names {
		if p, ok := s.store.Last(name); ok && p.T.Equal(now) && finite(p.V) {
			snap.Values[name] = p.V
		}
	}
	for _, c := range s.exp.Charts {
		for _, cs := range c.Series {
			if _, ok := snap.Series[cs.Series]; !ok {
				snap.Series[cs.Series] = s.store.Window(cs.Series, start)
			}
		}
	}
	kept := s.windows[:0]
	for _, w := range s.windows {
		if !w.End.IsZero() && w.End.Before(start) {
			continue // out of the chart window: forget it
		}
		kept = append(kept, w)
	}
	s.windows = kept
	snap.FaultWindows = append([]FaultWindow(nil), kept...)
	snap.Edges, snap.EdgeProbes = s.edgeResults()
	return snap
}

// ReplayState is where a replay stands, for the cockpit's header.
type ReplayState struct {
	At       time.Duration
	Duration time.Duration
	Speed    float64
	Paused   bool
}
