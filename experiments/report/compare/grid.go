package compare

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report"
)

// Grid is the runs of a matrix over two parameters, as a heatmap: a row
// per value of the first parameter that varies, a column per value of
// the second, in the matrix's order; in each cell the run of those
// values, its verdict, and the margin of its assumption closest to
// breaking (or furthest past it).
type Grid struct {
	Row, Col   string   // the parameters
	Rows, Cols []string // their values
	Cells      [][]GridCell
	Fixed      []experiments.MatrixValue // the parameters with one value
	Missing    int                       // cells without a run
}

// GridCell is one run of the grid (Run is -1 when none has its values).
type GridCell struct {
	Run     int
	Verdict report.Verdict
	Symbol  string
	// Assumption is the threshold assumption with the least margin,
	// relative to its threshold; Margin is that margin in its unit
	// (negative: it broke), nil when no threshold assumption had a value.
	Assumption string
	Margin     *float64
	Unit       string
	// Relative is Margin over the threshold (-0.2: 20 % past it).
	Relative float64
}

// grid lays the runs out over the two parameters that their matrix varies;
// nil unless every run is a case of the same matrix (the same parameters,
// in the same order), exactly two of them vary, and no two runs share a
// cell.
func (c *Comparison) grid() *Grid {
	if len(c.Runs) < 2 {
		return nil
	}
	names := paramNames(c.Runs[0].Matrix)
	if len(names) < 2 {
		return nil
	}
	values := make([][]string, len(names)) // each parameter's values, in order of first use
	for _, r := range c.Runs {
		if !slices.Equal(paramNames(r.Matrix), names) {
			return nil
		}
		for i, m := range r.Matrix {
			if !slices.Contains(values[i], m.Value) {
				values[i] = append(values[i], m.Value)
			}
		}
	}
	g := &Grid{}
	var axes []int
	for i, vs := range values {
		if len(vs) > 1 {
			axes = append(axes, i)
		} else {
			g.Fixed = append(g.Fixed, experiments.MatrixValue{Name: names[i], Value: vs[0]})
		}
	}
	if len(axes) != 2 {
		return nil
	}
	ri, ci := axes[0], axes[1]
	g.Row, g.Col, g.Rows, g.Cols = names[ri], names[ci], values[ri], values[ci]
	g.Cells = make([][]GridCell, len(g.Rows))
	for i := range g.Cells {
		g.Cells[i] = make([]GridCell, len(g.Cols))
		for j := range g.Cells[i] {
			g.Cells[i][j].Run = -1
		}
	}
	for k, r := range c.Runs {
		cell := &g.Cells[slices.Index(g.Rows, r.Matrix[ri].Value)][slices.Index(g.Cols, r.Matrix[ci].Value)]
		if cell.Run >= 0 {
			return nil // two runs of one case: not one matrix
		}
		*cell = c.gridCell(k)
	}
	for _, row := range g.Cells {
		for _, cell := range row {
			if cell.Run < 0 {
				g.Missing++
			}
		}
	}
	return g
}

func paramNames(ms []experiments.MatrixValue) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// gridCell is run k's verdict and its tightest margin.
func (c *Comparison) gridCell(k int) GridCell {
	r := c.Runs[k]
	cell := GridCell{Run: k, Verdict: r.Verdict, Symbol: r.Symbol}
	best := math.Inf(1)
	for _, a := range c.reports[k].Assumptions {
		if isRecovery(a.Kind) || a.Worst == nil || a.Threshold == nil || math.IsNaN(*a.Worst) || math.IsNaN(*a.Threshold) {
			continue
		}
		spec := experiments.Assumption{Op: experiments.Comparison(a.Op), Threshold: *a.Threshold}
		m := spec.Margin(*a.Worst)
		rel := m / math.Max(math.Abs(*a.Threshold), 1e-9)
		if rel < best {
			best = rel
			cell.Assumption, cell.Margin, cell.Unit, cell.Relative = a.Name, &m, a.Unit, rel
		}
	}
	return cell
}

// marginWords: "p99 −120 ms", "error rate +0.5 %"; "" without one.
func (g GridCell) marginWords() string {
	if g.Margin == nil {
		return ""
	}
	return g.Assumption + " " + experiments.Unit(g.Unit).Signed(*g.Margin)
}

// verdictWords: "✓ passed", "✗ failed".
func (g GridCell) verdictWords() string {
	if g.Run < 0 {
		return "no run"
	}
	return strings.TrimSpace(g.Symbol + " " + verdictWord(g.Verdict))
}

// fixedWords: "rate=50/s, level=5"; "" for none.
func (g *Grid) fixedWords() string {
	var out []string
	for _, m := range g.Fixed {
		out = append(out, m.Name+"="+m.Value)
	}
	return strings.Join(out, ", ")
}

// gridNames are the runs' names where the grid shows them: none for a
// run named after its matrix case (run --matrix names them so), as its
// row and column say it.
func (c *Comparison) gridNames() []string {
	out := make([]string, len(c.Runs))
	for k, r := range c.Runs {
		if r.Name != c.reports[k].Experiment.Case {
			out[k] = r.Name
		}
	}
	return out
}

// markdown writes the grid as a table: "✓ PASSED · p99 +120 ms".
func (g *Grid) markdown(p func(string, ...any), names []string) {
	md := report.EscapeMarkdown
	p("## Matrix: %s × %s\n\n", md(g.Row), md(g.Col))
	p("Each case by its %s (rows) and %s (columns): the run's verdict, and the margin of its assumption closest to its "+
		"threshold (negative: past it), relative to the threshold.", md(g.Row), md(g.Col))
	if f := g.fixedWords(); f != "" {
		p(" In every case: %s.", md(f))
	}
	p("\n\n| %s \\ %s |", md(g.Row), md(g.Col))
	for _, c := range g.Cols {
		p(" %s |", md(c))
	}
	p("\n| --- |%s\n", strings.Repeat(" --- |", len(g.Cols)))
	for i, r := range g.Rows {
		p("| **%s** |", md(r))
		for _, cell := range g.Cells[i] {
			text := cell.verdictWords()
			if m := cell.marginWords(); m != "" {
				text += " · " + m
			}
			if cell.Run >= 0 && names[cell.Run] != "" {
				text += " (" + names[cell.Run] + ")"
			}
			p(" %s |", md(text))
		}
		p("\n")
	}
	p("\n")
}

// gridView is the grid as compare.html shows it.
type gridView struct {
	Row, Col, Fixed string
	Cols            []string
	Rows            []gridRow
}

type gridRow struct {
	Value string
	Cells []gridCellView
}

type gridCellView struct {
	Class, Verdict, Margin, Run, Title, Link string
	Shade                                    template.CSS
}

// gridView is the grid for compare.html: each cell's colour says its
// verdict, a deeper one the further its margin from the threshold (past
// it for a run that failed, short of it for one that passed).
func (c *Comparison) gridView() *gridView {
	g, names := c.Grid, c.gridNames()
	v := &gridView{Row: g.Row, Col: g.Col, Cols: g.Cols, Fixed: g.fixedWords()}
	for i, r := range g.Rows {
		row := gridRow{Value: r}
		for _, cell := range g.Cells[i] {
			cv := gridCellView{Class: "na", Verdict: cell.verdictWords(), Margin: cell.marginWords()}
			if k := cell.Run; k >= 0 {
				cv.Class, cv.Run, cv.Title = verdictClass(cell.Verdict), names[k], c.Runs[k].Experiment
				cv.Link = mdLink(c.link(k, "report.html"))
			}
			cv.Shade = cell.shade(cv.Class)
			row.Cells = append(row.Cells, cv)
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// shade is the cell's background: its verdict's colour, from light to
// deep with the size of its margin (a quarter of the threshold or more:
// deepest).
func (g GridCell) shade(class string) template.CSS {
	depth := 0.5
	if g.Margin != nil && !math.IsNaN(g.Relative) {
		depth = math.Min(math.Abs(g.Relative)/0.25, 1)
	}
	alpha := 0.12 + 0.38*depth
	switch class {
	case "ok":
		return template.CSS(fmt.Sprintf("rgba(27, 127, 59, %.2f)", alpha))
	case "bad":
		return template.CSS(fmt.Sprintf("rgba(179, 38, 30, %.2f)", alpha))
	case "warn":
		return template.CSS(fmt.Sprintf("rgba(154, 91, 0, %.2f)", alpha))
	}
	return "#f0f0f0"
}
