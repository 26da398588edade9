package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// Chart is one of the header's charts, drawn from the journal's samples
// as SVG: a line per series, time on x, the fault windows shaded and the
// thresholds of the assumptions on its series dashed.
type Chart struct {
	Title string
	File  string // the SVG's name next to report.md: chart-1.svg
	view  chartView
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

type line struct {
	Points, Colour, Label string
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

type point struct{ t, v float64 }

// charts draws the header's charts.
func (a *analysis) charts() []Chart {
	var out []Chart
	for i, c := range a.j.Header.Charts {
		out = append(out, Chart{Title: c.Title, File: fmt.Sprintf("chart-%d.svg", i+1), view: a.chart(c)})
	}
	return out
}

func (a *analysis) chart(c experiments.Chart) chartView {
	v := chartView{Title: c.Title, W: chartW, H: chartH, X0: plotX0, X1: plotX1, Y0: plotY0, Y1: plotY1}
	span := math.Max(a.end.Sub(a.start).Seconds(), 1)
	series := make([][]point, len(c.Series))
	lo, hi := 0.0, math.Inf(-1)
	for _, s := range a.j.Samples {
		for i, cs := range c.Series {
			if y, ok := s.Series[cs.Series]; ok && !math.IsNaN(y) && !math.IsInf(y, 0) {
				series[i] = append(series[i], point{s.T.Sub(a.start).Seconds(), y})
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	v.Empty = math.IsInf(hi, -1)
	var lines []thresholdLine
	var ths []float64
	for i := range a.checks {
		ck := &a.checks[i]
		if ck.Kind != experiments.AssumeThreshold || ck.Unit != c.Unit || !onChart(ck, c) {
			continue
		}
		lines = append(lines, thresholdLine{Label: ck.Name + " " + budgetOf(ck)})
		ths = append(ths, ck.Threshold)
		lo, hi = math.Min(lo, ck.Threshold), math.Max(hi, ck.Threshold)
	}
	if math.IsInf(hi, -1) || hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 4)
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi*1.04/step) * step
	x := func(t float64) float64 { return plotX0 + t/span*(plotX1-plotX0) }
	y := func(val float64) float64 { return plotY1 - (val-lo)/(hi-lo)*(plotY1-plotY0) }
	for val := lo; val <= hi+step/2; val += step {
		v.YTicks = append(v.YTicks, tick{Pos: round1(y(val)), Label: axisLabel(c.Unit, val, step)})
	}
	xstep := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200} {
		if xstep = s; span/s <= 8 {
			break
		}
	}
	for t := 0.0; t <= span+1e-9; t += xstep {
		v.XTicks = append(v.XTicks, tick{Pos: round1(x(t)), Label: axisClock(t)})
	}
	v.Shades = a.shades(x)
	legendX := float64(plotX0)
	for i, cs := range c.Series {
		label := cs.Label
		if label == "" {
			label = cs.Series
		}
		colour := lineColours[i%len(lineColours)]
		pts := thin(series[i], span, plotX1-plotX0)
		var b strings.Builder
		for k, p := range pts {
			if k > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", x(p.t), y(p.v))
		}
		v.Lines = append(v.Lines, line{Points: b.String(), Colour: colour, Label: label})
		if len(series[i]) > 0 {
			st := seriesStat{Label: label, Series: cs.Series}
			lo, hi := series[i][0], series[i][0]
			for _, p := range series[i] {
				if p.v < lo.v {
					lo = p
				}
				if p.v > hi.v {
					hi = p
				}
			}
			st.Min, st.Max, st.MaxAt = c.Unit.Format(lo.v), c.Unit.Format(hi.v), clock(hi.t)
			v.Stats = append(v.Stats, st)
		}
		v.Legend = append(v.Legend, legendItem{X: legendX, Colour: colour, Label: label})
		legendX += 44 + textWidth(label)
	}
	for i := range lines {
		lines[i].Y = round1(y(ths[i]))
		lines[i].LabelX = plotX1 - 4
		v.Legend = append(v.Legend, legendItem{X: legendX, Colour: "#333", Label: lines[i].Label, Dashed: true})
		legendX += 44 + textWidth(lines[i].Label)
	}
	v.Thresholds = lines
	return v
}

// shades are the fault windows, with their labels stacked in rows so that
// they do not overlap.
func (a *analysis) shades(x func(float64) float64) []shade {
	var out []shade
	var rowEnd []float64
	colour := map[string]string{}
	for i, b := range a.j.Header.Blocks {
		colour[b.Name] = shadeColours[i%len(shadeColours)]
	}
	for _, act := range a.acts {
		stop := a.end
		if !act.stop.IsZero() {
			stop = act.stop
		}
		x0, x1 := x(act.start.Sub(a.start).Seconds()), x(stop.Sub(a.start).Seconds())
		row := 0
		for row < len(rowEnd) && rowEnd[row] > x0 {
			row++
		}
		if row == len(rowEnd) {
			rowEnd = append(rowEnd, 0)
		}
		rowEnd[row] = x0 + textWidth(act.block.Name) + 8
		fill := colour[act.block.Name]
		if fill == "" {
			fill = shadeColours[len(shadeColours)-1]
		}
		out = append(out, shade{X: round1(x0), W: round1(math.Max(x1-x0, 1)), LabelY: float64(plotY0 + 12 + 13*row),
			Label: act.block.Name, Fill: fill})
	}
	return out
}

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

// thin keeps at most two points (the lowest and the highest, in order)
// per horizontal pixel, so a long game day stays a small SVG.
func thin(pts []point, span, width float64) []point {
	if len(pts) <= int(2*width) {
		return pts
	}
	var out []point
	col := -1
	var lo, hi point
	flush := func() {
		if col < 0 {
			return
		}
		if lo.t > hi.t {
			lo, hi = hi, lo
		}
		out = append(out, lo)
		if hi != lo {
			out = append(out, hi)
		}
	}
	for _, p := range pts {
		c := int(p.t / span * width)
		if c != col {
			flush()
			col, lo, hi = c, p, p
			continue
		}
		if p.v < lo.v {
			lo = p
		}
		if p.v > hi.v {
			hi = p
		}
	}
	flush()
	return out
}

func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*e {
			return m * e
		}
	}
	return 10 * e
}

// axisLabel renders a y tick: 250ms, 1.5s, 20%, 0.5.
func axisLabel(u experiments.Unit, v, step float64) string {
	if step >= 1 || u == experiments.UnitMillis && v >= 1000 {
		return u.Short(v)
	}
	decimals := int(math.Ceil(-math.Log10(step)))
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	switch u {
	case experiments.UnitMillis:
		return s + "ms"
	case experiments.UnitPercent:
		return s + "%"
	}
	return s
}

// axisClock renders an offset as mm:ss.
func axisClock(s float64) string {
	n := int(math.Round(s))
	return fmt.Sprintf("%02d:%02d", n/60, n%60)
}

// textWidth estimates the width of a label at the charts' font size.
func textWidth(s string) float64 { return 6.6 * float64(len([]rune(s))) }

func round1(v float64) float64 { return math.Round(v*10) / 10 }
