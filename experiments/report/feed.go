package report

import (
	"container/heap"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// Read reads a journal as a stream and analyses it, keeping only what the
// report shows (see analysis): its memory does not grow with the length
// of the game day. Its error is the journal's (journal.LineError names
// the line).
func Read(r io.Reader) (*Report, error) {
	jr := journal.NewReader(r)
	var f *feed
	var end *journal.End
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
			f = &feed{a: newAnalysis(rec.Header)}
		case rec.Event != nil:
			f.push(item{t: rec.Event.Time, ev: *rec.Event})
		case rec.Sample != nil:
			f.push(item{t: rec.Sample.T, s: f.copy(rec.Sample)})
		case rec.End != nil:
			end = rec.End
		}
	}
	f.drain()
	return f.a.report(end), nil
}

// Build analyses a journal held in memory, as Read does a stream.
func Build(j *journal.Journal) *Report {
	a := newAnalysis(&j.Header)
	events := slices.Clone(j.Events)
	sort.SliceStable(events, func(i, k int) bool { return events[i].Time.Before(events[k].Time) })
	order := make([]int, len(j.Samples))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, k int) bool { return j.Samples[order[i]].T.Before(j.Samples[order[k]].T) })
	k := 0
	for _, i := range order {
		s := &j.Samples[i]
		for ; k < len(events) && !events[k].Time.After(s.T); k++ {
			a.event(events[k])
		}
		a.sample(s)
	}
	for ; k < len(events); k++ {
		a.event(events[k])
	}
	return a.report(j.End)
}

// feed puts the records of a stream in time order for the analysis, as
// Build sorts a journal in memory: a journal's events can come a little
// late (a fault's start is written when the loop hears of it, stamped
// with when it happened). Records wait up to feedSlack of journal time,
// events before the samples of their time; a record later than that is
// taken as it comes. At most feedSamples samples and feedEvents events
// wait, whatever the times say.
//
//	records ──▶ heap by (time, event first, arrival) ──▶ analysis
type feed struct {
	a       *analysis
	q       queue
	seq     int
	latest  time.Time
	samples int
	free    []*held
}

// held is a sample waiting in the feed, with room for its values.
type held struct {
	journal.Sample
	values []float64
}

const (
	feedSlack   = 2 * time.Second
	feedSamples = 16
	feedEvents  = 4096
)

type item struct {
	t   time.Time
	seq int
	ev  experiments.Event
	s   *held // nil: an event
}

func (f *feed) push(it item) {
	f.seq++
	it.seq = f.seq
	heap.Push(&f.q, it)
	if it.s != nil {
		f.samples++
	}
	f.latest = later(f.latest, it.t)
	due := f.latest.Add(-feedSlack)
	for f.q.Len() > 0 {
		top := f.q[0]
		if top.t.After(due) && f.samples <= feedSamples && f.q.Len()-f.samples <= feedEvents {
			return
		}
		f.pop()
	}
}

func (f *feed) pop() {
	it := heap.Pop(&f.q).(item)
	if it.s == nil {
		f.a.event(it.ev)
		return
	}
	f.samples--
	f.a.sample(&it.s.Sample)
	f.free = append(f.free, it.s)
}

// drain passes on every record that waits.
func (f *feed) drain() {
	for f.q.Len() > 0 {
		f.pop()
	}
}

// copy copies a sample that the Reader will reuse, into one of its own.
func (f *feed) copy(s *journal.Sample) *held {
	var c *held
	if n := len(f.free); n > 0 {
		c, f.free = f.free[n-1], f.free[:n-1]
	} else {
		c = &held{Sample: journal.Sample{Series: map[string]float64{}, Assumptions: map[string]journal.SampleCheck{},
			Active: map[string]float64{}}} // the analysis reads no loads
	}
	c.Type, c.T = s.Type, s.T
	clear(c.Series)
	for k, v := range s.Series {
		c.Series[k] = v
	}
	clear(c.Active)
	for k, v := range s.Active {
		c.Active[k] = v
	}
	clear(c.Assumptions)
	if cap(c.values) < len(s.Assumptions) {
		c.values = make([]float64, 0, len(s.Assumptions))
	}
	c.values = c.values[:0]
	for k, v := range s.Assumptions {
		if v.Value != nil {
			c.values = append(c.values, *v.Value) // within its capacity: the pointers stay good
			v.Value = &c.values[len(c.values)-1]
		}
		c.Assumptions[k] = v
	}
	return c
}

// queue orders the waiting records: by time, events before the samples
// of their time, then as they came.
type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, k int) bool {
	a, b := &q[i], &q[k]
	if !a.t.Equal(b.t) {
		return a.t.Before(b.t)
	}
	if (a.s == nil) != (b.s == nil) {
		return a.s == nil
	}
	return a.seq < b.seq
}
func (q queue) Swap(i, k int) { q[i], q[k] = q[k], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	old[len(old)-1] = item{}
	*q = old[:len(old)-1]
	return it
}

// report ends the analysis and makes the report.
func (a *analysis) report(end *journal.End) *Report {
	a.finish(end)
	h := &a.h
	r := &Report{
		Schema: 1, Gameday: h.Gameday,
		Experiment: Experiment{Name: h.Name, Description: h.Description, Hypothesis: h.Hypothesis, Case: h.Case, Matrix: h.Matrix,
			File: h.File},
		Started: h.Started, DurationS: a.off(a.end),
		Faults: a.faults(), Cascade: a.cascade(), Recoveries: a.recoveries(),
	}
	var omitted int
	r.Timeline, r.timelineCut, omitted = a.entries()
	r.Findings, r.ActionItems = a.findings, a.actions
	for i := range a.checks {
		r.Assumptions = append(r.Assumptions, a.assumption(i))
	}
	switch {
	case a.endRec == nil:
		r.Verdict, r.Symbol = Incomplete, "!"
	case a.endRec.Verdict == assume.VerdictAborted:
		r.Verdict, r.Symbol, r.Aborted = Aborted, "!", a.endRec.Aborted
	case a.endRec.Verdict == assume.VerdictFailed:
		r.Verdict, r.Symbol = Failed, "✗"
	default:
		r.Verdict, r.Symbol = Passed, "✓"
	}
	r.Suggestions = suggest(a, r.Cascade)
	r.Headline = headline(a, r)
	r.Charts = a.charts()
	if omitted > 0 {
		r.LeftOut = append(r.LeftOut, fmt.Sprintf("The timeline shows the first %d and the last %d of %d events.",
			len(a.head), len(a.tail), a.events))
		r.timelineOmitted = omitted
	}
	if n := a.leftOut.acts; n > 0 {
		r.LeftOut = append(r.LeftOut, fmt.Sprintf("%d fault activations after the first %d are left out.", n, maxActivations))
	}
	if n := a.leftOut.breaks; n > 0 {
		r.LeftOut = append(r.LeftOut, fmt.Sprintf("%d breakages and recoveries after the first %d are left out of the cascade.", n, maxBreaks))
	}
	return r
}
