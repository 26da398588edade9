package report

import (
	"embed"
	"html/template"
	"io"
)

//go:embed report.tmpl
var templates embed.FS

// pages holds the templates of report.html and of the charts' SVG.
// html/template escapes everything that comes from the journal.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templates, "report.tmpl"))

// page is what report.html shows.
type page struct {
	R       *Report
	Word    string // PASSED
	Class   string // the verdict, for the style
	Nothing string // what "What to fix" says when nothing broke
	T       tables
	Charts  []chartView
}

// HTML writes report.html: self-contained (inline CSS and SVG, no
// JavaScript, no external resources), readable printed or offline.
func (r *Report) HTML(w io.Writer) error {
	p := page{R: r, Word: verdictWord(r.Verdict), Class: string(r.Verdict), Nothing: nothingBroke(r), T: r.tables()}
	for _, c := range r.Charts {
		p.Charts = append(p.Charts, c.view)
	}
	return pages.ExecuteTemplate(w, "html", p)
}
