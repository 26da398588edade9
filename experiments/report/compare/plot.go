package compare

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/gameday-dev/gameday/experiments/report/internal/svgaxis"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report"
)

// A chart of the comparison overlays the runs on one time axis, each from
// its own start: a colour per run (the same in every chart), a dash per
// series of the chart, each run's fault windows as translucent bands of
// its colour behind the lines, labelled with the block's name.
//
//	report.Chart of each run (same title) ──▶ lines, by run and series ──┐
//	report.Fault of each run ──────────────▶ bands, by run ───────────────┼─▶ plot ──▶ SVG
//	report.Threshold of each run ──────────▶ dashed lines ────────────────┘

// The geometry of a chart, in SVG user units: as the report's.
const (
	chartW, chartH = 960, 280
	plotX0, plotX1 = 58, chartW - 18
	plotY0, plotY1 = 10, chartH - 58
	legendRow      = 16
)

// What a chart shows at most: past these, it says what it left out.
const (
	maxSeries   = 12  // series of a chart, per run
	maxBands    = 200 // fault windows, per run
	maxBandRows = 8   // rows of band labels
)

// runColours are the runs' colours, the first run's first; dashes tell a
// chart's series apart.
var (
	runColours = []string{"#1f6fb4", "#e07b1a", "#2a9d5c", "#8e5cc2", "#d1495b", "#6b4f3a", "#0f8b8d", "#9c6644"}
	dashes     = []string{"", "7 3", "2 3", "9 3 2 3"}
)

func runColour(k int) string { return runColours[k%len(runColours)] }

type plot struct {
	Title      string
	Unit       string
	W, H       float64
	X0, X1     float64
	Y0, Y1     float64
	Bands      []band
	XTicks     []tick
	YTicks     []tick
	Thresholds []thresholdLine
	Lines      []line
	Legend     []legendItem
	Empty      bool
	Notes      []string // what the chart leaves out
}

type band struct {
	X, W, LabelY float64
	Run          int // from 1
	Label        string
	Colour       string
}

type tick struct {
	Pos   float64
	Label string
}

type thresholdLine struct {
	Y, LabelX float64
	Label     string
}

type line struct {
	Run                       int // from 1
	Path, Colour, Dash, Label string
}

type legendItem struct {
	X, Y                float64
	Colour, Dash, Label string
	Swatch              bool // a run's colour; else a series' dash
}

// plots are the charts of the first run, each overlaid with the charts of
// the same title of the other runs.
func (c *Comparison) plots() []plot {
	if len(c.reports) == 0 {
		return nil
	}
	var out []plot
	for _, ch := range c.reports[0].Charts {
		out = append(out, c.plot(ch))
	}
	return out
}

// sourced is a run's series on a chart.
type sourced struct {
	run, series int
	s           *report.Series
}

func (c *Comparison) plot(first report.Chart) plot {
	p := plot{Title: first.Title, Unit: first.Unit, W: chartW, H: chartH, X0: plotX0, X1: plotX1, Y0: plotY0, Y1: plotY1}
	names := first.Series
	if len(names) > maxSeries {
		p.Notes = append(p.Notes, fmt.Sprintf("%d more series of this chart are left out.", len(names)-maxSeries))
		names = names[:maxSeries]
	}
	var lines []sourced
	var ths []report.Threshold
	span := 1.0
	for k, r := range c.reports {
		span = math.Max(span, finite(r.DurationS))
		ch := chartOf(r, first.Title)
		if ch == nil {
			if k > 0 {
				p.Notes = append(p.Notes, c.Runs[k].Name+" has no chart of this title.")
			}
			continue
		}
		for i, want := range names {
			if s := seriesOf(ch, want); s != nil {
				lines = append(lines, sourced{run: k, series: i, s: s})
			}
		}
		for _, t := range ch.Thresholds {
			if !slicesContains(ths, t) {
				ths = append(ths, t)
			}
		}
	}
	// The axis: every finite value and every threshold.
	lo, hi := 0.0, math.Inf(-1)
	for _, l := range lines {
		for _, pt := range l.s.Points {
			if isFinite(pt.V) {
				v := svgaxis.Clamp(pt.V)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	p.Empty = math.IsInf(hi, -1)
	for _, t := range ths {
		if isFinite(t.Value) {
			v := svgaxis.Clamp(t.Value)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	lo, hi, step := svgaxis.Range(lo, hi)
	x := func(t float64) float64 {
		return math.Max(plotX0, math.Min(plotX1, plotX0+t/span*(plotX1-plotX0)))
	}
	y := func(v float64) float64 {
		return plotY1 - (math.Max(lo, math.Min(hi, v))-lo)/(hi-lo)*(plotY1-plotY0)
	}
	for _, v := range svgaxis.Ticks(lo, hi, step) {
		p.YTicks = append(p.YTicks, tick{Pos: svgaxis.Round1(y(v)), Label: svgaxis.Label(experiments.Unit(first.Unit), v, step)})
	}
	xstep := svgaxis.TimeStep(span)
	for t := 0.0; t <= span+1e-9; t += xstep {
		p.XTicks = append(p.XTicks, tick{Pos: svgaxis.Round1(x(t)), Label: axisClock(t)})
	}
	p.Bands = c.bands(x)
	for _, t := range ths {
		if isFinite(t.Value) {
			p.Thresholds = append(p.Thresholds, thresholdLine{Y: svgaxis.Round1(y(svgaxis.Clamp(t.Value))), LabelX: plotX1 - 4, Label: t.Label})
		}
	}
	for _, l := range lines {
		path := draw(l.s.Points, x, y)
		if path == "" {
			continue
		}
		p.Lines = append(p.Lines, line{Run: l.run + 1, Path: path, Colour: runColour(l.run), Dash: dashes[l.series%len(dashes)],
			Label: c.Runs[l.run].Name + " · " + names[l.series].Label})
	}
	p.legend(c.Runs, names)
	return p
}

// chartOf is a report's first chart of a title.
func chartOf(r *report.Report, title string) *report.Chart {
	for i := range r.Charts {
		if r.Charts[i].Title == title {
			return &r.Charts[i]
		}
	}
	return nil
}

// seriesOf is the chart's series of the same name as want (else of the
// same label).
func seriesOf(ch *report.Chart, want report.Series) *report.Series {
	for i := range ch.Series {
		if ch.Series[i].Series == want.Series {
			return &ch.Series[i]
		}
	}
	for i := range ch.Series {
		if ch.Series[i].Label == want.Label {
			return &ch.Series[i]
		}
	}
	return nil
}

func slicesContains(ts []report.Threshold, t report.Threshold) bool {
	for _, u := range ts {
		if u.Label == t.Label && (u.Value == t.Value || math.IsNaN(u.Value) && math.IsNaN(t.Value)) {
			return true
		}
	}
	return false
}

// bands are every run's fault windows, their labels stacked in rows so
// that they do not overlap.
func (c *Comparison) bands(x func(float64) float64) []band {
	type window struct {
		run        int
		start, end float64
		label      string
	}
	var ws []window
	for k, r := range c.reports {
		for i, f := range r.Faults {
			if i == maxBands {
				break
			}
			end := r.DurationS
			if f.StopS != nil {
				end = *f.StopS
			}
			ws = append(ws, window{run: k, start: finite(f.StartS), end: finite(end), label: f.Block})
		}
	}
	sort.SliceStable(ws, func(i, k int) bool { return ws[i].start < ws[k].start })
	var out []band
	var rowEnd []float64
	for _, w := range ws {
		x0, x1 := x(w.start), x(w.end)
		row := 0
		for row < len(rowEnd) && rowEnd[row] > x0 && row < maxBandRows-1 {
			row++
		}
		if row == len(rowEnd) {
			rowEnd = append(rowEnd, 0)
		}
		rowEnd[row] = x0 + svgaxis.TextWidth(w.label) + 8
		out = append(out, band{X: svgaxis.Round1(x0), W: svgaxis.Round1(math.Max(x1-x0, 1)), LabelY: float64(plotY0 + 12 + 13*row),
			Run: w.run + 1, Label: w.label, Colour: runColour(w.run)})
	}
	return out
}

// legend names the runs by their colours, then the series by their
// dashes when the chart has more than one, in rows under the chart.
func (p *plot) legend(runs []RunInfo, names []report.Series) {
	x, row := float64(plotX0), 0
	add := func(it legendItem) {
		w := 34 + svgaxis.TextWidth(it.Label)
		if x > plotX0 && x+w > chartW-10 {
			x, row = plotX0, row+1
		}
		it.X, it.Y = x, float64(chartH-14+legendRow*row)
		p.Legend = append(p.Legend, it)
		x += w + 10
	}
	for k, r := range runs {
		add(legendItem{Colour: runColour(k), Label: r.Name, Swatch: true})
	}
	if len(names) > 1 {
		for i, s := range names {
			add(legendItem{Colour: "#333", Dash: dashes[i%len(dashes)], Label: s.Label})
		}
	}
	p.H = chartH + float64(legendRow*row)
}

// draw renders points as an SVG path, a new stroke after each break and
// around each value that is not finite (a lone point is a dot).
func draw(pts []report.Point, x, y func(float64) float64) string {
	var b strings.Builder
	brk := true
	for k, pt := range pts {
		if !isFinite(pt.V) || !isFinite(pt.T) {
			brk = true
			continue
		}
		px, py := x(pt.T), y(svgaxis.Clamp(pt.V))
		next := k+1 < len(pts) && !pts[k+1].Break && isFinite(pts[k+1].V) && isFinite(pts[k+1].T)
		if brk || pt.Break {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "M%.1f,%.1f", px, py)
			if !next {
				b.WriteString(" h0")
			}
		} else {
			fmt.Fprintf(&b, " L%.1f,%.1f", px, py)
		}
		brk = false
	}
	return b.String()
}

// axisClock renders seconds since a run's start as mm:ss, or h:mm:ss
// from an hour on.
func axisClock(s float64) string {
	n := int64(math.Round(s))
	if n >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", n/3600, n/60%60, n%60)
	}
	return fmt.Sprintf("%02d:%02d", n/60, n%60)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// finite is v, or 0 when it is not a number; an infinity is the largest
// value.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 0):
		return svgaxis.Clamp(v)
	}
	return v
}
