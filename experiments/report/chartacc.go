package report

import (
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// A chart 884 pixels wide shows at most two points a pixel (the lowest
// and the highest), and no more is kept of a series: its points while
// they are few (rawPoints), then the lowest and the highest point of each
// of at most nBuckets time buckets, which double in width as the game day
// goes on. A spike survives a journal of any length; the memory of a
// chart does not grow with it.
//
//	sample ──▶ raw points ──(more than rawPoints)──▶ buckets (min, max)
//	                                  └──(past the last)──▶ twice as wide
//
// A series with no value in a sample (or NaN) breaks its line there; so
// does a stretch without samples longer than gapIntervals intervals.
const (
	rawPoints    = 4096
	nBuckets     = 4096
	gapIntervals = 10
)

// point is a point of a series: seconds since the start, and its value.
type point struct {
	t, v float64
	brk  bool // the line breaks before it
}

func (p point) same(q point) bool { return p.t == q.t && p.v == q.v }

// bucket holds the lowest and the highest point of a stretch of time (the
// first of each, as thin keeps them).
type bucket struct {
	lo, hi point
	brk    bool // a break before one of its points
	n      int
}

func (b *bucket) add(p point) {
	if b.n == 0 {
		b.lo, b.hi = p, p
	}
	if p.v < b.lo.v {
		b.lo = p
	}
	if p.v > b.hi.v {
		b.hi = p
	}
	b.brk = b.brk || p.brk
	b.n++
}

func merge(a, b bucket) bucket {
	switch {
	case a.n == 0:
		return b
	case b.n == 0:
		return a
	}
	m := a
	if b.lo.v < m.lo.v {
		m.lo = b.lo
	}
	if b.hi.v > m.hi.v {
		m.hi = b.hi
	}
	m.brk, m.n = a.brk || b.brk, a.n+b.n
	return m
}

// seriesAcc gathers one series of a chart.
type seriesAcc struct {
	raw    []point
	bk     []bucket // nil while the points are raw
	width  float64  // of a bucket, in seconds
	last   float64  // the last point's time
	has    bool     // a point yet
	gap    bool     // no value since the last point
	lo, hi point    // the lowest and the highest finite point
	finite bool
}

func (s *seriesAcc) add(t, v, gapAfter float64) {
	if math.IsNaN(v) {
		s.gap = true
		return
	}
	p := point{t: t, v: v, brk: s.gap || s.has && gapAfter > 0 && t-s.last > gapAfter}
	s.gap, s.last, s.has = false, t, true
	if !math.IsInf(v, 0) {
		switch {
		case !s.finite:
			s.lo, s.hi, s.finite = p, p, true
		case v < s.lo.v:
			s.lo = p
		case v > s.hi.v:
			s.hi = p
		}
	}
	if s.bk == nil {
		s.raw = append(s.raw, p)
		if len(s.raw) > rawPoints {
			s.toBuckets()
		}
		return
	}
	s.put(p)
}

// toBuckets turns the raw points into buckets, half of them used.
func (s *seriesAcc) toBuckets() {
	extent := 0.0
	for _, p := range s.raw {
		extent = math.Max(extent, p.t)
	}
	s.width = math.Max(extent/(nBuckets/2), 1e-3)
	s.bk = make([]bucket, 0, nBuckets)
	for _, p := range s.raw {
		s.put(p)
	}
	s.raw = nil
}

func (s *seriesAcc) put(p point) {
	i := s.index(p.t)
	for n := 0; i >= nBuckets; n++ {
		if n > 2000 {
			i = nBuckets - 1
			break
		}
		s.double()
		i = s.index(p.t)
	}
	for len(s.bk) <= i {
		s.bk = append(s.bk, bucket{})
	}
	s.bk[i].add(p)
}

func (s *seriesAcc) index(t float64) int {
	if !(t > 0) {
		return 0
	}
	f := t / s.width
	if f >= nBuckets {
		return nBuckets
	}
	return int(f)
}

// double makes each bucket twice as wide.
func (s *seriesAcc) double() {
	s.width *= 2
	n := (len(s.bk) + 1) / 2
	for i := range n {
		b := s.bk[2*i]
		if 2*i+1 < len(s.bk) {
			b = merge(b, s.bk[2*i+1])
		}
		s.bk[i] = b
	}
	clear(s.bk[n:])
	s.bk = s.bk[:n]
}

// points are the points to draw: every one while few, else the lowest
// and the highest of each bucket, in time order.
func (s *seriesAcc) points() []point {
	if s.bk == nil {
		return s.raw
	}
	var out []point
	for _, b := range s.bk {
		if b.n == 0 {
			continue
		}
		first, second := b.lo, b.hi
		if second.t < first.t {
			first, second = second, first
		}
		first.brk, second.brk = b.brk, false
		out = append(out, first)
		if !second.same(first) {
			out = append(out, second)
		}
	}
	return out
}

// chartAcc gathers a chart's series as the samples go by.
type chartAcc struct {
	chart    experiments.Chart // cleaned, for the report
	raw      []string          // each series' name as the samples write it
	series   []seriesAcc
	gapAfter float64 // seconds without a sample that break a line (0: none)
}

func (a *analysis) chartAccs(h *journal.Header) []chartAcc {
	gap := 0.0
	if iv := time.Duration(h.Interval); iv >= time.Millisecond && iv <= time.Hour {
		gap = gapIntervals * iv.Seconds()
	}
	var out []chartAcc
	for i, c := range h.Charts {
		acc := chartAcc{chart: a.h.Charts[i], series: make([]seriesAcc, len(c.Series)), gapAfter: gap}
		for _, cs := range c.Series {
			acc.raw = append(acc.raw, cs.Series)
		}
		out = append(out, acc)
	}
	return out
}

func (c *chartAcc) sample(s *journal.Sample, start time.Time) {
	t := s.T.Sub(start).Seconds()
	for i, name := range c.raw {
		v, ok := s.Series[name]
		if !ok {
			v = math.NaN()
		}
		c.series[i].add(t, v, c.gapAfter)
	}
}
