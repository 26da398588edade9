package edge

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report/internal/svgaxis"
)

// edge.html draws, for each assumption, its margin (the worst value
// against the threshold, in the assumption's unit: below zero it broke)
// against the fault's parameter, one panel under the other on the same
// parameter axis:
//
//	margin ▲       ○ held   ● broke   ── median of the repeats
//	       │ ○──○──○╲
//	     0 ┼╌╌╌╌╌╌╌╌╌●╌╌╌╌╌  threshold
//	       │      ┊   ┃ ●──●
//	       └──────┊───┃──────▶ delay
//	        expect_edge  edge (the band around it: the repeats' spread)

//go:embed edge.tmpl
var templates embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
}).ParseFS(templates, "edge.tmpl"))

// The geometry of the chart, in SVG user units.
const (
	chartW         = 960
	plotX0, plotX1 = 70, chartW - 24
	legendH        = 34
	panelTitle     = 26  // a panel's title, above its plot
	plotH          = 150 // a panel's plot
	panelFoot      = 40  // its x labels, and the space to the next
	panelH         = panelTitle + plotH + panelFoot
)

type page struct {
	F        *File
	Plan     string
	Rows     []row
	Levels   []levelRow
	Heads    []string
	Chart    chart
	Many     bool
	RepeatsN int
	Notes    []string
}

type levelRow struct {
	N, Repeat        int
	Intensity, Value string
	Cells            []cell
	Recovered        string
}

type cell struct {
	Text  string
	Broke bool
}

type chart struct {
	W, H   float64
	X0, X1 float64
	Param  string
	Panels []panel
	Legend []legendItem
}

type panel struct {
	Name, Condition string
	Margin          string // what the margin is: "threshold − worst"
	TitleY          float64
	Y0, Y1          float64
	YTicks, XTicks  []tick
	Zero            float64 // the threshold: margin 0
	ZeroLabel       string
	Curve           string
	Points          []dot
	Edge            *marker
	Spread          *band
	Expect          *marker
	Empty           bool
	AxisLabelY      float64
}

type tick struct {
	Pos   float64
	Label string
}

type dot struct {
	X, Y  float64
	Broke bool
	Title string
}

type marker struct {
	X, LabelX float64
	Anchor    string
	Label     string
}

type band struct {
	X, W float64
}

type legendItem struct {
	X     float64
	Kind  string // held, broke, curve, edge, spread, expect, threshold
	Label string
}

// HTML writes edge.html: self-contained (inline CSS and SVG, no script,
// no external resource), the edges and a chart of the margins.
func (f *File) HTML(w io.Writer) error {
	p := page{F: f, Plan: f.planWords(), Many: f.Plan.Repeat > 1, RepeatsN: f.Plan.Repeat, Chart: f.chart(),
		Notes: f.repeatsBelow()}
	for _, a := range f.Assumptions {
		p.Rows = append(p.Rows, f.summary(a))
		p.Heads = append(p.Heads, a.Name)
	}
	for i, l := range f.Levels {
		lr := levelRow{N: i + 1, Repeat: l.Repeat, Intensity: pct(l.Intensity), Value: l.Value, Recovered: "yes"}
		if !l.Recovered {
			lr.Recovered = "no"
		}
		for _, a := range f.Assumptions {
			lr.Cells = append(lr.Cells, cell{Text: f.measureWords(a, l), Broke: slices.Contains(l.Broke, a.Name)})
		}
		p.Levels = append(p.Levels, lr)
	}
	return pages.ExecuteTemplate(w, "html", p)
}

// chart lays out a panel per assumption on one parameter axis.
func (f *File) chart() chart {
	_, full, unit := f.block.Param()
	c := chart{W: chartW, H: float64(legendH + panelH*max(len(f.Assumptions), 1)), X0: plotX0, X1: plotX1,
		Param: f.Param + " of " + f.Block}
	// The parameter axis: from 0 to the highest level tried (or the
	// expected edge), rounded up to a step.
	xmax := 0.0
	for _, l := range f.Levels {
		xmax = math.Max(xmax, l.ParamValue)
	}
	if f.ExpectEdge != "" {
		xmax = math.Max(xmax, f.block.ExpectEdge*full)
	}
	if !(xmax > 0) {
		xmax = full
	}
	xstep := svgaxis.NiceStep(xmax / 6)
	xhi := math.Ceil(xmax/xstep-1e-9) * xstep
	x := func(v float64) float64 {
		return svgaxis.Round1(plotX0 + math.Max(0, math.Min(1, v/xhi))*(plotX1-plotX0))
	}
	var xticks []tick
	for _, v := range svgaxis.Ticks(0, xhi, xstep) {
		xticks = append(xticks, tick{Pos: x(v), Label: svgaxis.Label(unit, v, xstep)})
	}
	c.Legend = legend(f.Plan.Repeat > 1, f.ExpectEdge != "")
	for i, a := range f.Assumptions {
		top := float64(legendH + panelH*i)
		p := panel{Name: a.Name, Condition: a.Condition, TitleY: top + 17, Y0: top + panelTitle, Y1: top + panelTitle + plotH,
			XTicks: xticks}
		p.AxisLabelY = p.Y1 + 32
		f.drawPanel(&p, a, x, full)
		c.Panels = append(c.Panels, p)
	}
	return c
}

// drawPanel draws an assumption's margins at every level tried, their
// median per level, the threshold, its edge and the expected edge.
func (f *File) drawPanel(p *panel, a Assumption, x func(float64) float64, full float64) {
	u := experiments.UnitNone
	p.Margin = "margin: the threshold − the worst value"
	if c := f.conditions[a.raw]; c != nil {
		u = c.Unit
		if c.Op == experiments.Above || c.Op == experiments.AboveOrEqual {
			p.Margin = "margin: the worst value − the threshold"
		}
	}
	type trial struct {
		at, margin, worst float64
		repeat            int
		broke             bool
		value             string
	}
	var trials []trial
	lo, hi := 0.0, 0.0
	for _, l := range f.Levels {
		for _, m := range l.Assumptions {
			if m.Name != a.Name || m.Margin == nil || m.Worst == nil {
				continue
			}
			v := svgaxis.Clamp(*m.Margin)
			trials = append(trials, trial{at: l.ParamValue, margin: v, worst: *m.Worst, repeat: l.Repeat,
				broke: slices.Contains(l.Broke, a.Name), value: l.Value})
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	p.Empty = len(trials) == 0
	lo, hi, step := svgaxis.Range(lo, hi)
	y := func(v float64) float64 {
		return svgaxis.Round1(p.Y1 - (math.Max(lo, math.Min(hi, v))-lo)/(hi-lo)*(p.Y1-p.Y0))
	}
	if !p.Empty {
		for _, v := range svgaxis.Ticks(lo, hi, step) {
			p.YTicks = append(p.YTicks, tick{Pos: y(v), Label: svgaxis.Label(u, v, step)})
		}
	}
	p.Zero = y(0)
	p.ZeroLabel = "threshold " + a.Condition
	for _, t := range trials {
		d := dot{X: x(t.at), Y: y(t.margin), Broke: t.broke}
		word := "held"
		if t.broke {
			word = "broke"
		}
		d.Title = fmt.Sprintf("%s at %s (repeat %d): worst %s, margin %s", word, t.value, t.repeat, u.Format(t.worst), u.Signed(t.margin))
		p.Points = append(p.Points, d)
	}
	// The curve: the median margin of the trials at each level.
	slices.SortStableFunc(trials, func(a, b trial) int { return cmp.Compare(a.at, b.at) })
	var path strings.Builder
	for i := 0; i < len(trials); {
		j := i
		var ms []float64
		for ; j < len(trials) && trials[j].at == trials[i].at; j++ {
			ms = append(ms, trials[j].margin)
		}
		slices.Sort(ms)
		med := ms[(len(ms)-1)/2]
		if len(ms)%2 == 0 {
			med = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
		}
		cmd := " L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f,%.1f", cmd, x(trials[i].at), y(med))
		i = j
	}
	p.Curve = path.String()
	if a.Edge != nil {
		p.Edge = f.marker(x(a.broke*full), "edge "+*a.Edge)
	}
	if len(a.Repeats) > 1 && !math.IsNaN(a.lo) {
		x0, x1 := x(a.lo*full), float64(plotX1)
		if !math.IsNaN(a.hi) {
			x1 = x(a.hi * full)
		}
		if x1 > x0 {
			p.Spread = &band{X: x0, W: svgaxis.Round1(x1 - x0)}
		}
	}
	if f.ExpectEdge != "" {
		p.Expect = f.marker(x(f.block.ExpectEdge*full), "expect_edge "+f.ExpectEdge)
	}
}

// marker is a vertical line at x, its label beside it: on its right, or
// on its left near the plot's right end.
func (f *File) marker(x float64, label string) *marker {
	m := &marker{X: x, LabelX: x + 4, Anchor: "start", Label: label}
	if x+4+svgaxis.TextWidth(label) > plotX1 {
		m.LabelX, m.Anchor = x-4, "end"
	}
	return m
}

// legend is the key of the chart's marks, in a row above the panels.
func legend(repeats, expect bool) []legendItem {
	items := []legendItem{{Kind: "held", Label: "held"}, {Kind: "broke", Label: "broke"}}
	if repeats {
		items = append(items, legendItem{Kind: "curve", Label: "median margin of the repeats"})
	} else {
		items = append(items, legendItem{Kind: "curve", Label: "margin"})
	}
	items = append(items, legendItem{Kind: "threshold", Label: "threshold (margin 0)"}, legendItem{Kind: "edge", Label: "edge"})
	if repeats {
		items = append(items, legendItem{Kind: "spread", Label: "repeats' edges"})
	}
	if expect {
		items = append(items, legendItem{Kind: "expect", Label: "expect_edge"})
	}
	x := float64(plotX0)
	for i := range items {
		items[i].X = x
		x += 34 + svgaxis.TextWidth(items[i].Label)
	}
	return items
}
