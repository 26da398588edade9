package compare

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gameday-dev/gameday/experiments/report"
)

// Markdown writes compare.md: the runs (with links to their reports),
// the assumptions side by side, and what changed. Its charts are in
// compare.html.
func (c *Comparison) Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	md := report.EscapeMarkdown

	p("# Comparison: %s\n\n", md(c.title()))
	p("%d runs side by side. The first, %s, is the reference: in \"a vs b\", a is the other run and b the first.\n\n",
		len(c.Runs), md(c.first()))
	if c.Grid != nil {
		c.Grid.markdown(p, c.gridNames())
	}
	p("## Runs\n\n| # | run | verdict | lasted | assumptions | faults | experiment | report |\n" +
		"| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for k, r := range c.Runs {
		link := "–"
		if l := c.link(k, "report.md"); l != "" {
			link = fmt.Sprintf("[report.md](%s)", mdLink(l))
		}
		p("| %d | %s | %s %s | %s | %s | %d | %s | %s |\n", k+1, md(r.Name), r.Symbol, verdictWord(r.Verdict), dur(r.DurationS),
			r.failedWords(), r.Faults, md(r.Experiment), link)
	}
	p("\n")
	for _, r := range c.Runs {
		p("- **%s**: %s\n", md(r.Name), md(r.Headline))
	}
	p("\n## Assumptions\n\n")
	if len(c.Assumptions) == 0 {
		p("No run states an assumption.\n\n")
	} else {
		p("| assumption | run | verdict | worst | violated | recovery |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, row := range c.Assumptions {
			for k, cl := range row.Cells {
				name := ""
				if k == 0 {
					name = "**" + md(row.Name) + "**"
					if row.Condition != "" {
						name += " " + md(row.Condition)
					}
				}
				p("| %s | %s | %s | %s | %s | %s |\n", name, md(c.Runs[k].Name), md(cl.verdictWords()), cl.worstWords(),
					cl.violatedWords(), cl.recoveryWords())
			}
		}
		p("\n")
	}
	if len(c.Runs) > 1 {
		p("## What changed\n\n")
	}
	for k := 1; k < len(c.Runs); k++ {
		p("### %s vs %s\n\n", md(c.Runs[k].Name), md(c.Runs[0].Name))
		var same []string
		for _, d := range c.Deltas {
			switch {
			case d.Run != k:
			case d.Change == Same && d.Assumption != "":
				same = append(same, md(d.Assumption))
			case d.Assumption == "":
				p("- **the run**: %s%s\n", md(d.Text), changeWords(d.Change))
			default:
				p("- **%s**: %s%s\n", md(d.Assumption), md(d.Text), changeWords(d.Change))
			}
		}
		if len(same) > 0 {
			p("- the same: %s\n", strings.Join(same, ", "))
		}
		p("\n")
	}
	p("The charts of the runs, overlaid, are in compare.html.\n")
	return bw.Flush()
}

// title names the runs: "none vs hardened".
func (c *Comparison) title() string {
	names := make([]string, len(c.Runs))
	for i, r := range c.Runs {
		names[i] = r.Name
	}
	return fit(strings.Join(names, " vs "), 200)
}

func (c *Comparison) first() string {
	if len(c.Runs) == 0 {
		return "none"
	}
	return c.Runs[0].Name
}

// link is where a run's file (report.md, report.html) is, from the
// comparison's directory when it is written into one; "" when the run
// has no directory or the directory no such file.
func (c *Comparison) link(k int, file string) string {
	dir := c.Runs[k].Dir
	if dir == "" {
		return ""
	}
	path := filepath.Join(dir, file)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	if c.base != "" {
		if abs, err := filepath.Abs(path); err == nil {
			if rel, err := filepath.Rel(c.base, abs); err == nil {
				path = rel
			}
		}
	}
	return filepath.ToSlash(path)
}

// mdLink escapes a path for a link's destination, segment by segment.
func mdLink(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
