package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gameday-dev/gameday/experiments/report/internal/svgaxis"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// Chart is one of the header's charts, drawn from the journal's samples
// as SVG: a line per series, time on x, the fault windows shaded and the
// thresholds of the assumptions on its series dashed.
type Chart struct {
	Title string
	File  string // the SVG's name next to report.md: chart-1.svg
	Unit  string // ms, %, req/s or empty
	// Series are the chart's lines as drawn, for other views of the run
	// (a comparison of runs): at most two points a pixel of the chart.
	Series []Series
	// Thresholds are those of the assumptions that judge the chart's
	// series, drawn dashed.
	Thresholds []Threshold
	view       chartView
}

// Series is one line of a chart.
type Series struct {
	Label  string // as the legend says it
	Series string // the series' name in the samples
	Points []Point
}

// Point is a point of a line: seconds since the start, and the value,
// which may be infinite (drawn at the edge of the axis) but never NaN.
type Point struct {
	T, V float64
	// Break: the line breaks before this point (no value, or no sample,
	// for a while).
	Break bool
}

// Threshold is an assumption's threshold on a chart: "checkout p99 < 250
// ms" at 250.
type Threshold struct {
	Label string
	Value float64
}

// SVG writes the chart as a standalone SVG file.
func (c Chart) SVG(w io.Writer) error {
	v := c.view
	v.Standalone = true
	return pages.ExecuteTemplate(w, "svg", v)
}

// The geometry of a chart, in SVG user units.
const (
	chartW, chartH = 960, 280
	plotX0, plotX1 = 58, chartW - 18
	plotY0, plotY1 = 10, chartH - 58
)

var (
	lineColours  = []string{"#1f6fb4", "#d1495b", "#2a9d5c", "#8e5cc2", "#e07b1a", "#6b4f3a"}
	shadeColours = []string{"#f3c677", "#9cc5e8", "#c7b8e6", "#a8dcb9", "#f2a7a7", "#d0d0d0"}
)

type chartView struct {
	Title      string
	W, H       float64
	X0, X1     float64
	Y0, Y1     float64
	Shades     []shade
	XTicks     []tick
	YTicks     []tick
	Lines      []line
	Thresholds []thresholdLine
	Legend     []legendItem
	Empty      bool
	Stats      []seriesStat // for readers of report.md
	Standalone bool         // an SVG file of its own, not inside report.html
}

// seriesStat sums a series up in words: its range and its peak.
type seriesStat struct {
	Label, Series, Min, Max, MaxAt string
}

type shade struct {
	X, W, LabelY float64
	Label, Fill  string
}

type tick struct {
	Pos   float64
	Label string
}

// line is a series: its path, and the marks of its values beyond the
// axis.
type line struct {
	Path, Marks, Colour, Label string
}

// thresholdLine is a threshold's dashed line.
type thresholdLine struct {
	Y, LabelX float64
	Label     string
}

type legendItem struct {
	X             float64
	Colour, Label string
	Dashed        bool
}

// charts draws the header's charts.
func (a *analysis) charts() []Chart {
	var out []Chart
	for i := range a.accs {
		c := &a.accs[i]
		drawn := a.drawn(c) // once: the view and the series share them
		out = append(out, Chart{Title: c.chart.Title, File: fmt.Sprintf("chart-%d.svg", i+1), Unit: string(c.chart.Unit),
			Series: chartSeries(c, drawn), Thresholds: a.thresholds(c.chart), view: a.chart(c, drawn)})
	}
	return out
}

// drawn are the points of each of a chart's series as drawn: at most
// two a pixel.
func (a *analysis) drawn(acc *chartAcc) [][]point {
	span := math.Max(a.end.Sub(a.start).Seconds(), 1)
	out := make([][]point, len(acc.chart.Series))
	for i := range acc.chart.Series {
		pts := acc.series[i].points()
		if len(pts) > int(2*(plotX1-plotX0)) {
			pts = thin(pts, span, plotX1-plotX0)
		}
		out[i] = pts
	}
	return out
}

// chartSeries are a chart's lines as drawn.
func chartSeries(acc *chartAcc, drawn [][]point) []Series {
	var out []Series
	for i, cs := range acc.chart.Series {
		label := cs.Label
		if label == "" {
			label = cs.Series
		}
		pts := drawn[i]
		s := Series{Label: label, Series: cs.Series, Points: make([]Point, len(pts))}
		for k, p := range pts {
			s.Points[k] = Point{T: p.t, V: p.v, Break: p.brk}
		}
		out = append(out, s)
	}
	return out
}

// thresholds are the thresholds of the assumptions that judge a chart's
// series (in its unit).
func (a *analysis) thresholds(c experiments.Chart) []Threshold {
	var out []Threshold
	for i := range a.checks {
		ck := &a.checks[i]
		if ck.Kind != experiments.AssumeThreshold || ck.Unit != c.Unit || !onChart(ck, c) || math.IsNaN(ck.Threshold) {
			continue
		}
		out = append(out, Threshold{Label: ck.Name + " " + budgetOf(ck), Value: ck.Threshold})
	}
	return out
}

func (a *analysis) chart(acc *chartAcc, drawn [][]point) chartView {
	c := acc.chart
	v := chartView{Title: c.Title, W: chartW, H: chartH, X0: plotX0, X1: plotX1, Y0: plotY0, Y1: plotY1}
	span := math.Max(a.end.Sub(a.start).Seconds(), 1)
	lo, hi := 0.0, math.Inf(-1)
	for _, s := range acc.series {
		if s.finite {
			lo, hi = math.Min(lo, svgaxis.Clamp(s.lo.v)), math.Max(hi, svgaxis.Clamp(s.hi.v))
		}
	}
	v.Empty = math.IsInf(hi, -1)
	var lines []thresholdLine
	var ths []float64
	for _, t := range a.thresholds(c) {
		th := svgaxis.Clamp(t.Value)
		lines = append(lines, thresholdLine{Label: t.Label})
		ths = append(ths, th)
		lo, hi = math.Min(lo, th), math.Max(hi, th)
	}
	lo, hi, step := svgaxis.Range(lo, hi)
	x := func(t float64) float64 {
		return math.Max(plotX0, math.Min(plotX1, plotX0+t/span*(plotX1-plotX0)))
	}
	y := func(val float64) float64 {
		return plotY1 - (math.Max(lo, math.Min(hi, val))-lo)/(hi-lo)*(plotY1-plotY0)
	}
	for _, val := range svgaxis.Ticks(lo, hi, step) {
		v.YTicks = append(v.YTicks, tick{Pos: svgaxis.Round1(y(val)), Label: svgaxis.Label(c.Unit, val, step)})
	}
	xstep := svgaxis.TimeStep(span)
	for t := 0.0; t <= span+1e-9; t += xstep {
		v.XTicks = append(v.XTicks, tick{Pos: svgaxis.Round1(x(t)), Label: axisClock(t)})
	}
	v.Shades = a.shades(x)
	legendX := float64(plotX0)
	for i, cs := range c.Series {
		label := cs.Label
		if label == "" {
			label = cs.Series
		}
		colour := lineColours[i%len(lineColours)]
		s := &acc.series[i]
		path, marks := draw(drawn[i], x, y, lo, hi)
		v.Lines = append(v.Lines, line{Path: path, Marks: marks, Colour: colour, Label: label})
		if s.finite {
			v.Stats = append(v.Stats, seriesStat{Label: label, Series: cs.Series, Min: format(c.Unit, s.lo.v),
				Max: format(c.Unit, s.hi.v), MaxAt: clock(s.hi.t)})
		}
		v.Legend = append(v.Legend, legendItem{X: legendX, Colour: colour, Label: label})
		legendX += 44 + svgaxis.TextWidth(label)
	}
	for i := range lines {
		lines[i].Y = svgaxis.Round1(y(ths[i]))
		lines[i].LabelX = plotX1 - 4
		v.Legend = append(v.Legend, legendItem{X: legendX, Colour: "#333", Label: lines[i].Label, Dashed: true})
		legendX += 44 + svgaxis.TextWidth(lines[i].Label)
	}
	v.Thresholds = lines
	return v
}

// draw renders points as an SVG path, a new stroke after each break (a
// lone point is a dot), and marks each value beyond the axis (lo..hi) with
// a triangle at the edge it is clamped to.
func draw(pts []point, x, y func(float64) float64, lo, hi float64) (path, marks string) {
	var b, m strings.Builder
	for k, p := range pts {
		px, py := x(p.t), y(p.v)
		if math.IsNaN(px) || math.IsNaN(py) {
			continue // never: x and y clamp; but never NaN into an SVG either
		}
		alone := (k == 0 || p.brk) && (k == len(pts)-1 || pts[k+1].brk)
		switch {
		case k == 0 || p.brk:
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "M%.1f,%.1f", px, py)
			if alone {
				b.WriteString(" h0")
			}
		default:
			fmt.Fprintf(&b, " L%.1f,%.1f", px, py)
		}
		switch {
		case p.v > hi || p.v > svgaxis.MaxValue:
			fmt.Fprintf(&m, "M%.1f,%.1f l-4,8 h8 z ", px, py)
		case p.v < lo || p.v < -svgaxis.MaxValue:
			fmt.Fprintf(&m, "M%.1f,%.1f l-4,-8 h8 z ", px, py)
		}
	}
	return b.String(), strings.TrimSpace(m.String())
}

// thin keeps at most two points (the lowest and the highest, in order)
// per horizontal pixel, so a long game day stays a small SVG; a pixel
// with a break in its points starts a new stroke.
func thin(pts []point, span, width float64) []point {
	var out []point
	col := -1
	var lo, hi point
	brk := false
	flush := func() {
		if col < 0 {
			return
		}
		if lo.t > hi.t {
			lo, hi = hi, lo
		}
		lo.brk, hi.brk = brk, false
		out = append(out, lo)
		if !hi.same(lo) {
			out = append(out, hi)
		}
	}
	for _, p := range pts {
		c := int(p.t / span * width)
		if c != col {
			flush()
			col, lo, hi, brk = c, p, p, p.brk
			continue
		}
		if p.v < lo.v {
			lo = p
		}
		if p.v > hi.v {
			hi = p
		}
		brk = brk || p.brk
	}
	flush()
	return out
}

// format renders a value for the charts' words: as its unit does, but a
// huge one in powers of ten.
func format(u experiments.Unit, v float64) string {
	if math.Abs(v) < 1e15 {
		return u.Format(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + svgaxis.UnitSuffix(u, " ")
}

// shades are the fault windows, with their labels stacked in rows so that
// they do not overlap.
func (a *analysis) shades(x func(float64) float64) []shade {
	var out []shade
	var rowEnd []float64
	colour := map[string]string{}
	for i, b := range a.h.Blocks {
		colour[b.Name] = shadeColours[i%len(shadeColours)]
	}
	for i, act := range a.acts {
		if i == maxShades {
			break
		}
		stop := a.end
		if !act.stop.IsZero() {
			stop = act.stop
		}
		x0, x1 := x(act.start.Sub(a.start).Seconds()), x(stop.Sub(a.start).Seconds())
		row := 0
		for row < len(rowEnd) && rowEnd[row] > x0 && row < maxShadeRows-1 {
			row++
		}
		if row == len(rowEnd) {
			rowEnd = append(rowEnd, 0)
		}
		rowEnd[row] = x0 + svgaxis.TextWidth(act.block.Name) + 8
		fill := colour[act.block.Name]
		if fill == "" {
			fill = shadeColours[len(shadeColours)-1]
		}
		out = append(out, shade{X: svgaxis.Round1(x0), W: svgaxis.Round1(math.Max(x1-x0, 1)), LabelY: float64(plotY0 + 12 + 13*row),
			Label: act.block.Name, Fill: fill})
	}
	return out
}

// A chart shades at most maxShades fault windows, their labels in at
// most maxShadeRows rows.
const maxShades, maxShadeRows = 500, 12

// onChart reports whether an assumption judges one of the chart's series:
// the series itself, or a load's series of the same aggregate
// (checkout p99 on checkout.p99).
func onChart(c *journal.Check, ch experiments.Chart) bool {
	for _, s := range ch.Series {
		switch s.Series {
		case c.Series:
			return true
		case c.Series + "." + string(c.Aggregate):
			return c.Aggregate != ""
		case c.Series + experiments.SeriesThroughput:
			return c.Aggregate == experiments.AggRate
		}
	}
	return false
}

// budgetOf is an assumption's threshold as a condition: "< 250 ms".
func budgetOf(c *journal.Check) string {
	return string(c.Op) + " " + c.Unit.Format(c.Threshold)
}

// axisClock renders an offset as mm:ss.
func axisClock(s float64) string {
	n := int64(math.Round(s))
	return fmt.Sprintf("%02d:%02d", n/60, n%60)
}
