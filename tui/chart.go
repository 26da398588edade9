package tui

import (
	"math"
	"strings"
	"time"

	tslc "github.com/NimbleMarkets/ntcharts/linechart/timeserieslinechart"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

// ChartModel is one streaming chart: its series as braille lines over the
// sliding window, thresholds of the assumptions on them as a dashed line,
// and beneath it a strip that marks when each block's fault was on.
//
// Drawing costs about a millisecond, so it happens when a snapshot
// arrives (SetSnapshot), and View only returns the drawn text.
type ChartModel struct {
	styles *Styles
	spec   experiments.Chart
	chart  tslc.Model
	w, h   int
	lines  []string
	off    offScaleMarks // reused by every SetSnapshot
}

// NewChart returns a chart pane for spec.
func NewChart(st *Styles, spec experiments.Chart) ChartModel {
	return ChartModel{styles: st, spec: spec}
}

// SetSize sets the pane's outer size and rebuilds the chart canvas.
func (m *ChartModel) SetSize(w, h int) {
	if w == m.w && h == m.h {
		return
	}
	m.w, m.h = w, h
	m.lines = nil
	cw, ch := max(w-2, 1), max(h-3, 1)
	unit := m.spec.Unit
	m.chart = tslc.New(cw, ch,
		tslc.WithXLabelFormatter(func(_ int, v float64) string { return xLabel(v) }),
		tslc.WithYLabelFormatter(func(_ int, v float64) string { return axisLabel(unit, v, 0) }),
		tslc.WithAxesStyles(m.styles.Axis, m.styles.Axis),
		tslc.WithXYSteps(max(8, cw/6), 2),
	)
	// Every value pushed is inside the ranges set: nothing may move them.
	m.chart.AutoMinX, m.chart.AutoMaxX, m.chart.AutoMinY, m.chart.AutoMaxY = false, false, false, false
	for i, s := range m.spec.Series {
		m.chart.SetDataSetStyle(s.Label, m.styles.SeriesStyle(i))
	}
}

// SetSnapshot draws the chart from a snapshot.
func (m *ChartModel) SetSnapshot(s *session.Snapshot) {
	if m.w < 10 || m.h < 6 {
		m.lines = blank(m.w, m.h)
		return
	}
	ta := newTimeAxis(s)
	thresholds := chartThresholds(m.spec, s.Assumptions)
	// The axis spans the on-scale values in the window and the
	// thresholds, and always 0.
	lo, hi := 0.0, 0.0
	for _, cs := range m.spec.Series {
		for _, p := range s.Series[cs.Series] {
			if onScale(p.V) && ta.inside(ta.x(p.T)) {
				lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
			}
		}
	}
	for _, t := range thresholds {
		if onScale(t) {
			lo, hi = math.Min(lo, t*1.25), math.Max(hi, t*1.25)
		}
	}
	c := &m.chart
	ax := newYAxis(m.spec.Unit, lo, hi, c.GraphHeight())
	unit, span := m.spec.Unit, ax.hi-ax.lo
	c.YLabelFormatter = func(_ int, v float64) string { return axisLabel(unit, v, span) }

	c.ClearAllData()
	x0, x1 := time.Unix(int64(ta.x0), 0), time.Unix(int64(ta.x1), 0)
	c.SetTimeRange(x0, x1)
	c.SetViewTimeRange(x0, x1)
	c.SetYRange(ax.lo, ax.hi)
	c.SetViewYRange(ax.lo, ax.hi)
	if c.GraphWidth() < 1 || c.GraphHeight() < 1 { // not expected: labels are short
		m.lines = frame(m.styles, m.title(s), nil, m.w, m.h)
		return
	}
	off := m.off.reset(c.GraphWidth())
	var names []string
	for _, cs := range m.spec.Series {
		if m.plot(cs.Label, s.Series[cs.Series], &ta, ax, off) > 0 {
			names = append(names, cs.Label)
		}
	}
	if len(names) > 0 {
		c.DrawBrailleDataSets(names) // clears and draws the axes first
	} else {
		c.Clear()
		c.DrawXYAxisAndLabel()
	}
	for _, t := range thresholds {
		if !math.IsNaN(t) && !off.threshold(t, ax) {
			m.drawThreshold(t, ax)
		}
	}
	m.drawOffScale(off)
	m.lines = frame(m.styles, m.title(s), append(m.styles.ink.canvas(&c.Canvas), m.strip(s, ta.from, ta.to)), m.w, m.h)
}

// strip marks, under each column of the graph, which block was active
// then: its catalog number, or + when several were.
func (m *ChartModel) strip(s *session.Snapshot, from, to time.Time) string {
	c := &m.chart
	gx := c.Origin().X + 1
	gw := c.Width() - gx
	if gw <= 0 {
		return ""
	}
	label := "fault"
	if len(label) > gx {
		label = ""
	}
	marks := make([]byte, gw)
	span := to.Sub(from) / time.Duration(gw)
	for i := 0; i < gw; i++ {
		t0 := from.Add(span * time.Duration(i))
		t1 := t0.Add(span)
		if t0.After(s.Now) {
			marks[i] = ' '
			continue
		}
		mark := byte(0)
		for _, w := range s.FaultWindows {
			end := w.End
			if end.IsZero() {
				end = s.Now
			}
			if w.Start.Before(t1) && !end.Before(t0) {
				d := byte('1' + w.Index)
				if w.Index < 0 || w.Index > 8 {
					d = '#'
				}
				if mark != 0 && mark != d {
					d = '+'
				}
				mark = d
			}
		}
		if mark == 0 {
			mark = '.'
		}
		marks[i] = mark
	}
	// Write runs: quiet dots in one style, fault marks in another.
	var b strings.Builder
	b.WriteString(m.styles.Paint(m.styles.FaultStrip, strings.Repeat(" ", gx-len(label))+label))
	for i := 0; i < gw; {
		j := i
		quiet := marks[i] == '.' || marks[i] == ' '
		for j < gw && (marks[j] == '.' || marks[j] == ' ') == quiet {
			j++
		}
		run := string(marks[i:j])
		if quiet {
			b.WriteString(m.styles.Paint(m.styles.FaultStrip, strings.ReplaceAll(run, ".", "·")))
		} else {
			b.WriteString(m.styles.Paint(m.styles.FaultMarker, run))
		}
		i = j
	}
	return b.String()
}

// title shows the chart's name and the current value of each series.
func (m *ChartModel) title(s *session.Snapshot) string {
	parts := []string{m.styles.PaneTitle.Render(m.spec.Title)}
	for i, cs := range m.spec.Series {
		v := "–"
		if pts := s.Series[cs.Series]; len(pts) > 0 {
			v = formatValue(m.spec.Unit, pts[len(pts)-1].V)
		}
		parts = append(parts, m.styles.SeriesStyle(i).Render(cs.Label)+" "+m.styles.Text.Render(v))
	}
	return strings.Join(parts, "  ")
}

// View returns the chart drawn by the last SetSnapshot.
func (m *ChartModel) View() string { return strings.Join(m.Lines(), "\n") }

// Lines returns the chart drawn by the last SetSnapshot, a line per row.
func (m *ChartModel) Lines() []string {
	if len(m.lines) != m.h {
		return frame(m.styles, m.styles.PaneTitle.Render(m.spec.Title), []string{m.styles.Muted.Render("waiting for data…")}, m.w, m.h)
	}
	return m.lines
}

// chartThresholds are the thresholds of the threshold assumptions on the
// chart's series.
func chartThresholds(c experiments.Chart, states []assume.AssumptionState) []float64 {
	var out []float64
	for _, a := range states {
		if a.Kind != experiments.AssumeThreshold {
			continue
		}
		// An assumption on a load's p99 draws on the chart of the load's
		// p99 series; one on a series, on that series.
		// A rate or a slope is per second of the series: not a line on it.
		sameUnit := a.Aggregate != experiments.AggRate && a.Aggregate != experiments.AggSlope &&
			a.Aggregate != experiments.AggErrorRate
		for _, cs := range c.Series {
			if (cs.Series == a.Series && sameUnit) || cs.Series == a.Series+"."+string(a.Aggregate) {
				out = append(out, a.Threshold)
				break
			}
		}
	}
	return out
}

func minTop(u experiments.Unit) float64 {
	switch u {
	case experiments.UnitPercent:
		return 5
	default:
		return 10
	}
}

// niceTop picks the top of the Y axis so that the labels, every other
// row of a graph rows high, fall on round values.
func niceTop(need float64, rows int) float64 {
	if rows < 2 {
		return niceCeil(need)
	}
	steps := float64(rows) / 2
	return niceCeil(need/steps) * steps
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}
