package compare

import (
	"embed"
	"html/template"
	"io"
	"strings"

	"github.com/gameday-dev/gameday/experiments/report"
)

//go:embed compare.tmpl
var templates embed.FS

// pages holds the templates of compare.html and of its charts.
// html/template escapes everything that comes from the journals.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
}).ParseFS(templates, "compare.tmpl"))

// page is what compare.html shows.
type page struct {
	C       *Comparison
	Title   string
	First   string
	Runs    []runRow
	Changes []changes
	Rows    []cellRow
	Plots   []plot
	Grid    *gridView
}

type runRow struct {
	N                              int
	R                              RunInfo
	Colour, Class, Verdict, Lasted string
	Failed, Link                   string
}

// changes is what changed in one run against the first.
type changes struct {
	Title string
	Items []changeItem
	Same  string // the assumptions that did not change
}

type changeItem struct {
	Subject, Text, Change, Words string
}

type cellRow struct {
	First                    bool // the first run of an assumption
	Span                     int  // its runs
	Name, Condition          string
	Run, Colour, Class       string
	Verdict, Worst, Violated string
	Recovery                 string
}

// HTML writes compare.html: self-contained (inline CSS and SVG, no
// script, no external resource), the tables and the charts of the runs
// overlaid.
func (c *Comparison) HTML(w io.Writer) error {
	p := page{C: c, Title: c.title(), First: c.first(), Plots: c.plots()}
	if c.Grid != nil {
		p.Grid = c.gridView()
	}
	for k, r := range c.Runs {
		row := runRow{N: k + 1, R: r, Colour: runColour(k), Class: verdictClass(r.Verdict), Verdict: verdictWord(r.Verdict),
			Lasted: dur(r.DurationS), Failed: r.failedWords(), Link: mdLink(c.link(k, "report.html"))}
		p.Runs = append(p.Runs, row)
	}
	for k := 1; k < len(c.Runs); k++ {
		ch := changes{Title: c.Runs[k].Name + " vs " + c.Runs[0].Name}
		var same []string
		for _, d := range c.Deltas {
			switch {
			case d.Run != k:
			case d.Change == Same && d.Assumption != "":
				same = append(same, d.Assumption)
			default:
				it := changeItem{Subject: d.Assumption, Text: d.Text, Change: string(d.Change),
					Words: strings.Trim(changeWords(d.Change), " ()")}
				if it.Subject == "" {
					it.Subject = "the run"
				}
				if d.Change == Same || d.Change == Differ {
					it.Change = ""
				}
				ch.Items = append(ch.Items, it)
			}
		}
		ch.Same = strings.Join(same, ", ")
		p.Changes = append(p.Changes, ch)
	}
	for _, row := range c.Assumptions {
		for k, cl := range row.Cells {
			p.Rows = append(p.Rows, cellRow{First: k == 0, Span: len(row.Cells), Name: row.Name, Condition: row.Condition,
				Run: c.Runs[k].Name, Colour: runColour(k), Class: outcomeClass(cl), Verdict: cl.verdictWords(),
				Worst: cl.worstWords(), Violated: cl.violatedWords(), Recovery: cl.recoveryWords()})
		}
	}
	return pages.ExecuteTemplate(w, "html", p)
}

func verdictClass(v report.Verdict) string {
	switch v {
	case report.Passed:
		return "ok"
	case report.Failed:
		return "bad"
	}
	return "warn"
}

func outcomeClass(c Cell) string {
	switch {
	case !c.Present:
		return "na"
	case c.Verdict == report.OutcomePassed:
		return "ok"
	case c.Verdict == report.OutcomeFailed:
		return "bad"
	}
	return "na"
}
