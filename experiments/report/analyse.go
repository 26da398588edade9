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
// follows, and each attempt of each recovery check.
type analysis struct {
	j      *journal.Journal
	start  time.Time
	end    time.Time // the end record, or the last record of a cut journal
	events []experiments.Event
	blocks map[string]journal.Block
	checks []journal.Check
	acts   []*activation
	eps    map[string][]*episode // threshold assumption → its violations
	tries  map[string][]*attempt // recovery check → its attempts
	breaks []Break
}

// activation is one period in which a block was on.
type activation struct {
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
	text       string
	act        *activation // the fault it follows
}

// attempt is one run of a recovery check's clock, from a halt.
type attempt struct {
	halt    *activation
	done    time.Time // when everything held again (zero: not before the end)
	ok      bool      // in time
	failed  time.Time // when it ran out of time
	pending bool      // still recovering when the journal ends
}

func analyse(j *journal.Journal) *analysis {
	a := &analysis{j: j, start: j.Header.Started, end: j.Header.Started,
		blocks: map[string]journal.Block{}, checks: slices.Clone(j.Header.Assumptions),
		eps: map[string][]*episode{}, tries: map[string][]*attempt{}}
	for _, b := range j.Header.Blocks {
		a.blocks[b.Name] = b
	}
	for i := range a.checks {
		if a.checks[i].Kind == "" {
			a.checks[i].Kind = experiments.AssumeThreshold
		}
		// A relative threshold is known only once the baseline is: the
		// end record has it.
		if j.End != nil && a.checks[i].Relative {
			for _, f := range j.End.Assumptions {
				if f.Name == a.checks[i].Name && f.Threshold != nil {
					a.checks[i].Threshold = *f.Threshold
				}
			}
		}
	}
	a.events = slices.Clone(j.Events)
	sort.SliceStable(a.events, func(i, k int) bool { return a.events[i].Time.Before(a.events[k].Time) })
	if j.End != nil {
		a.end = j.End.T
	} else {
		for _, s := range j.Samples {
			a.end = later(a.end, s.T)
		}
		for _, e := range a.events {
			a.end = later(a.end, e.Time)
		}
	}
	a.activations()
	a.judge()
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
	for i := range a.checks {
		if a.checks[i].Name == name {
			return &a.checks[i]
		}
	}
	return nil
}

// activations pairs each fault-started event with the block's next halt,
// and finds each activation's peak intensity in the samples.
func (a *analysis) activations() {
	open := map[string]*activation{}
	for _, e := range a.events {
		switch {
		case e.Kind == experiments.EventFaultStarted:
			if open[e.Subject] == nil {
				x := &activation{block: a.block(e.Subject), start: e.Time, peak: math.NaN()}
				open[e.Subject] = x
				a.acts = append(a.acts, x)
			}
		case e.Kind == experiments.EventFaultHalted,
			e.Kind == experiments.EventFaultError && strings.HasPrefix(e.Text, "halt failed"):
			if x := open[e.Subject]; x != nil {
				x.stop, x.halted = e.Time, e.Text
				delete(open, e.Subject)
			}
		}
	}
	for _, s := range a.j.Samples {
		for name, v := range s.Active {
			for _, x := range a.acts {
				if x.block.Name == name && x.on(s.T) && (math.IsNaN(x.peak) || v > x.peak) {
					x.peak = v
				}
			}
		}
	}
}

// blame is the fault on at t (the latest started, if several were), or
// else the last one that started before t; nil when none had started.
func (a *analysis) blame(t time.Time) *activation {
	var on, before *activation
	for _, x := range a.acts {
		if x.start.After(t) {
			continue
		}
		if x.on(t) && (on == nil || !x.start.Before(on.start)) {
			on = x
		}
		if before == nil || !x.start.Before(before.start) {
			before = x
		}
	}
	if on != nil {
		return on
	}
	return before
}

// lastHalt is the activation whose halt came last at or before t: the one
// that started a recovery check's clock.
func (a *analysis) lastHalt(t time.Time) *activation {
	var last *activation
	for _, x := range a.acts {
		if !x.stop.IsZero() && !x.stop.After(t) && (last == nil || !x.stop.Before(last.stop)) {
			last = x
		}
	}
	return last
}

// judge walks the assumptions' events: violations and restores, recovery
// attempts, aborts; each breakage goes into the cascade.
func (a *analysis) judge() {
	for _, e := range a.events {
		c := a.check(e.Subject)
		threshold := c != nil && c.Kind == experiments.AssumeThreshold
		recovery := c != nil && c.Kind == experiments.AssumeRecovery
		switch {
		case e.Kind == experiments.EventViolated && threshold:
			ep := &episode{check: c, start: e.Time, text: e.Text, value: a.valueAt(c.Name, e.Time), act: a.blame(e.Time)}
			a.eps[c.Name] = append(a.eps[c.Name], ep)
			a.breaks = append(a.breaks, Break{Kind: "violated", at: e.Time, ep: ep, act: ep.act, check: c})
		case (e.Kind == experiments.EventRestored || e.Kind == experiments.EventNoData) && threshold:
			if eps := a.eps[c.Name]; len(eps) > 0 && eps[len(eps)-1].end.IsZero() {
				eps[len(eps)-1].end, eps[len(eps)-1].ended = e.Time, e.Kind
			}
		case e.Kind == experiments.EventRecovered && recovery:
			if strings.HasPrefix(e.Text, "recovered late") {
				if ts := a.tries[c.Name]; len(ts) > 0 && !ts[len(ts)-1].ok && ts[len(ts)-1].done.IsZero() {
					ts[len(ts)-1].done = e.Time
				}
				continue
			}
			a.tries[c.Name] = append(a.tries[c.Name], &attempt{halt: a.lastHalt(e.Time), done: e.Time, ok: true})
		case e.Kind == experiments.EventNotRecovered && recovery:
			t := &attempt{halt: a.lastHalt(e.Time), failed: e.Time}
			a.tries[c.Name] = append(a.tries[c.Name], t)
			a.breaks = append(a.breaks, Break{Kind: "not recovered", Assumption: c.Name, AtS: a.off(e.Time),
				Text: e.Text, at: e.Time, try: t, act: t.halt, check: c})
		case e.Kind == experiments.EventAborted:
			a.breaks = append(a.breaks, Break{Kind: "aborted", Assumption: e.Subject, AtS: a.off(e.Time),
				Text: e.Text, at: e.Time, act: a.blame(e.Time)})
		}
	}
	for _, eps := range a.eps {
		for _, ep := range eps {
			if ep.end.IsZero() {
				ep.end = a.end
			}
			ep.worst = a.worst(ep.check, ep.start, ep.end)
		}
	}
	for i := range a.checks {
		c := &a.checks[i]
		if c.Kind != experiments.AssumeRecovery || a.finalStatus(c.Name) != assume.StatusRecovering {
			continue
		}
		halt := a.lastHalt(a.end)
		if ts := a.tries[c.Name]; halt != nil && (len(ts) == 0 || ts[len(ts)-1].halt != halt) {
			a.tries[c.Name] = append(ts, &attempt{halt: halt, pending: true})
		}
	}
}

// sampleAt is the index of the first sample at or after t.
func (a *analysis) sampleAt(t time.Time) int {
	return sort.Search(len(a.j.Samples), func(i int) bool { return !a.j.Samples[i].T.Before(t) })
}

// valueAt is an assumption's value in the sample at t (NaN: none).
func (a *analysis) valueAt(name string, t time.Time) float64 {
	if i := a.sampleAt(t); i < len(a.j.Samples) {
		if c, ok := a.j.Samples[i].Assumptions[name]; ok && c.Value != nil {
			return *c.Value
		}
	}
	return math.NaN()
}

// worst is an assumption's worst sampled value from from to to.
func (a *analysis) worst(c *journal.Check, from, to time.Time) float64 {
	w := math.NaN()
	for _, s := range a.j.Samples[a.sampleAt(from):] {
		if s.T.After(to) {
			break
		}
		if sc, ok := s.Assumptions[c.Name]; ok && sc.Value != nil && (math.IsNaN(w) || worse(c, *sc.Value, w)) {
			w = *sc.Value
		}
	}
	return w
}

func worse(c *journal.Check, v, w float64) bool {
	if c.Op == experiments.Above || c.Op == experiments.AboveOrEqual {
		return v < w
	}
	return v > w
}

// finalStatus is an assumption's status in the last sample that judged it.
func (a *analysis) finalStatus(name string) assume.Status {
	for i := len(a.j.Samples) - 1; i >= 0; i-- {
		if c, ok := a.j.Samples[i].Assumptions[name]; ok {
			return c.Status
		}
	}
	return assume.StatusWaiting
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

// timeline lists every event.
func (a *analysis) timeline() []Entry {
	out := []Entry{}
	for _, e := range a.events {
		out = append(out, Entry{AtS: a.off(e.Time), Kind: string(e.Kind), Subject: e.Subject, Text: e.Text, Bad: e.Bad()})
	}
	return out
}
