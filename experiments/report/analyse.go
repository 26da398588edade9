package report

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// analysis is a journal read back into what happened: when each block was
// on, each violation of each threshold assumption and the fault it
// follows, and each attempt of each recovery check. It takes the journal
// as a stream, in time order (see feed), and keeps only what the report
// shows:
//
//	events ──by time──▶ activations ──▶ blame ──▶ episodes, attempts, breaks
//	samples ──────────▶ peaks, each episode's value and worst, each
//	                    assumption's last status and worst, chart buckets
//
// What a hostile journal could make grow without end is capped (see the
// limits below) and what was left out is counted.
type analysis struct {
	h      journal.Header // cleaned (see clean)
	endRec *journal.End
	start  time.Time
	end    time.Time // the end record, or the last record of a cut journal
	latest time.Time // the latest record so far

	blocks  map[string]journal.Block // by name; the last of a name wins
	parts   map[string][]int         // block name → every block of that name
	checks  []journal.Check
	checkIx map[string]int // name → the first check of that name
	stats   []checkStat    // per check
	finals  map[string]int // name → the end record's outcome of it

	acts       []*activation
	open       map[string]*activation // block → its activation still on
	recent     map[string]*activation // block → its last activation to halt
	closedNow  []*activation          // the activations that halted at the time of the events at hand
	lastHalted *activation            // the activation whose halt came last
	eps        map[string][]*episode  // threshold assumption → its violations
	tries      map[string][]*attempt  // recovery check → its attempts
	breaks     []Break
	pending    []*episode // episodes waiting for the value of their first sample
	closers    []int      // the assumptions with episodes closing

	group  []experiments.Event // events of one time, not yet judged
	head   []Entry             // the timeline's first entries
	tail   []Entry             // and its last ones (a ring)
	tailAt int
	events int // every event

	findings []Finding
	actions  []ActionItem
	accs     []chartAcc

	leftOut struct{ acts, breaks int }
}

// The limits of what a report keeps of a journal.
const (
	maxActivations = 10000 // fault activations
	maxBreaks      = 5000  // breakages in the cascade (and violations kept)
	maxRecoveries  = 1000  // recovery times listed per assumption
	timelineHead   = 5000  // the first events of the timeline
	timelineTail   = 5000  // and the last ones
)

// activation is one period in which a block was on.
type activation struct {
	index       int
	block       journal.Block
	start, stop time.Time // stop is zero while still on at the end
	peak        float64   // NaN: not sampled while on
	halted      string
}

// on reports whether the block was on at t; the instant of its halt still
// counts, as the windows of the assumptions lag behind.
func (x *activation) on(t time.Time) bool {
	return !t.Before(x.start) && (x.stop.IsZero() || !t.After(x.stop))
}

// episode is one violation of a threshold assumption.
type episode struct {
	check      *journal.Check
	start, end time.Time
	ended      experiments.EventKind // restored, no-data, or "" (still violated at the end)
	value      float64               // when it broke (NaN: unknown)
	worst      float64
	seg        int // its first segment of the assumption's (see checkStat)
	text       string
	act        *activation // the fault it follows
	kept       bool        // in eps and the cascade
}

// attempt is one run of a recovery check's clock, from a halt.
type attempt struct {
	halt    *activation
	done    time.Time // when everything held again (zero: not before the end)
	ok      bool      // in time
	failed  time.Time // when it ran out of time
	pending bool      // still recovering when the journal ends
}

// checkStat is what the samples and events said of one assumption.
type checkStat struct {
	raw     string        // its name as the samples write it
	final   assume.Status // in the last sample that judged it
	applied bool          // judged in its phase at least once
	worst   float64       // the worst value sampled since the start
	// The violations replayed through Move, in order, as live.
	moves    assume.AssumptionState
	moved    bool
	first    time.Time // its first violation
	openFrom time.Time // the start of its last violation that never ended
	hasOpen  bool
	last     *episode // the violation that a restore would end
	closing  []*episode
	// segs are the worst values of the samples from each kept violation's
	// start to the next's: a violation that never ended has the worst of
	// its segment and every later one.
	segs       []float64
	recoveries []float64 // held again after the halt of the fault it followed
}

func newAnalysis(h *journal.Header) *analysis {
	a := &analysis{start: h.Started, end: h.Started, latest: h.Started,
		blocks: map[string]journal.Block{}, parts: map[string][]int{}, checkIx: map[string]int{}, finals: map[string]int{},
		open: map[string]*activation{}, recent: map[string]*activation{},
		eps: map[string][]*episode{}, tries: map[string][]*attempt{}}
	a.h = cleanHeader(h)
	for i, b := range a.h.Blocks {
		a.blocks[b.Name] = b
		a.parts[b.Name] = append(a.parts[b.Name], i)
	}
	a.checks = slices.Clone(a.h.Assumptions)
	for i := range a.checks {
		if a.checks[i].Kind == "" {
			a.checks[i].Kind = experiments.AssumeThreshold
		}
		if _, ok := a.checkIx[a.checks[i].Name]; !ok {
			a.checkIx[a.checks[i].Name] = i
		}
		a.stats = append(a.stats, checkStat{raw: h.Assumptions[i].Name, final: assume.StatusWaiting, worst: math.NaN(),
			moves: assume.AssumptionState{Status: assume.StatusHolding}})
	}
	a.accs = a.chartAccs(h)
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (a *analysis) off(t time.Time) float64 { return round3(t.Sub(a.start).Seconds()) }

func (a *analysis) block(name string) journal.Block {
	if b, ok := a.blocks[name]; ok {
		return b
	}
	return journal.Block{Name: name}
}

func (a *analysis) check(name string) *journal.Check {
	if i, ok := a.checkIx[name]; ok {
		return &a.checks[i]
	}
	return nil
}

// event takes an event in; events of one time are judged together, once
// all of them are in.
func (a *analysis) event(e experiments.Event) {
	if len(a.group) > 0 && !e.Time.Equal(a.group[0].Time) {
		a.flush()
	}
	// A block composed during the game day is known from its event on.
	if b, ok := journal.AddedBlock(&e); ok {
		if _, known := a.blocks[clean(b.Name)]; !known {
			b.Name, b.Summary, b.Target = clean(b.Name), clean(b.Summary), clean(b.Target)
			b.Kind = experiments.FaultKind(clean(string(b.Kind)))
			a.blocks[b.Name] = b
		}
	}
	a.group = append(a.group, cleanEvent(e))
}

// flush judges the events of one time: first every block that went on or
// off then, then what broke or recovered, so that a breakage sees every
// fault of its instant as the journal read whole would.
func (a *analysis) flush() {
	if len(a.group) == 0 {
		return
	}
	a.closedNow = a.closedNow[:0]
	t := a.group[0].Time
	// No sample of the time of a violation's end comes after a later
	// event.
	a.closers = slices.DeleteFunc(a.closers, func(i int) bool {
		cs := &a.stats[i]
		cs.closing = slices.DeleteFunc(cs.closing, func(ep *episode) bool { return t.After(ep.end) })
		return len(cs.closing) == 0
	})
	for _, e := range a.group {
		a.activation(e)
	}
	for _, e := range a.group {
		a.judge(e)
		a.timeline(e)
		a.debrief(e)
		a.latest = later(a.latest, e.Time)
	}
	a.group = a.group[:0]
}

// activation pairs each fault-started event with the block's next halt.
func (a *analysis) activation(e experiments.Event) {
	switch {
	case e.Kind == experiments.EventFaultStarted:
		if a.open[e.Subject] != nil {
			return
		}
		if len(a.acts) >= maxActivations {
			a.leftOut.acts++
			return
		}
		x := &activation{index: len(a.acts), block: a.block(e.Subject), start: e.Time, peak: math.NaN()}
		a.open[e.Subject] = x
		a.acts = append(a.acts, x)
	case e.Kind == experiments.EventFaultHalted,
		e.Kind == experiments.EventFaultError && strings.HasPrefix(e.Text, "halt failed"):
		x := a.open[e.Subject]
		if x == nil {
			return
		}
		x.stop, x.halted = e.Time, e.Text
		delete(a.open, e.Subject)
		a.recent[e.Subject] = x
		a.closedNow = append(a.closedNow, x)
		if l := a.lastHalted; l == nil || x.stop.After(l.stop) || x.stop.Equal(l.stop) && x.index > l.index {
			a.lastHalted = x
		}
	}
}

// blame is the fault on at t (the latest started, if several were), or
// else the last one that started before t; nil when none had started.
func (a *analysis) blame(t time.Time) *activation {
	var on *activation
	consider := func(x *activation) {
		if x.start.After(t) || !x.on(t) {
			return
		}
		if on == nil || x.start.After(on.start) || x.start.Equal(on.start) && x.index > on.index {
			on = x
		}
	}
	for _, x := range a.open {
		consider(x)
	}
	for _, x := range a.closedNow {
		consider(x)
	}
	if on != nil {
		return on
	}
	// The last started at or before t: the last one, as they come in
	// time order (a journal out of order has a look further back).
	for i, n := len(a.acts)-1, 0; i >= 0 && n < 1000; i, n = i-1, n+1 {
		if !a.acts[i].start.After(t) {
			return a.acts[i]
		}
	}
	return nil
}

// lastHalt is the activation whose halt came last at or before t: the one
// that started a recovery check's clock.
func (a *analysis) lastHalt(t time.Time) *activation {
	if l := a.lastHalted; l == nil || !l.stop.After(t) {
		return l
	}
	var last *activation
	for _, x := range a.acts {
		if !x.stop.IsZero() && !x.stop.After(t) && (last == nil || !x.stop.Before(last.stop)) {
			last = x
		}
	}
	return last
}

// judge takes what an event says of the assumptions: violations and
// restores, recovery attempts, aborts; each breakage goes into the
// cascade.
func (a *analysis) judge(e experiments.Event) {
	c := a.check(e.Subject)
	threshold := c != nil && c.Kind == experiments.AssumeThreshold
	recovery := c != nil && c.Kind == experiments.AssumeRecovery
	switch {
	case e.Kind == experiments.EventViolated && threshold:
		a.violated(c, e)
	case (e.Kind == experiments.EventRestored || e.Kind == experiments.EventNoData) && threshold:
		cs := &a.stats[a.checkIx[c.Name]]
		ep := cs.last
		if ep == nil || !ep.end.IsZero() {
			return
		}
		ep.end, ep.ended = e.Time, e.Kind
		if ep.kept {
			if len(cs.closing) == 0 {
				a.closers = append(a.closers, a.checkIx[c.Name])
			}
			cs.closing = append(cs.closing, ep) // its worst takes the samples up to its end
		}
		after := assume.StatusHolding
		if e.Kind == experiments.EventNoData {
			after = assume.StatusWaiting
		}
		cs.moves.Move(after, ep.end)
		if x := ep.act; e.Kind == experiments.EventRestored && x != nil && !x.stop.IsZero() && !ep.end.Before(x.stop) &&
			len(cs.recoveries) < maxRecoveries {
			cs.recoveries = append(cs.recoveries, round3(ep.end.Sub(x.stop).Seconds()))
		}
	case e.Kind == experiments.EventRecovered && recovery:
		if strings.HasPrefix(e.Text, "recovered late") {
			if ts := a.tries[c.Name]; len(ts) > 0 && !ts[len(ts)-1].ok && ts[len(ts)-1].done.IsZero() {
				ts[len(ts)-1].done = e.Time
			}
			return
		}
		if len(a.breaks) >= maxBreaks {
			a.leftOut.breaks++
			return
		}
		a.tries[c.Name] = append(a.tries[c.Name], &attempt{halt: a.lastHalt(e.Time), done: e.Time, ok: true})
	case e.Kind == experiments.EventNotRecovered && recovery:
		if len(a.breaks) >= maxBreaks {
			a.leftOut.breaks++
			return
		}
		t := &attempt{halt: a.lastHalt(e.Time), failed: e.Time}
		a.tries[c.Name] = append(a.tries[c.Name], t)
		a.breaks = append(a.breaks, Break{Kind: "not recovered", Assumption: c.Name, AtS: a.off(e.Time),
			Text: e.Text, at: e.Time, try: t, act: t.halt, check: c})
	case e.Kind == experiments.EventAborted:
		if len(a.breaks) >= maxBreaks {
			a.leftOut.breaks++
			return
		}
		a.breaks = append(a.breaks, Break{Kind: "aborted", Assumption: e.Subject, AtS: a.off(e.Time),
			Text: e.Text, at: e.Time, act: a.blame(e.Time)})
	}
}

// violated starts an episode of a threshold assumption.
func (a *analysis) violated(c *journal.Check, e experiments.Event) {
	cs := &a.stats[a.checkIx[c.Name]]
	if prev := cs.last; prev != nil && prev.end.IsZero() {
		cs.openFrom, cs.hasOpen = prev.start, true // it can no longer end
	}
	if !cs.moved {
		cs.first = e.Time
	}
	cs.moved = true
	cs.moves.Move(assume.StatusViolated, e.Time)
	ep := &episode{check: c, start: e.Time, text: e.Text, value: math.NaN(), worst: math.NaN(), act: a.blame(e.Time)}
	cs.last = ep
	if len(a.breaks) >= maxBreaks {
		a.leftOut.breaks++
		return
	}
	ep.kept, ep.seg = true, len(cs.segs)
	cs.segs = append(cs.segs, math.NaN())
	a.pending = append(a.pending, ep)
	a.eps[c.Name] = append(a.eps[c.Name], ep)
	a.breaks = append(a.breaks, Break{Kind: "violated", at: e.Time, ep: ep, act: ep.act, check: c})
}

// timeline keeps the event for the timeline: the first and the last ones
// of a journal that has too many.
func (a *analysis) timeline(e experiments.Event) {
	a.events++
	en := Entry{AtS: a.off(e.Time), Kind: string(e.Kind), Subject: e.Subject, By: experiments.Who(e.By, e.Role), Text: e.Text, Bad: e.Bad()}
	switch {
	case len(a.head) < timelineHead:
		a.head = append(a.head, en)
	case len(a.tail) < timelineTail:
		a.tail = append(a.tail, en)
	default:
		a.tail[a.tailAt] = en
		a.tailAt = (a.tailAt + 1) % timelineTail
	}
}

// sample takes a sample in, after every event of its time.
func (a *analysis) sample(s *journal.Sample) {
	a.flush()
	a.latest = later(a.latest, s.T)
	for name, v := range s.Active {
		name = clean(name) // as the events' subjects are
		for _, x := range []*activation{a.open[name], a.recent[name]} {
			if x != nil && x.on(s.T) && (math.IsNaN(x.peak) || v > x.peak) {
				x.peak = v
			}
		}
	}
	if len(a.pending) > 0 {
		for _, ep := range a.pending {
			if sc, ok := s.Assumptions[a.stats[a.checkIx[ep.check.Name]].raw]; ok && sc.Value != nil {
				ep.value = *sc.Value
			}
		}
		a.pending = a.pending[:0]
	}
	for i := range a.checks {
		cs := &a.stats[i]
		sc, ok := s.Assumptions[cs.raw]
		if !ok {
			continue
		}
		cs.final = sc.Status
		cs.applied = cs.applied || sc.Status != assume.StatusInactive
		if i != a.checkIx[a.checks[i].Name] {
			continue // a second assumption of the same name: its events are the first's
		}
		cs.closing = slices.DeleteFunc(cs.closing, func(ep *episode) bool { return s.T.After(ep.end) })
		if sc.Value == nil {
			continue
		}
		v, c := *sc.Value, &a.checks[i]
		if !s.T.Before(a.start) {
			cs.worst = fold(c, cs.worst, v)
		}
		if n := len(cs.segs); n > 0 {
			cs.segs[n-1] = fold(c, cs.segs[n-1], v)
		}
		if ep := cs.last; ep != nil && ep.end.IsZero() {
			ep.worst = fold(c, ep.worst, v)
		}
		for _, ep := range cs.closing {
			ep.worst = fold(c, ep.worst, v)
		}
	}
	// A second assumption of a name reads its worst as the first.
	for i := range a.checks {
		if k := a.checkIx[a.checks[i].Name]; k != i {
			if sc, ok := s.Assumptions[a.stats[i].raw]; ok && sc.Value != nil && !s.T.Before(a.start) {
				a.stats[i].worst = fold(&a.checks[i], a.stats[i].worst, *sc.Value)
			}
		}
	}
	for i := range a.accs {
		a.accs[i].sample(s, a.start)
	}
}

// fold keeps the worse of w and v (NaN: none yet).
func fold(c *journal.Check, w, v float64) float64 {
	if math.IsNaN(w) || worse(c, v, w) {
		return v
	}
	return w
}

func worse(c *journal.Check, v, w float64) bool {
	if c.Op == experiments.Above || c.Op == experiments.AboveOrEqual {
		return v < w
	}
	return v > w
}

// finish ends the journal: the end, violations that never ended, attempts
// still running.
func (a *analysis) finish(end *journal.End) {
	a.flush()
	if end != nil {
		e := cleanEnd(*end)
		a.endRec = &e
		for i, f := range e.Assumptions {
			if _, ok := a.finals[f.Name]; !ok {
				a.finals[f.Name] = i
			}
		}
		// A relative threshold is known only once the baseline is: the
		// end record has it.
		for i := range a.checks {
			if f := a.final(a.checks[i].Name); f != nil && a.checks[i].Relative && f.Threshold != nil {
				a.checks[i].Threshold = *f.Threshold
			}
		}
		a.end = e.T
	} else {
		a.end = a.latest
	}
	for i := range a.checks {
		cs := &a.stats[i]
		if ep := cs.last; ep != nil && ep.end.IsZero() {
			cs.openFrom, cs.hasOpen = ep.start, true
		}
		for _, ep := range a.eps[a.checks[i].Name] {
			if ep.end.IsZero() {
				ep.end = a.end
				ep.worst = math.NaN()
				for _, w := range cs.segs[ep.seg:] {
					ep.worst = fold(ep.check, ep.worst, w)
				}
			}
		}
	}
	for i := range a.checks {
		c := &a.checks[i]
		if c.Kind != experiments.AssumeRecovery || a.stats[i].final != assume.StatusRecovering {
			continue
		}
		halt := a.lastHalt(a.end)
		if ts := a.tries[c.Name]; halt != nil && (len(ts) == 0 || ts[len(ts)-1].halt != halt) {
			a.tries[c.Name] = append(ts, &attempt{halt: halt, pending: true})
		}
	}
}

// faults lists every activation.
func (a *analysis) faults() []Fault {
	out := []Fault{}
	for _, x := range a.acts {
		f := Fault{Block: x.block.Name, Summary: x.block.Summary, Kind: string(x.block.Kind), Target: x.block.Target,
			StartS: a.off(x.start), PeakIntensity: ptr(x.peak), Halted: x.halted}
		stop := a.end
		if !x.stop.IsZero() {
			stop = x.stop
			f.StopS = ptr(a.off(stop))
		}
		f.DurationS = round3(stop.Sub(x.start).Seconds())
		out = append(out, f)
	}
	return out
}

// cascade fills in each breakage: its values, the fault it follows, and
// when it held again.
func (a *analysis) cascade() []Break {
	out := []Break{}
	for _, b := range a.breaks {
		at := b.at
		if ep := b.ep; ep != nil {
			c := ep.check
			b.Assumption, b.AtS, b.Text = c.Name, a.off(at), ep.text
			b.Value, b.Worst, b.Unit, b.Condition = ptr(round3(ep.value)), ptr(round3(ep.worst)), string(c.Unit), condition(c)
			if ep.ended == experiments.EventRestored {
				b.HeldAgainS = ptr(a.off(ep.end))
				if x := ep.act; x != nil && !x.stop.IsZero() && !ep.end.Before(x.stop) {
					b.RecoveredS = ptr(round3(ep.end.Sub(x.stop).Seconds()))
				}
			}
		} else if b.check != nil {
			b.Condition = condition(b.check)
			if t := b.try; t != nil && !t.done.IsZero() && t.halt != nil {
				b.HeldAgainS = ptr(a.off(t.done))
				b.RecoveredS = ptr(round3(t.done.Sub(t.halt.stop).Seconds()))
			}
		}
		if x := b.act; x != nil {
			b.Fault, b.FaultOn = x.block.Name, x.on(at)
			b.AfterStartS = ptr(round3(at.Sub(x.start).Seconds()))
			if !b.FaultOn {
				b.AfterHaltS = ptr(round3(at.Sub(x.stop).Seconds()))
			}
		}
		out = append(out, b)
	}
	return out
}

// recoveries lists, by halt, each threshold assumption that was broken
// when its fault halted, and each attempt of each recovery check.
func (a *analysis) recoveries() []Recovery {
	out := []Recovery{}
	for i := range a.checks {
		c := &a.checks[i]
		for _, ep := range a.eps[c.Name] {
			x := ep.act
			if x == nil || x.stop.IsZero() || ep.end.Before(x.stop) {
				continue // it held again while the fault was on
			}
			r := Recovery{Assumption: c.Name, Fault: x.block.Name, HaltedS: a.off(x.stop), Outcome: "not recovered"}
			switch ep.ended {
			case experiments.EventRestored:
				r.HeldS, r.TookS, r.Outcome = ptr(a.off(ep.end)), ptr(round3(ep.end.Sub(x.stop).Seconds())), "recovered"
			case experiments.EventNoData:
				r.Outcome = "no data"
			}
			out = append(out, r)
		}
		for _, t := range a.tries[c.Name] {
			if t.halt == nil {
				continue
			}
			r := Recovery{Assumption: c.Name, Check: true, Fault: t.halt.block.Name, HaltedS: a.off(t.halt.stop),
				WithinS: ptr(round3(time.Duration(c.Within).Seconds()))}
			if !t.done.IsZero() {
				r.HeldS, r.TookS = ptr(a.off(t.done)), ptr(round3(t.done.Sub(t.halt.stop).Seconds()))
			}
			switch {
			case t.ok:
				r.Outcome = "recovered"
			case t.pending:
				r.Outcome = "not judged"
			case !t.done.IsZero():
				r.Outcome = "late"
			default:
				r.Outcome = "not recovered"
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].HaltedS < out[k].HaltedS })
	return out
}

// entries is the timeline kept: its first events, and its last ones after
// those left out (how many, and where).
func (a *analysis) entries() (out []Entry, cut, omitted int) {
	out = append([]Entry{}, a.head...)
	cut = len(out)
	out = append(out, a.tail[a.tailAt:]...)
	out = append(out, a.tail[:a.tailAt]...)
	return out, cut, a.events - len(out)
}
