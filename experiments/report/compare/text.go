package compare

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// textWidth is the width of the terminal table: it fits 100 columns.
const textWidth = 100

// Text writes the comparison for a terminal, in at most 100 columns
// (longer names are cut with "…"): the runs, each assumption with a line
// per run (verdict, worst, time violated, recovery), and what changed
// from the first run to each other one.
//
//	assumption / run           verdict       worst         violated           recovery
//	queue depth · queue < 100
//	  none                     ✗ failed      742           13.7s (1×)         –
//	  hardened                 ✓ passed      50            –                  –
func (c *Comparison) Text(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("Comparing %d runs (the first is the reference):\n", len(c.Runs))
	for i, r := range c.Runs {
		line := fmt.Sprintf("  %-2d %s %s %s %s  %s", i+1, padName(r.Name, 24), pad(r.Symbol+" "+verdictWord(r.Verdict), 13),
			pad(dur(r.DurationS), 7), pad(r.failedWords(), 14), r.Experiment)
		p("%s\n", fit(strings.TrimRight(line, " "), textWidth))
	}
	p("\n")
	if len(c.Assumptions) == 0 {
		p("No run states an assumption.\n")
	} else {
		p("%s %s %s %s %s\n", pad("assumption / run", 26), pad("verdict", 13), pad("worst", 13), pad("violated", 18), "recovery")
		for _, row := range c.Assumptions {
			head := row.Name
			if row.Condition != "" {
				head += " · " + row.Condition
			}
			p("%s\n", fit(head, textWidth))
			for k, cl := range row.Cells {
				line := fmt.Sprintf("  %s %s %s %s %s", padName(c.Runs[k].Name, 24), pad(cl.verdictWords(), 13),
					pad(cl.worstWords(), 13), pad(cl.violatedWords(), 18), fit(cl.recoveryWords(), 17))
				p("%s\n", strings.TrimRight(line, " "))
			}
		}
	}
	for k := 1; k < len(c.Runs); k++ {
		p("\n%s\n", fit(c.Runs[k].Name+" vs "+c.Runs[0].Name+":", textWidth))
		var same []string
		for _, d := range c.Deltas {
			if d.Run != k {
				continue
			}
			if d.Change == Same && d.Assumption != "" {
				same = append(same, d.Assumption)
				continue
			}
			subject := d.Assumption
			if subject == "" {
				subject = "the run"
			}
			wrap(bw, subject+": "+d.Text+changeWords(d.Change), "  ", "      ")
		}
		if len(same) > 0 {
			wrap(bw, "the same: "+strings.Join(same, ", "), "  ", "      ")
		}
	}
	return bw.Flush()
}

// changeWords: " (better)", " (worse)", " (better and worse)".
func changeWords(ch Change) string {
	switch ch {
	case Better, Worse:
		return " (" + string(ch) + ")"
	case Mixed:
		return " (better and worse)"
	}
	return ""
}

// pad cuts s to n runes, or pads it with spaces to n.
func pad(s string, n int) string {
	s = fit(s, n)
	if k := utf8.RuneCountInString(s); k < n {
		s += strings.Repeat(" ", n-k)
	}
	return s
}

// padName is pad for a run's name: a long name loses its middle, as
// names of runs often differ at their ends ("Demo shop · resilience
// none" reads "Demo shop…resilience none").
func padName(s string, n int) string {
	rs := []rune(fit(s, 4*n))
	if len(rs) > n {
		head := (n - 1) / 3
		s = string(rs[:head]) + "…" + string(rs[len(rs)-(n-1-head):])
	}
	return pad(s, n)
}

// fit cuts s to at most n runes, ending in "…" when it cuts; a newline or
// a tab is a space.
func fit(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// wrap writes s in lines of at most textWidth runes, the first after
// first, the next ones after next; a word longer than a line is cut.
func wrap(w io.Writer, s, first, next string) {
	s = fit(s, 4*textWidth)
	indent := first
	line := ""
	flush := func() {
		fmt.Fprintf(w, "%s%s\n", indent, line)
		indent, line = next, ""
	}
	for _, word := range strings.Fields(s) {
		room := textWidth - utf8.RuneCountInString(indent)
		word = fit(word, room)
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= room:
			line += " " + word
		default:
			flush()
			line = word
		}
	}
	if line != "" {
		flush()
	}
}
