package report

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// Markdown writes report.md. Its charts are the SVG files that Write puts
// next to it (Chart.File).
func (r *Report) Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	t := r.tables()

	p("# %s %s: %s\n\n", r.Symbol, verdictWord(r.Verdict), md(r.Experiment.Name))
	if r.Experiment.Hypothesis != "" {
		p("**Hypothesis:** %s\n\n", mdPara(r.Experiment.Hypothesis))
	}
	p("%s\n\n", mdPara(r.Headline))
	if r.Experiment.Description != "" {
		p("> %s\n\n", mdPara(r.Experiment.Description))
	}
	p("| | |\n| --- | --- |\n")
	if r.Experiment.Case != "" {
		p("| case | %s |\n", md(r.Experiment.Case))
	}
	if r.Experiment.File != "" {
		p("| file | %s |\n", md(r.Experiment.File))
	}
	p("| started | %s |\n| duration | %s |\n| gameday | %s |\n\n", t.Started, t.Duration, md(r.Gameday))
	for _, s := range r.LeftOut {
		p("> %s\n\n", s)
	}

	if len(r.Charts) > 0 {
		p("## Charts\n\n")
		for _, c := range r.Charts {
			p("### %s\n\n![%s](%s)\n\n", md(c.Title), md(c.Title), c.File)
			for _, s := range c.view.Stats {
				p("- %s: %s to %s, the highest at %s\n", md(s.Label), s.Min, s.Max, s.MaxAt)
			}
			if len(c.view.Stats) == 0 {
				p("No samples.\n")
			}
			p("\n")
		}
	}

	// table writes a section's table, a row per item, or the sentence none
	// when it has no rows.
	table := func(none, head string, rows int, row func(i int)) {
		if rows == 0 {
			p("%s\n\n", none)
			return
		}
		p("%s", head)
		for i := range rows {
			row(i)
		}
		p("\n")
	}

	p("## Assumptions\n\n")
	table("The experiment states no assumptions.",
		"| | assumption | condition | verdict | worst | first broke | violated | recovery |\n"+
			"| --- | --- | --- | --- | --- | --- | --- | --- |\n",
		len(t.Assumptions), func(i int) {
			a := t.Assumptions[i]
			p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", md(a.Symbol), md(a.Name), md(a.Condition), a.Verdict,
				a.Worst, a.FirstBroke, a.ViolatedFor, a.Recovery)
		})

	p("## Faults\n\n")
	table("No fault was started.",
		"| block | what | on | off | lasted | peak intensity | halted |\n| --- | --- | --- | --- | --- | --- | --- |\n",
		len(t.Faults), func(i int) {
			f := t.Faults[i]
			p("| %s | %s | %s | %s | %s | %s | %s |\n", md(f.Block), md(f.Summary), f.On, f.Off, f.Lasted, f.Peak, md(f.Halted))
		})

	p("## Cascade\n\n")
	table("Nothing broke.",
		"What broke, in order, and the fault it follows (the one on at the time, or else the last one started before).\n\n"+
			"| # | at | what broke | | value | worst | fault | when | held again |\n"+
			"| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
		len(t.Cascade), func(i int) {
			b := t.Cascade[i]
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", b.N, b.At, md(b.Assumption), b.Kind, b.Value, b.Worst,
				md(b.Fault), b.After, b.Held)
		})

	p("## Recovery\n\n")
	table("Nothing was broken when a fault halted, and no recovery check ran.",
		"| assumption | | after the halt of | halted at | held again at | took | outcome |\n"+
			"| --- | --- | --- | --- | --- | --- | --- |\n",
		len(t.Recoveries), func(i int) {
			rc := t.Recoveries[i]
			p("| %s | %s | %s | %s | %s | %s | %s |\n", md(rc.Assumption), rc.Kind, md(rc.Fault), rc.Halted, rc.Held,
				rc.Took, rc.Outcome)
		})

	p("## What to fix\n\n")
	if len(r.Suggestions) == 0 {
		p("%s\n\n", nothingBroke(r))
	}
	for i, s := range r.Suggestions {
		p("### %d. %s\n\n%s\n\n", i+1, md(s.Title), mdPara(s.Evidence))
		for _, a := range s.Actions {
			p("- %s\n", mdPara(a))
		}
		p("\n")
	}

	r.markdownDebrief(p)
	p("## Timeline\n\n")
	p("| at | | event | subject | by | text |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, e := range t.Timeline {
		p("| %s | %s | %s | %s | %s | %s |\n", e.At, e.Symbol, md(e.Kind), md(e.Subject), md(e.By), md(e.Text))
		if e.Cut > 0 {
			p("| | … | | | | %d events left out |\n", e.Cut)
		}
	}
	p("\n")
	return bw.Flush()
}

// nothingBroke is what "What to fix" says when no rule fired.
func nothingBroke(r *Report) string {
	switch {
	case r.Verdict == Incomplete && len(r.Faults) > 0:
		return "No assumption broke before the journal ends."
	case len(r.Faults) == 0:
		return "No fault was started: this run tested nothing yet."
	}
	return "No assumption broke: the system absorbed every fault of this run."
}

// mdEscape escapes what would make a table cell end, a link, an image,
// emphasis or strikethrough, or code.
var mdEscape = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ",
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "~", `\~`, "[", `\[`, "]", `\]`)

// mdTag finds a '<' that could open an HTML tag or comment, and mdEntity
// an '&' that would start an entity ("< 250 ms" and "R&D" stay as they
// are).
var (
	mdTag    = regexp.MustCompile(`<([A-Za-z/!?])`)
	mdEntity = regexp.MustCompile(`&([A-Za-z0-9#]+;)`)
)

// EscapeMarkdown escapes a text for Markdown, on one line (a table
// cell), as report.md does: for other documents made from reports.
func EscapeMarkdown(s string) string { return md(s) }

// md escapes text from the journal for Markdown, on one line.
func md(s string) string {
	s = mdEscape.Replace(s)
	s = mdEntity.ReplaceAllString(s, "&amp;$1")
	s = mdTag.ReplaceAllString(s, "&lt;$1")
	return mdUnderscores(s)
}

// mdUnderscores escapes each '_' that could open or close emphasis: one
// not inside a word (error_rate stays as it is).
func mdUnderscores(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	var b strings.Builder
	prev := ' '
	rs := []rune(s)
	for i, r := range rs {
		if r == '_' {
			next := ' '
			if i+1 < len(rs) {
				next = rs[i+1]
			}
			if !word(prev) || !word(next) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// mdPara escapes text that starts a paragraph or a list item: also what
// would start a heading, a list or a quote ("# x" → "\# x", "1. x" → "1\. x").
func mdPara(s string) string {
	return mdBlock.ReplaceAllStringFunc(md(s), func(m string) string { return m[:len(m)-1] + `\` + m[len(m)-1:] })
}

// mdBlock finds what would open a block at the start of a line.
var mdBlock = regexp.MustCompile(`^(?:[#>+=~-]|[0-9]+[.)])`)
