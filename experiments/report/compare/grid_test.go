package compare_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/compare"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

// matrixRuns are the cases of a matrix over delay (100ms, 300ms) and p
// (1%, 10%, 50%), in its order, with a fixed rate: p99 is 150 ms at
// 100ms and 350 ms at 300ms (< 250 ms); the error rate is half of p
// (< 1 %). Only delay=100ms p=1% passes.
func matrixRuns(params ...string) []compare.Run {
	var runs []compare.Run
	for _, delay := range []string{"100ms", "300ms"} {
		for _, p := range []string{"1%", "10%", "50%"} {
			p99 := map[string]float64{"100ms": 150, "300ms": 350}[delay]
			errs := map[string]float64{"1%": 0.5, "10%": 5, "50%": 25}[p]
			verdict := assume.VerdictPassed
			if p99 >= 250 || errs >= 1 {
				verdict = assume.VerdictFailed
			}
			all := []experiments.MatrixValue{{Name: "delay", Value: delay}, {Name: "rate", Value: "50/s"}, {Name: "p", Value: p}}
			var mv []experiments.MatrixValue
			for _, m := range all {
				for _, want := range params {
					if m.Name == want {
						mv = append(mv, m)
					}
				}
			}
			g := newGame("shop", p99Check, errRate).on(1).off(5).
				samples(0, 6, func(float64) (float64, float64, float64) { return p99, 0, errs })
			var names []string
			for _, m := range mv {
				names = append(names, m.Name+"="+m.Value)
			}
			g.j.Header.Case, g.j.Header.Matrix = strings.Join(names, " "), mv
			runs = append(runs, compare.Run{Name: fmt.Sprintf("case-%d", len(runs)+1), Report: report.Build(g.end(6, verdict))})
		}
	}
	return runs
}

// TestGrid: a matrix over two parameters is laid out as rows of the
// first, columns of the second; each cell the run of its values, its
// verdict and its tightest margin.
func TestGrid(t *testing.T) {
	c := compare.Compare(matrixRuns("delay", "rate", "p"))
	g := c.Grid
	if g == nil {
		t.Fatal("no grid for a 2×3 matrix")
	}
	if g.Row != "delay" || g.Col != "p" || strings.Join(g.Rows, " ") != "100ms 300ms" || strings.Join(g.Cols, " ") != "1% 10% 50%" ||
		len(g.Fixed) != 1 || g.Fixed[0] != (experiments.MatrixValue{Name: "rate", Value: "50/s"}) || g.Missing != 0 {
		t.Fatalf("grid %+v", g)
	}
	want := [2][3]string{
		{"0 passed checkout p99 100", "1 failed error rate -4", "2 failed error rate -24"},
		{"3 failed checkout p99 -100", "4 failed error rate -4", "5 failed error rate -24"},
	}
	for i := range 2 {
		for j := range 3 {
			cell := g.Cells[i][j]
			got := fmt.Sprintf("%d %s %s %g", cell.Run, cell.Verdict, cell.Assumption, *cell.Margin)
			if got != want[i][j] {
				t.Errorf("cell %d,%d: %s, want %s", i, j, got, want[i][j])
			}
		}
	}

	var md bytes.Buffer
	if err := c.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"## Matrix: delay × p",
		"| delay \\ p | 1% | 10% | 50% |",
		"| **100ms** | ✓ PASSED · checkout p99 +100 ms (case-1) | ✗ FAILED · error rate −4 % (case-2) | ✗ FAILED · error rate −24 % (case-3) |",
		"| **300ms** | ✗ FAILED · checkout p99 −100 ms (case-4) |",
		"In every case: rate=50/s.",
	} {
		if !strings.Contains(md.String(), line) {
			t.Errorf("compare.md lacks %q:\n%s", line, md.String())
		}
	}

	var page bytes.Buffer
	if err := c.HTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := htmltest.Balanced(page.String()); err != nil {
		t.Fatal(err)
	}
	table := regexp.MustCompile(`(?s)<table class="grid">.*?</table>`).FindString(page.String())
	var grid struct {
		Rows []struct {
			Heads []string `xml:"th"`
			Cells []struct {
				Class string `xml:"class,attr"`
				Style string `xml:"style,attr"`
				Text  string `xml:",innerxml"`
			} `xml:"td"`
		} `xml:"tr"`
	}
	if err := xml.Unmarshal([]byte(strings.ReplaceAll(table, "<br>", "<br/>")), &grid); err != nil {
		t.Fatalf("the grid %q: %v", table, err)
	}
	if len(grid.Rows) != 3 || len(grid.Rows[0].Heads) != 4 || grid.Rows[1].Heads[0] != "100ms" {
		t.Fatalf("the grid has %d rows: %+v", len(grid.Rows), grid.Rows)
	}
	classes := ""
	for _, r := range grid.Rows[1:] {
		if len(r.Cells) != 3 {
			t.Fatalf("a row of %d cells", len(r.Cells))
		}
		for _, c := range r.Cells {
			classes += strings.TrimPrefix(c.Class, "cell ") + " "
			if !strings.HasPrefix(c.Style, "background: rgba(") {
				t.Errorf("a cell's style %q", c.Style)
			}
		}
	}
	if classes != "ok bad bad bad bad bad " {
		t.Errorf("the cells' classes %q", classes)
	}
	if cell := grid.Rows[2].Cells[2].Text; !strings.Contains(cell, "error rate −24 %") || !strings.Contains(cell, "case-6") {
		t.Errorf("the last cell: %s", cell)
	}
}

// TestNoGrid: one parameter, runs of no matrix, two runs of one case:
// no grid, and the reports say nothing of one.
func TestNoGrid(t *testing.T) {
	one := matrixRuns("delay")[:2] // delay 100ms twice: one parameter, and a cell twice
	twoOfOne := matrixRuns("delay", "p")
	twoOfOne = append(twoOfOne, twoOfOne[0])
	none, hardened := noneAndHardened()
	plain := []compare.Run{{Name: "none", Report: report.Build(none)}, {Name: "hardened", Report: report.Build(hardened)}}
	other := matrixRuns("delay", "p")
	other[3].Report.Experiment.Matrix = []experiments.MatrixValue{{Name: "delay", Value: "300ms"}, {Name: "q", Value: "1%"}}
	for name, runs := range map[string][]compare.Run{"one parameter": one, "a case twice": twoOfOne, "no matrix": plain, "another matrix": other} {
		c := compare.Compare(runs)
		if c.Grid != nil {
			t.Errorf("%s: a grid %+v", name, c.Grid)
		}
		var md, page bytes.Buffer
		if err := c.Markdown(&md); err != nil {
			t.Fatal(err)
		}
		if err := c.HTML(&page); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(md.String(), "## Matrix") || strings.Contains(page.String(), `class="grid"`) {
			t.Errorf("%s: the reports show a grid", name)
		}
	}
	// A cell without its run: said so.
	runs := matrixRuns("delay", "p")
	c := compare.Compare(append(runs[:4:4], runs[5]))
	if c.Grid == nil || c.Grid.Missing != 1 || c.Grid.Cells[1][1].Run != -1 {
		t.Fatalf("five runs of six: %+v", c.Grid)
	}
	var md bytes.Buffer
	if err := c.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| **300ms** | ✗ FAILED · checkout p99 −100 ms (case-4) | no run | ✗ FAILED · error rate −24 % (case-6) |") {
		t.Errorf("the missing case:\n%s", md.String())
	}
}
