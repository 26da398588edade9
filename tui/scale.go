package tui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// Any float64 may reach the cockpit: probes, scrapes, PromQL and journals
// pass NaN, ±Inf, 1e308 or 5e-324 through as they read them. A chart
// scales its value axis to the values it can draw readably, those no
// larger than offScale; the others are drawn at the edge of the graph,
// marked (▲ above, ▼ below) and named in a note ("▲ off scale: 1e308").
// NaN is a missing point.
//
//	probes.Point ──► timeAxis.x (ticks since the start, clipped to the window)
//	             └─► yAxis.clamp (into [lo, hi]; off scale: marked)
//	                        └─► ntcharts, which then only sees small numbers
//
// ntcharts sizes the gap left of its Y axis by the widest label and
// allocates the graph from what is left: an axis that reaches 1e308 has
// labels of 309 digits, a graph of negative width, and panics (makeslice:
// len out of range). It also draws a line between points one braille dot
// at a time, so a point far off the graph would cost a dot for every step
// of the way. Nothing unclamped reaches it.
const offScale = 1e15

// onScale reports whether v can be drawn on a chart's scale: false for
// NaN, ±Inf and magnitudes beyond offScale.
func onScale(v float64) bool { return math.Abs(v) <= offScale }

// yAxis is a chart's value axis, from lo to hi. The labels of every
// other row fall on round values.
type yAxis struct{ lo, hi float64 }

// newYAxis returns the axis for on-scale values that span [lo, hi]
// (lo <= 0 <= hi) on a graph rows high.
func newYAxis(u experiments.Unit, lo, hi float64, rows int) yAxis {
	need := math.Max(hi*1.1, minTop(u))
	if lo >= 0 {
		top := niceTop(need, rows)
		if u == experiments.UnitPercent && need <= 110 && top > 100 {
			top = 100 // a rate never goes past 100 %
		}
		return yAxis{0, top}
	}
	steps := 1.0
	if rows >= 2 {
		steps = float64(rows) / 2
	}
	needLo := lo * 1.1
	step := niceCeil((need - needLo) / steps)
	for range 8 { // each try takes the next round step: 1, 2, 2.5, 5, 10
		bottom := math.Floor(needLo/step) * step
		if top := bottom + step*steps; top >= need {
			return yAxis{bottom, top}
		}
		step = niceCeil(step * 1.01)
	}
	// Too few rows for round labels between the ends: round ends.
	return yAxis{-niceCeil(-needLo), niceCeil(need)}
}

// clamp returns v inside the axis; NaN is not expected.
func (a yAxis) clamp(v float64) float64 { return math.Min(math.Max(v, a.lo), a.hi) }

// axisLabel renders a Y axis label: the unit's short form while it is
// short, else an SI prefix ("2.5T", "40Ms"). Values within a rounding
// error of zero read 0, not -0.
func axisLabel(u experiments.Unit, v, span float64) string {
	if math.Abs(v) < span*1e-9 {
		v = 0
	}
	if s := u.Short(v); len(s) <= 6 {
		return s
	}
	suffix := ""
	switch u {
	case experiments.UnitMillis:
		v, suffix = v/1000, "s"
	case experiments.UnitPercent:
		suffix = "%"
	}
	return siNumber(v) + suffix
}

var siPrefixes = []struct {
	f float64
	p string
}{{1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}

// siNumber renders v with at most three significant digits and an SI
// prefix: 2.5k, 40M, 1.2P; beyond, in exponent form.
func siNumber(v float64) string {
	a := math.Abs(v)
	for _, p := range siPrefixes {
		if a >= p.f && a/p.f < 999.5 {
			return short3(v/p.f) + p.p
		}
	}
	if a < 999.5 {
		return short3(v)
	}
	return sci(v)
}

// short3 renders v (|v| < 1000) with at most three significant digits.
func short3(v float64) string {
	prec := 0
	if math.Abs(v) < 9.95 {
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if prec > 0 {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// sci renders v in exponent form with three significant digits: 1e308,
// -1.8e308, 2.5e-7.
func sci(v float64) string {
	s := strconv.FormatFloat(v, 'g', 3, 64)
	s = strings.Replace(s, "e+", "e", 1)
	s = strings.Replace(s, "e0", "e", 1)
	return strings.Replace(s, "e-0", "e-", 1)
}

// formatValue renders a value read from a series for the cockpit: the
// unit's own format for values it renders short, else "1e308 ms",
// "+Inf ms", "-Inf". NaN reads as the unit renders it ("–").
func formatValue(u experiments.Unit, v float64) string {
	if math.IsNaN(v) || math.Abs(v) < 1e9 {
		return u.Format(v)
	}
	s := sci(v)
	switch {
	case math.IsInf(v, 1):
		s = "+Inf"
	case math.IsInf(v, -1):
		s = "-Inf"
	}
	if u == experiments.UnitNone {
		return s
	}
	return s + " " + string(u)
}

// tick is the time unit on the chart's X axis: ntcharts keeps whole
// seconds, so X carries tenths of a second since the session started
// (see timeAxis).
const tick = 100 * time.Millisecond

const (
	// defaultWindow is the window of a snapshot that has none, as
	// experiments.(*Experiment).ChartWindow's default.
	defaultWindow = 3 * time.Minute
	// farOff is further from the start than any session runs: X is
	// counted from the window's start instead, since time.Sub saturates
	// about 292 years out.
	farOff = 100 * 365 * 24 * time.Hour
	// maxClock is the longest time the X axis labels as m:ss.
	maxClock = 1000 * time.Hour
)

// timeAxis maps times to the chart's X axis, in ticks since ref: the
// session's start, unless that is unset or too far from the window.
type timeAxis struct {
	ref, from, to time.Time
	x0, x1        float64 // from and to; x1 > x0
}

func newTimeAxis(s *session.Snapshot) timeAxis {
	from, to := viewRange(s)
	ref := s.Started
	if ref.IsZero() || far(from.Sub(ref)) || far(to.Sub(ref)) {
		ref = from
	}
	a := timeAxis{ref: ref, from: from, to: to}
	a.x0, a.x1 = a.x(from), a.x(to)
	if a.x1 <= a.x0 {
		a.x1 = a.x0 + 1
	}
	return a
}

func far(d time.Duration) bool { return d > farOff || d < -farOff }

// x is t on the axis, in whole ticks since ref.
func (a *timeAxis) x(t time.Time) float64 { return float64(t.Sub(a.ref) / tick) }

// inside reports whether x is within the window.
func (a *timeAxis) inside(x float64) bool { return x >= a.x0 && x <= a.x1 }

// viewRange is the chart's time window. It grows with the game day, in
// steps of growStep so that the axis does not rescale every frame, until
// it is as long as the window; then it slides. A fresh game day draws
// across the chart, not in its left sixth. A snapshot without a window
// gets the default one.
func viewRange(s *session.Snapshot) (time.Time, time.Time) {
	w := s.Window
	if w <= 0 {
		w = defaultWindow
	}
	from := s.WindowStart
	if from.IsZero() {
		from = s.Started
	}
	if age := s.Now.Sub(from); age < w {
		span := min(w, max(growStep, (age/growStep+1)*growStep))
		return from, from.Add(span)
	}
	return s.Now.Add(-w), s.Now
}

// growStep is how much a growing chart window grows at a time.
const growStep = 30 * time.Second

// xLabel renders an X axis label, v ticks after the start: m:ss, or
// whole hours past maxClock.
func xLabel(v float64) string {
	if lim := float64(maxClock / tick); v > -lim && v < lim {
		return clock(time.Duration(v) * tick)
	}
	return strconv.FormatFloat(v*float64(tick)/float64(time.Hour), 'f', 0, 64) + "h"
}
