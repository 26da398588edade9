package tui

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
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
	// gutter is the width of the Y labels: the same for every chart of
	// the cockpit, so that their time axes line up column for column.
	gutter int
	// What prepare found for the snapshot at hand: its axes and
	// thresholds.
	ta         timeAxis
	ax         yAxis
	thresholds []float64
	// colours maps a series to its colour, the same on every chart.
	colours map[string]int
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
		tslc.WithYLabelFormatter(func(_ int, v float64) string { return pad(axisLabel(unit, v, 0), m.gutter) }),
		tslc.WithAxesStyles(m.styles.Axis, m.styles.Axis),
		tslc.WithXYSteps(max(8, cw/6), 2),
	)
	// Every value pushed is inside the ranges set: nothing may move them.
	m.chart.AutoMinX, m.chart.AutoMaxX, m.chart.AutoMinY, m.chart.AutoMaxY = false, false, false, false
	for i, s := range m.spec.Series {
		m.chart.SetDataSetStyle(s.Label, m.styles.SeriesStyle(m.colour(i)))
		m.chart.SetDataSetStyle(s.Label+pastSuffix, m.styles.Muted)
	}
}

// pastSuffix names a series' points from before the session (a PromQL
// probe's history): drawn grey, left of 0:00, as context; never judged.
const pastSuffix = " (before the session)"

// colour is the colour index of the chart's i-th series: the cockpit's
// for its series name when it has one, else its place on the chart.
func (m *ChartModel) colour(i int) int {
	if c, ok := m.colours[m.spec.Series[i].Series]; ok {
		return c
	}
	return i
}

// pad right-aligns a label in width cells.
func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}

// SetSnapshot draws the chart from a snapshot, with its own gutter.
func (m *ChartModel) SetSnapshot(s *session.Snapshot) {
	m.prepare(s)
	m.draw(s, m.naturalGutter())
}

// prepare finds the chart's axes for a snapshot, before the cockpit
// agrees on the gutter every chart draws with.
func (m *ChartModel) prepare(s *session.Snapshot) {
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
	m.ta, m.thresholds = ta, thresholds
	m.ax = newYAxis(m.spec.Unit, lo, hi, max(m.h-3, 1)-2)
}

// naturalGutter is the width the chart's Y labels need, as the chart
// library measures it: every other row from the bottom.
func (m *ChartModel) naturalGutter() int {
	rows := max(m.h-3, 1) - 2
	span := m.ax.hi - m.ax.lo
	width := 0
	for i := 0; i <= rows; i += 2 {
		v := m.ax.lo + span/float64(max(rows, 1))*float64(i)
		width = max(width, len(axisLabel(m.spec.Unit, v, span)))
	}
	return width
}

// draw draws the prepared chart with its Y labels gutter cells wide.
func (m *ChartModel) draw(s *session.Snapshot, gutter int) {
	if m.w < 10 || m.h < 6 {
		m.lines = blank(m.w, m.h)
		return
	}
	ta, ax, thresholds := m.ta, m.ax, m.thresholds
	c := &m.chart
	m.gutter = gutter
	unit, span := m.spec.Unit, ax.hi-ax.lo
	c.YLabelFormatter = func(_ int, v float64) string { return pad(axisLabel(unit, v, span), gutter) }

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
		pts := s.Series[cs.Series]
		k := sort.Search(len(pts), func(i int) bool { return !pts[i].T.Before(s.Started) })
		if k > 0 && m.plot(cs.Label+pastSuffix, pts[:k], &ta, ax, off) > 0 {
			names = append(names, cs.Label+pastSuffix)
		}
		if m.plot(cs.Label, pts[k:], &ta, ax, off) > 0 {
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
	marks := m.faultColumns(s, ta.from, ta.to)
	m.shadeFaults(marks)
	m.lines = frame(m.styles, m.title(s), append(m.styles.ink.canvas(&c.Canvas), m.strip(s, marks)), m.w, m.h)
}

// Column marks of the fault windows: noFault, several, or the index into
// the snapshot's FaultWindows plus one.
const (
	noFault = 0
	future  = -1 // after now: nothing yet
	several = -2
)

// faultColumns says, for each column of the graph, which fault window
// was on then.
func (m *ChartModel) faultColumns(s *session.Snapshot, from, to time.Time) []int {
	c := &m.chart
	gx := c.Origin().X + 1
	gw := c.Width() - gx
	if gw <= 0 {
		return nil
	}
	marks := make([]int, gw)
	span := to.Sub(from) / time.Duration(gw)
	for i := range marks {
		t0 := from.Add(span * time.Duration(i))
		t1 := t0.Add(span)
		if t0.After(s.Now) {
			marks[i] = future
			continue
		}
		for k, w := range s.FaultWindows {
			end := w.End
			if end.IsZero() {
				end = s.Now
			}
			if w.Start.Before(t1) && !end.Before(t0) {
				if marks[i] != noFault && s.FaultWindows[marks[i]-1].Block != w.Block {
					marks[i] = several
					break
				}
				marks[i] = k + 1
			}
		}
	}
	return marks
}

// shadeFaults draws the fault windows as bands behind the data: the
// graph's cells in those columns take the band's background.
func (m *ChartModel) shadeFaults(marks []int) {
	c := &m.chart
	gx := c.Origin().X + 1
	for i, mk := range marks {
		if mk == noFault || mk == future {
			continue
		}
		for y := 0; y < c.Origin().Y; y++ {
			p := canvas.Point{X: gx + i, Y: y}
			cell := c.Canvas.Cell(p)
			cell.Style = cell.Style.Background(m.styles.Palette.Band)
			c.Canvas.SetCell(p, cell)
		}
	}
}

// strip names, under the graph, the block that was on: its name across
// its band where it fits, else its catalog number; + where several were.
// It says in words what the bands say in colour, for a terminal without.
func (m *ChartModel) strip(s *session.Snapshot, marks []int) string {
	c := &m.chart
	gx := c.Origin().X + 1
	if len(marks) == 0 {
		return ""
	}
	label := "fault"
	if len(label) > gx {
		label = ""
	}
	var b strings.Builder
	b.WriteString(m.styles.Paint(m.styles.FaultStrip, strings.Repeat(" ", gx-len(label))+label))
	for i := 0; i < len(marks); {
		j := i
		for j < len(marks) && marks[j] == marks[i] {
			j++
		}
		n := j - i
		switch mk := marks[i]; mk {
		case future:
			b.WriteString(strings.Repeat(" ", n))
		case noFault:
			b.WriteString(m.styles.Paint(m.styles.FaultStrip, strings.Repeat("·", n)))
		case several:
			b.WriteString(m.styles.Paint(m.styles.FaultMarker, strings.Repeat("+", n)))
		default:
			w := s.FaultWindows[mk-1]
			text := w.Block
			if n < 4 || len([]rune(text)) > n && n < 6 {
				text = strconv.Itoa(w.Index + 1)
			}
			if n > 1 {
				text = "▕" + text
			}
			b.WriteString(m.styles.Paint(m.styles.FaultMarker, fit(text, n)))
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
		parts = append(parts, m.styles.SeriesStyle(m.colour(i)).Render(cs.Label)+" "+m.styles.Text.Render(v))
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

// seriesColours gives each series one colour on every chart: in the order
// the charts first name them.
func seriesColours(charts []experiments.Chart) map[string]int {
	out := map[string]int{}
	for _, c := range charts {
		for _, s := range c.Series {
			if _, ok := out[s.Series]; !ok {
				out[s.Series] = len(out)
			}
		}
	}
	return out
}
