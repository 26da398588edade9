package tui

import (
	"math"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	tslc "github.com/NimbleMarkets/ntcharts/linechart/timeserieslinechart"

	"github.com/gameday-dev/gameday/probes"
)

// plot pushes a series' points to the chart as a line clipped to the
// window: values clamped into the axis (those beyond it recorded in off),
// NaN skipped, and a segment that crosses an edge of the window cut
// there, so that ntcharts never draws towards a point off the graph. It
// returns the number of points pushed.
func (m *ChartModel) plot(label string, pts []probes.Point, ta *timeAxis, ax yAxis, off *offScaleMarks) int {
	c := &m.chart
	n := 0
	push := func(x, y float64) {
		c.PushDataSet(label, tslc.TimePoint{Time: time.Unix(int64(x), 0), Value: y})
		n++
	}
	var px, py float64
	have := false
	for _, p := range pts {
		if math.IsNaN(p.V) {
			if ta.inside(ta.x(p.T)) {
				off.nan++
			}
			continue
		}
		x, y := ta.x(p.T), ax.clamp(p.V)
		in := ta.inside(x)
		if in {
			off.numbers++
			off.add(p.V, ax, (x-ta.x0)/(ta.x1-ta.x0))
		}
		switch {
		case !have:
			if in {
				push(x, y)
			}
		case math.Max(px, x) < ta.x0 || math.Min(px, x) > ta.x1:
			// both beyond the same edge: nothing to draw
		default:
			if !ta.inside(px) { // entering: from the edge crossed
				push(cut(px, py, x, y, edgeOf(px, ta)))
			}
			if in {
				push(x, y)
			} else { // leaving: to the edge crossed
				push(cut(px, py, x, y, edgeOf(x, ta)))
			}
		}
		px, py, have = x, y, true
	}
	return n
}

// edgeOf is the edge of the window beyond which x lies.
func edgeOf(x float64, ta *timeAxis) float64 {
	if x < ta.x0 {
		return ta.x0
	}
	return ta.x1
}

// cut is the point of the segment (x1,y1)-(x2,y2) at x = e; x1 != x2.
func cut(x1, y1, x2, y2, e float64) (float64, float64) {
	return e, y1 + (y2-y1)*(e-x1)/(x2-x1)
}

// offScaleMarks records the values of a chart that lie beyond its axis:
// the columns to mark and the most extreme value each way, for the note.
type offScaleMarks struct {
	cols         []byte // per graph column: markAbove | markBelow
	above, below int    // counts of values beyond the top and the bottom
	max, min     float64
	tAbove       int // thresholds beyond the top and the bottom
	tBelow       int
	tMax, tMin   float64
	nan, numbers int // NaN points and others in the window
}

const (
	markAbove = 1 << iota
	markBelow
)

// reset empties the marks for a graph w columns wide.
func (o *offScaleMarks) reset(w int) *offScaleMarks {
	cols := o.cols[:0]
	if cap(cols) < w {
		cols = make([]byte, 0, w)
	}
	*o = offScaleMarks{cols: cols[:w]}
	clear(o.cols)
	return o
}

// add records v, drawn at the fraction f (0 to 1) of the graph's width,
// if it lies beyond the axis.
func (o *offScaleMarks) add(v float64, ax yAxis, f float64) {
	var mark byte
	switch {
	case v > ax.hi:
		if o.above == 0 || v > o.max {
			o.max = v
		}
		o.above++
		mark = markAbove
	case v < ax.lo:
		if o.below == 0 || v < o.min {
			o.min = v
		}
		o.below++
		mark = markBelow
	default:
		return
	}
	// The column where ntcharts draws x: two braille dots a column.
	w := len(o.cols)
	col := min(max(int(math.Round(f*float64(2*w-1)))/2, 0), w-1)
	o.cols[col] |= mark
}

// threshold records a threshold beyond the axis, and reports whether it is.
func (o *offScaleMarks) threshold(t float64, ax yAxis) bool {
	switch {
	case t > ax.hi:
		if o.tAbove == 0 || t > o.tMax {
			o.tMax = t
		}
		o.tAbove++
	case t < ax.lo:
		if o.tBelow == 0 || t < o.tMin {
			o.tMin = t
		}
		o.tBelow++
	default:
		return false
	}
	return true
}

// drawThreshold draws a dashed line at value v on the empty cells.
func (m *ChartModel) drawThreshold(v float64, ax yAxis) {
	c := &m.chart
	o := c.Origin()
	row := o.Y - int(math.Round((v-ax.lo)/(ax.hi-ax.lo)*float64(c.GraphHeight())))
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

// drawOffScale marks, on the top and bottom rows of the graph, the
// columns that hold values beyond the axis, and writes a note of the most
// extreme: "▲ off scale: 1e308", "┄ threshold off scale: 1e308".
func (m *ChartModel) drawOffScale(o *offScaleMarks) {
	c := &m.chart
	gx, top, bottom := c.Origin().X+1, 0, c.Origin().Y-1
	st := m.styles.OffScale
	for i, mk := range o.cols {
		if mk&markAbove != 0 {
			c.Canvas.SetCell(canvas.Point{X: gx + i, Y: top}, canvas.NewCellWithStyle('▲', st))
		}
		if mk&markBelow != 0 {
			c.Canvas.SetCell(canvas.Point{X: gx + i, Y: bottom}, canvas.NewCellWithStyle('▼', st))
		}
	}
	u := m.spec.Unit
	var upper, lower []string // the forms of each note, longest first
	switch {
	case o.above > 0 && o.tAbove > 0:
		upper = []string{"▲ off scale: " + formatValue(u, o.max) + " · threshold " + formatValue(u, o.tMax),
			"▲ " + formatValue(u, o.max) + " ┄ " + formatValue(u, o.tMax), "▲ " + formatValue(u, o.max), "▲"}
	case o.above > 0:
		upper = []string{"▲ off scale: " + formatValue(u, o.max), "▲ " + formatValue(u, o.max), "▲"}
	case o.tAbove > 0:
		upper = []string{"┄ threshold off scale: " + formatValue(u, o.tMax), "┄ " + formatValue(u, o.tMax) + " ▲", "┄▲"}
	case o.nan > 0 && o.numbers == 0:
		upper = []string{"no numbers: only NaN in this window", "only NaN", "NaN"}
	}
	switch {
	case o.below > 0 && o.tBelow > 0:
		lower = []string{"▼ off scale: " + formatValue(u, o.min) + " · threshold " + formatValue(u, o.tMin),
			"▼ " + formatValue(u, o.min) + " ┄ " + formatValue(u, o.tMin), "▼ " + formatValue(u, o.min), "▼"}
	case o.below > 0:
		lower = []string{"▼ off scale: " + formatValue(u, o.min), "▼ " + formatValue(u, o.min), "▼"}
	case o.tBelow > 0:
		lower = []string{"┄ threshold off scale: " + formatValue(u, o.tMin), "┄ " + formatValue(u, o.tMin) + " ▼", "┄▼"}
	}
	m.note(top, upper)
	if bottom != top {
		m.note(bottom, lower)
	}
}

// note writes the longest of forms that fits on row y of the graph, at
// its right end, or at its left end when fewer cells are drawn there.
func (m *ChartModel) note(y int, forms []string) {
	if len(forms) == 0 {
		return
	}
	c := &m.chart
	gx := c.Origin().X + 1
	gw := c.Width() - gx
	text := []rune(forms[len(forms)-1])
	for _, f := range forms {
		if r := []rune(f); len(r) <= gw-2 {
			text = r
			break
		}
	}
	n := len(text) + 2 // a blank cell either side
	if n > gw {
		return
	}
	used := func(from int) (k int) {
		for x := from; x < from+n; x++ {
			if r := c.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune; r != runes.Null && r != ' ' {
				k++
			}
		}
		return k
	}
	at := gx + gw - n
	if used(gx) < used(at) {
		at = gx
	}
	st := m.styles.OffScale
	c.Canvas.SetCell(canvas.Point{X: at, Y: y}, canvas.NewCellWithStyle(' ', st))
	for i, r := range text {
		c.Canvas.SetCell(canvas.Point{X: at + 1 + i, Y: y}, canvas.NewCellWithStyle(r, st))
	}
	c.Canvas.SetCell(canvas.Point{X: at + n - 1, Y: y}, canvas.NewCellWithStyle(' ', st))
}
