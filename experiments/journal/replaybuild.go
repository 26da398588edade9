package journal

import (
	"errors"
	"fmt"
	"io"
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
//
// It keeps what changes, not the state at every sample:
//
//	samples ──▶ frames: per sample its time, the charted series' values,
//	   │        each assumption's value, the active blocks and loads
//	   │        (maps shared while they do not change)
//	   └──────▶ per assumption: its status changes (Move) and the changes
//	            of its worst value (Observe), keyed by sample
//	events ───▶ kept in order; fault windows, block changes and aborts
//	            indexed once
//
//	SnapshotAt(d): the last frame at or before d, the last change of each
//	assumption up to that frame, the events up to d: binary searches.
//
// A journal so long that its frames outgrow replayBudget keeps every
// second frame (then every fourth...), and the latest: the state changes
// stay exact, the charts thin out.
type Replay struct {
	h     Header
	start time.Time
	end   time.Time
	ended bool // the journal has an end record
	win   time.Duration

	series []string                 // the charted series, each once
	base   []assume.AssumptionState // each assumption before its first sample
	state  []assume.AssumptionState // each assumption as the samples go by (while building)
	status [][]statusChange         // per assumption
	worst  [][]worstChange          // per assumption
	fr     frames                   // the kept samples
	stride int                      // frames are kept every stride samples (and the latest)
	seen   int                      // samples read
	bytes  int                      // roughly what frames and changes take
	budget int                      // beyond it, the frames thin out
	lastT  time.Time                // the last sample's time
	endT   time.Time                // the end record's time

	events  []experiments.Event
	evBytes int
	evMax   []time.Time // the latest time of the events up to each
	windows []faultWindow
	since   map[string][]mark // block → its fault events (on, off, error)
	aborts  []mark
	blockIx map[string]int
	added   map[string]int // a block composed during the game day → the event that added it
	room    roomState      // who was in the room, and the debrief

	mu     sync.Mutex
	at     time.Duration // the replay's position since the start
	speed  float64
	paused bool
	cmds   chan session.Command
	snaps  chan session.Snapshot
	done   chan struct{}
	once   sync.Once
}

// The budgets of a replay: beyond replayBudget the frames thin out;
// beyond replayEventBudget (the events' texts), reading stops with an
// error.
const (
	replayBudget      = 48 << 20
	replayEventBudget = 32 << 20
)

// frames are the kept samples, a column per value.
type frames struct {
	t      []time.Time
	ord    []int       // which sample, from 0
	events []int       // how many events happened up to t (the timeline's length)
	series [][]float64 // [charted series][frame]; absent marks no value
	values [][]float64 // [assumption][frame]; NaN: none
	active []map[string]float64
	loads  []map[string]float64
}

// absent marks a series a sample had no value for (a NaN of its own, so
// that a NaN recorded in a journal built in memory stays a point).
var absent = math.Float64frombits(0x7ff4_0000_0000_0a5e)

func isAbsent(v float64) bool { return math.Float64bits(v) == math.Float64bits(absent) }

// statusChange is an assumption's state after a change of status at
// sample ord.
type statusChange struct {
	ord         int
	status      assume.Status
	since       time.Time
	violations  int
	violatedFor time.Duration
}

// worstChange is an assumption's worst value from sample ord on.
type worstChange struct {
	ord   int
	worst float64
}

type faultWindow struct {
	block          string
	index          int
	start, end     time.Time
	startEv, endEv int // the events that opened and closed it (endEv -1: none)
}

// mark is an event of interest: its place, time and subject.
type mark struct {
	ev      int
	t       time.Time
	subject string
}

// NewReplay prepares a replay of j.
func NewReplay(j *Journal) *Replay { return newReplayOf(j, replayBudget) }

func newReplayOf(j *Journal, budget int) *Replay {
	r := newReplay(&j.Header)
	r.budget = budget
	for i := range j.Samples {
		r.sample(&j.Samples[i])
	}
	for i := range j.Events {
		r.noteAdded(&j.Events[i], len(r.events)+i)
	}
	r.events = append(r.events, j.Events...) // already in memory: no budget
	if j.End != nil {
		r.endRecord(j.End)
	}
	r.finish()
	return r
}

// ReadReplay reads a journal as a stream and prepares its replay.
func ReadReplay(rd io.Reader) (*Replay, error) {
	jr := NewReader(rd)
	var r *Replay
	for {
		rec, err := jr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case rec.Header != nil:
			r = newReplay(rec.Header)
		case rec.Sample != nil:
			r.sample(rec.Sample)
		case rec.Event != nil:
			if err := r.event(rec.Event); err != nil {
				return nil, &LineError{Line: rec.Line, Err: err}
			}
		case rec.End != nil:
			r.endRecord(rec.End)
		}
	}
	r.finish()
	return r, nil
}

func newReplay(h *Header) *Replay {
	r := &Replay{h: *h, start: h.Started, speed: 1, stride: 1, budget: replayBudget, cmds: make(chan session.Command, 64),
		snaps: make(chan session.Snapshot, 1), done: make(chan struct{}), since: map[string][]mark{}, blockIx: map[string]int{}}
	seen := map[string]bool{}
	for _, c := range h.Charts {
		for _, cs := range c.Series {
			if !seen[cs.Series] {
				seen[cs.Series] = true
				r.series = append(r.series, cs.Series)
			}
		}
	}
	r.fr.series = make([][]float64, len(r.series))
	for _, c := range h.Assumptions {
		r.base = append(r.base, assume.AssumptionState{Assumption: experiments.Assumption{Name: c.Name, Kind: c.Kind, Series: c.Series,
			Aggregate: c.Aggregate, Window: time.Duration(c.Window), Op: c.Op, Threshold: c.Threshold, Unit: c.Unit,
			Within: time.Duration(c.Within), Of: c.Of},
			Status: assume.StatusWaiting, Value: math.NaN(), Worst: math.NaN(), Baseline: math.NaN(), Since: r.start})
	}
	r.state = append([]assume.AssumptionState(nil), r.base...)
	r.status = make([][]statusChange, len(r.base))
	r.worst = make([][]worstChange, len(r.base))
	r.fr.values = make([][]float64, len(r.base))
	for i, b := range h.Blocks {
		if _, ok := r.blockIx[b.Name]; !ok {
			r.blockIx[b.Name] = i
		}
	}
	return r
}

// sample takes a sample in: the assumptions' changes (through Move and
// Observe, as live), and a frame.
func (r *Replay) sample(s *Sample) {
	ord := r.seen
	r.seen++
	r.lastT = s.T
	for i := range r.state {
		st := &r.state[i]
		c, ok := s.Assumptions[st.Name]
		if !ok {
			continue
		}
		if st.Move(c.Status, s.T) {
			r.status[i] = append(r.status[i], statusChange{ord: ord, status: st.Status, since: st.Since,
				violations: st.Violations, violatedFor: st.ViolatedFor})
			r.bytes += 80
		}
		v := math.NaN()
		if c.Value != nil {
			v = *c.Value
		}
		w := st.Worst
		st.Observe(v)
		if math.Float64bits(w) != math.Float64bits(st.Worst) {
			r.worst[i] = append(r.worst[i], worstChange{ord: ord, worst: st.Worst})
			r.bytes += 16
		}
	}
	n := len(r.fr.t)
	var prevActive, prevLoads map[string]float64
	if n > 0 {
		prevActive, prevLoads = r.fr.active[n-1], r.fr.loads[n-1]
	}
	active, loads := r.keep(prevActive, s.Active), r.keep(prevLoads, s.Loads)
	if n > 0 && r.fr.ord[n-1]%r.stride != 0 {
		// The latest frame was kept only as the latest: this one takes
		// its place.
		r.fr.t[n-1], r.fr.ord[n-1], r.fr.active[n-1], r.fr.loads[n-1] = s.T, ord, active, loads
		for k, name := range r.series {
			r.fr.series[k][n-1] = seriesValue(s, name)
		}
		for i := range r.state {
			r.fr.values[i][n-1] = r.state[i].Value
		}
		return
	}
	r.fr.t, r.fr.ord = append(r.fr.t, s.T), append(r.fr.ord, ord)
	r.fr.active, r.fr.loads = append(r.fr.active, active), append(r.fr.loads, loads)
	for k, name := range r.series {
		r.fr.series[k] = append(r.fr.series[k], seriesValue(s, name))
	}
	for i := range r.state {
		r.fr.values[i] = append(r.fr.values[i], r.state[i].Value)
	}
	r.bytes += r.frameBytes()
	for r.bytes > r.budget && len(r.fr.t) > 2 {
		r.thin()
	}
}

func seriesValue(s *Sample, name string) float64 {
	if v, ok := s.Series[name]; ok {
		return v
	}
	return absent
}

func (r *Replay) frameBytes() int { return 24 + 8 + 8 + 16 + 8*(len(r.series)+len(r.base)) }

// keep returns the map to keep for a frame: the previous frame's while
// they hold the same, else a copy (the Reader reuses its maps).
func (r *Replay) keep(prev, m map[string]float64) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	if len(prev) == len(m) {
		same := true
		for k, v := range m {
			if pv, ok := prev[k]; !ok || math.Float64bits(pv) != math.Float64bits(v) {
				same = false
				break
			}
		}
		if same {
			return prev
		}
	}
	c := make(map[string]float64, len(m))
	for k, v := range m {
		c[k] = v
	}
	r.bytes += 48 + 48*len(m)
	return c
}

// thin keeps every second frame (on the doubled stride) and the latest,
// and the changes that a kept frame still needs.
func (r *Replay) thin() {
	r.stride *= 2
	n := len(r.fr.t)
	keep := make([]bool, n)
	kept := 0
	for i := range n {
		if keep[i] = r.fr.ord[i]%r.stride == 0 || i == n-1; keep[i] {
			kept++
		}
	}
	r.fr.t, r.fr.ord = pick(r.fr.t, keep), pick(r.fr.ord, keep)
	r.fr.active, r.fr.loads = pick(r.fr.active, keep), pick(r.fr.loads, keep)
	for k := range r.fr.series {
		r.fr.series[k] = pick(r.fr.series[k], keep)
	}
	for i := range r.fr.values {
		r.fr.values[i] = pick(r.fr.values[i], keep)
	}
	r.bytes = kept * r.frameBytes()
	for i := range r.fr.active {
		if r.fr.active[i] != nil && (i == 0 || !sameMap(r.fr.active[i-1], r.fr.active[i])) {
			r.bytes += 48 + 48*len(r.fr.active[i])
		}
		if r.fr.loads[i] != nil && (i == 0 || !sameMap(r.fr.loads[i-1], r.fr.loads[i])) {
			r.bytes += 48 + 48*len(r.fr.loads[i])
		}
	}
	for i := range r.status {
		r.status[i] = needed(r.status[i], r.fr.ord, func(c statusChange) int { return c.ord })
		r.worst[i] = needed(r.worst[i], r.fr.ord, func(c worstChange) int { return c.ord })
		r.bytes += 80*len(r.status[i]) + 16*len(r.worst[i])
	}
}

// sameMap reports whether a and b hold the same (frames share a map
// while it does not change).
func sameMap(a, b map[string]float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || math.Float64bits(bv) != math.Float64bits(v) {
			return false
		}
	}
	return true
}

func pick[T any](s []T, keep []bool) []T {
	out := s[:0]
	for i, v := range s {
		if keep[i] {
			out = append(out, v)
		}
	}
	clear(s[len(out):])
	return out
}

// needed keeps the changes that some kept frame sees as its latest, and
// the last (the frames to come need it).
func needed[T any](changes []T, ords []int, ord func(T) int) []T {
	out := changes[:0]
	f := 0
	for k, c := range changes {
		if k == len(changes)-1 {
			out = append(out, c)
			break
		}
		next := ord(changes[k+1])
		for f < len(ords) && ords[f] < ord(c) {
			f++
		}
		if f < len(ords) && ords[f] < next {
			out = append(out, c)
		}
	}
	return out
}

// event keeps an event, within replayEventBudget.
func (r *Replay) event(e *experiments.Event) error {
	r.evBytes += 120 + len(e.Subject) + len(e.Text) + len(e.By) + len(e.Kind)
	if r.evBytes > replayEventBudget {
		return fmt.Errorf("too many events to replay (%d, over %d MiB)", len(r.events)+1, replayEventBudget>>20)
	}
	r.noteAdded(e, len(r.events))
	r.events = append(r.events, *e)
	return nil
}

func (r *Replay) endRecord(e *End) {
	r.ended, r.endT = true, e.T
}

// finish indexes the events and fixes the replay's length and window.
func (r *Replay) finish() {
	r.state = nil
	r.end = r.start
	if r.seen > 0 {
		r.end = r.lastT
	}
	if r.ended && r.endT.After(r.end) {
		r.end = r.endT
	}
	r.win = time.Duration(r.h.Window)
	if r.win <= 0 || r.win > 24*time.Hour {
		r.win = 3 * time.Minute // none, or one that no chart could show
	}
	ev := 0
	r.fr.events = make([]int, len(r.fr.t))
	for i, t := range r.fr.t {
		for ev < len(r.events) && !r.events[ev].Time.After(t) {
			ev++
		}
		r.fr.events[i] = ev
	}
	r.evMax = make([]time.Time, len(r.events))
	open := map[string]int{} // block → its open window
	for i, e := range r.events {
		r.evMax[i] = e.Time
		if i > 0 && r.evMax[i-1].After(e.Time) {
			r.evMax[i] = r.evMax[i-1]
		}
		switch e.Kind {
		case experiments.EventFaultStarted:
			r.since[e.Subject] = append(r.since[e.Subject], mark{ev: i, t: e.Time})
			open[e.Subject] = len(r.windows)
			r.windows = append(r.windows, faultWindow{block: e.Subject, index: r.blockIndex(e.Subject), start: e.Time,
				startEv: i, endEv: -1})
		case experiments.EventFaultHalted, experiments.EventFaultError:
			if w, ok := open[e.Subject]; ok && e.Kind == experiments.EventFaultHalted {
				r.windows[w].end, r.windows[w].endEv = e.Time, i
				delete(open, e.Subject)
			}
			r.since[e.Subject] = append(r.since[e.Subject], mark{ev: i, t: e.Time})
		}
		if e.Kind == experiments.EventAborted {
			r.aborts = append(r.aborts, mark{ev: i, subject: e.Subject})
		}
		r.noteRoom(i, &r.events[i])
	}
}

func (r *Replay) blockIndex(name string) int { return r.blockIx[name] }

// Duration is how long the recorded game day lasted.
func (r *Replay) Duration() time.Duration { return max(r.end.Sub(r.start), 0) }

// SnapshotAt rebuilds the snapshot of the game day at offset d.
func (r *Replay) SnapshotAt(d time.Duration) session.Snapshot {
	h := &r.h
	now := r.start.Add(d)
	from := now.Add(-r.win)
	if from.Before(r.start) {
		from = r.start
	}
	s := session.Snapshot{Name: h.Name, Description: h.Description, Hypothesis: h.Hypothesis, Now: now, Started: r.start, Window: r.win, WindowStart: from,
		Charts: h.Charts, Series: map[string][]probes.Point{}}
	i := sort.Search(len(r.fr.t), func(i int) bool { return r.fr.t[i].After(now) }) - 1
	if i >= 0 {
		s.Assumptions = r.states(i)
		events := r.events[:r.fr.events[i]]
		if n := len(events); n > 100 {
			events = events[n-100:]
		}
		s.Timeline = append([]experiments.Event(nil), events...)
	} else {
		for _, c := range h.Assumptions {
			s.Assumptions = append(s.Assumptions, assume.AssumptionState{Assumption: experiments.Assumption{Name: c.Name, Kind: c.Kind,
				Op: c.Op, Threshold: c.Threshold, Unit: c.Unit, Within: time.Duration(c.Within)}, Status: assume.StatusWaiting, Value: math.NaN(), Worst: math.NaN()})
		}
	}
	// The events up to now: those before the first one after it, as they
	// were written.
	k := sort.Search(len(r.evMax), func(i int) bool { return r.evMax[i].After(now) })
	for _, w := range r.windows {
		if w.startEv >= k {
			break
		}
		fw := session.FaultWindow{Block: w.block, Index: w.index, Start: w.start}
		if w.endEv >= 0 && w.endEv < k {
			fw.End = w.end
		}
		s.FaultWindows = append(s.FaultWindows, fw)
	}
	if m, ok := lastBefore(r.aborts, k); ok {
		s.Aborted = m.subject
	}
	s.Room, s.Debrief = r.roomAt(k)
	var active, loads map[string]float64
	if i >= 0 {
		active, loads = r.fr.active[i], r.fr.loads[i]
	}
	for idx, b := range h.Blocks {
		_, composed := r.added[b.Name]
		if !r.addedBy(b.Name, k) {
			continue // composed later in the game day
		}
		st := session.BlockState{Block: experiments.Block{Name: b.Name, Description: b.Description}, Index: idx, Since: r.start,
			Phase: session.PhaseIdle, Composed: composed}
		if m, ok := lastBefore(r.since[b.Name], k); ok && !m.t.IsZero() {
			st.Since = m.t
		}
		if v, ok := active[b.Name]; ok {
			st.Phase, st.Active, st.Intensity = session.PhaseOn, true, v
		}
		s.Blocks = append(s.Blocks, st)
	}
	for name, rate := range loads {
		s.Loads = append(s.Loads, session.LoadState{Name: name, TargetRate: rate})
	}
	sort.Slice(s.Loads, func(a, b int) bool { return s.Loads[a].Name < s.Loads[b].Name })
	lo := sort.Search(len(r.fr.t), func(k int) bool { return !r.fr.t[k].Before(from) })
	for f := lo; f < len(r.fr.t) && !r.fr.t[f].After(now); f++ {
		for k, name := range r.series {
			if v := r.fr.series[k][f]; !isAbsent(v) {
				s.Series[name] = append(s.Series[name], probes.Point{T: r.fr.t[f], V: v})
			}
		}
	}
	if r.ended && !now.Before(r.end) {
		s.Ended = true
	}
	return s
}

// states rebuilds every assumption's state at frame i from its changes.
func (r *Replay) states(i int) []assume.AssumptionState {
	ord := r.fr.ord[i]
	out := append([]assume.AssumptionState(nil), r.base...)
	for a := range out {
		st := &out[a]
		ch := r.status[a]
		if c := sort.Search(len(ch), func(k int) bool { return ch[k].ord > ord }) - 1; c >= 0 {
			st.Status, st.Since, st.Violations, st.ViolatedFor = ch[c].status, ch[c].since, ch[c].violations, ch[c].violatedFor
		}
		wc := r.worst[a]
		if c := sort.Search(len(wc), func(k int) bool { return wc[k].ord > ord }) - 1; c >= 0 {
			st.Worst = wc[c].worst
		}
		v := r.fr.values[a][i]
		st.Value, st.HasValue = v, !math.IsNaN(v)
	}
	return out
}

// lastBefore is the last mark of an event before event k.
func lastBefore(ms []mark, k int) (mark, bool) {
	n := sort.Search(len(ms), func(i int) bool { return ms[i].ev >= k })
	if n == 0 {
		return mark{}, false
	}
	return ms[n-1], true
}
