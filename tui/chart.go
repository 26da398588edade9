package tui

import (
	"math"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
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
}

// tick is the time unit on the chart's X axis: ntcharts keeps whole
// seconds, so X carries tenths of a second since the session started.
const tick = 100 * time.Millisecond

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
		tslc.WithXLabelFormatter(func(_ int, v float64) string { return clock(time.Duration(v) * tick) }),
		tslc.WithYLabelFormatter(func(_ int, v float64) string { return unit.Short(v) }),
		tslc.WithAxesStyles(m.styles.Axis, m.styles.Axis),
		tslc.WithXYSteps(max(8, cw/6), 2),
	)
	for i, s := range m.spec.Series {
		m.chart.SetDataSetStyle(s.Label, m.styles.SeriesStyle(i))
	}
}

// viewRange is the chart's time window: it fills from the left until the
// session is older than the window, then slides.
func viewRange(s *session.Snapshot) (time.Time, time.Time) {
	from := s.WindowStart
	if from.IsZero() {
		from = s.Started
	}
	if s.Now.Sub(from) < s.Window {
		return from, from.Add(s.Window)
	}
	return s.Now.Add(-s.Window), s.Now
}

func xTime(s *session.Snapshot, t time.Time) time.Time {
	return time.Unix(int64(t.Sub(s.Started)/tick), 0)
}

// SetSnapshot draws the chart from a snapshot.
func (m *ChartModel) SetSnapshot(s *session.Snapshot) {
	if m.w < 10 || m.h < 6 {
		m.lines = blank(m.w, m.h)
		return
	}
	from, to := viewRange(s)
	thresholds := chartThresholds(m.spec, s.Assumptions)
	top := 0.0
	for _, cs := range m.spec.Series {
		for _, p := range s.Series[cs.Series] {
			top = math.Max(top, p.V)
		}
	}
	for _, t := range thresholds {
		top = math.Max(top, t*1.25)
	}
	c := &m.chart
	need := math.Max(top*1.1, minTop(m.spec.Unit))
	top = niceTop(need, c.GraphHeight())
	if m.spec.Unit == experiments.UnitPercent && need <= 110 && top > 100 {
		top = 100 // a rate never goes past 100 %
	}

	c.ClearAllData()
	x0, x1 := xTime(s, from), xTime(s, to)
	c.SetTimeRange(x0, x1)
	c.SetViewTimeRange(x0, x1)
	c.SetYRange(0, top)
	c.SetViewYRange(0, top)
	var names []string
	for _, cs := range m.spec.Series {
		pts := s.Series[cs.Series]
		if len(pts) == 0 {
			continue
		}
		names = append(names, cs.Label)
		for _, p := range pts {
			c.PushDataSet(cs.Label, tslc.TimePoint{Time: xTime(s, p.T), Value: p.V})
		}
	}
	if len(names) > 0 {
		c.DrawBrailleDataSets(names) // clears and draws the axes first
	} else {
		c.Clear()
		c.DrawXYAxisAndLabel()
	}
	for _, t := range thresholds {
		m.drawThreshold(t, top)
	}
	m.lines = frame(m.styles, m.title(s), append(m.styles.ink.canvas(&c.Canvas), m.strip(s, from, to)), m.w, m.h)
}

// drawThreshold draws a dashed line at value v on the empty cells.
func (m *ChartModel) drawThreshold(v, top float64) {
	c := &m.chart
	o := c.Origin()
	row := o.Y - int(math.Round(v/top*float64(c.GraphHeight())))
	if row < 0 || row >= o.Y {
		return
	}
	for x := o.X + 1; x < c.Width(); x++ {
		p := canvas.Point{X: x, Y: row}
		if r := c.Canvas.Cell(p).Rune; r == runes.Null || r == ' ' {
			c.Canvas.SetCell(p, canvas.NewCellWithStyle('┄', m.styles.Threshold))
		}
	}
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
				if w.Index > 8 {
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
			v = m.spec.Unit.Format(pts[len(pts)-1].V)
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
