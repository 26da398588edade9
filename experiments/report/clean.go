package report

import (
	"strings"
	"unicode/utf8"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// Text from a journal is cleaned once, as it comes in, so that no format
// has to: characters that XML does not allow (and that a terminal or a
// browser would act on: controls, bidirectional overrides) become U+FFFD,
// and a text longer than maxText is cut (with "…"), so that a hostile
// journal cannot make a report of gigabytes. Each writer still escapes
// the text for its format (Markdown, HTML, XML, JSON).

// maxText is the longest text from a journal that a report shows, in
// bytes.
const maxText = 1000

// CleanText returns s fit for every report format, as the report makes
// every text of a journal: for texts that come from elsewhere (a
// directory's name).
func CleanText(s string) string { return clean(s) }

// clean returns s fit for every report format.
func clean(s string) string {
	if len(s) <= maxText && isClean(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i >= maxText {
			b.WriteString("…")
			break
		}
		if unfit(r) {
			r = utf8.RuneError // as an invalid byte already is
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unfit(rune(c)) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unfit(r) {
			return false
		}
		i += n
	}
	return true
}

// unfit reports whether r has no place in a report: a control character
// (but tab and newlines), one that XML refuses, or one that reorders the
// text around it.
func unfit(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return true
	case r == 0xFFFE || r == 0xFFFF:
		return true
	case r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C:
		return true
	}
	return false
}

func cleanAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}

// cleanHeader is a copy of h with every text cleaned.
func cleanHeader(h *journal.Header) journal.Header {
	c := *h
	c.Gameday, c.Name, c.Description, c.File, c.Case = clean(h.Gameday), clean(h.Name), clean(h.Description), clean(h.File), clean(h.Case)
	c.Hypothesis = clean(h.Hypothesis)
	c.Matrix = make([]experiments.MatrixValue, len(h.Matrix))
	for i, m := range h.Matrix {
		c.Matrix[i] = experiments.MatrixValue{Name: clean(m.Name), Value: clean(m.Value)}
	}
	c.Assumptions = make([]journal.Check, len(h.Assumptions))
	for i, a := range h.Assumptions {
		a.Name, a.Series, a.Of = clean(a.Name), clean(a.Series), cleanAll(a.Of)
		a.Kind, a.Aggregate = experiments.AssumptionKind(clean(string(a.Kind))), experiments.Aggregate(clean(string(a.Aggregate)))
		a.Op, a.Unit = experiments.Comparison(clean(string(a.Op))), experiments.Unit(clean(string(a.Unit)))
		a.During = experiments.Phase(clean(string(a.During)))
		c.Assumptions[i] = a
	}
	c.Blocks = make([]journal.Block, len(h.Blocks))
	for i, b := range h.Blocks {
		b.Name, b.Description, b.Summary, b.Target, b.LoadTarget = clean(b.Name), clean(b.Description), clean(b.Summary), clean(b.Target), clean(b.LoadTarget)
		b.Kind, b.Parallel = experiments.FaultKind(clean(string(b.Kind))), cleanAll(b.Parallel)
		if b.Sequence != nil {
			seq := make([]journal.Step, len(b.Sequence))
			for k, st := range b.Sequence {
				seq[k] = journal.Step{Block: clean(st.Block), For: st.For}
			}
			b.Sequence = seq
		}
		c.Blocks[i] = b
	}
	c.Charts = make([]experiments.Chart, len(h.Charts))
	for i, ch := range h.Charts {
		n := experiments.Chart{Title: clean(ch.Title), Unit: experiments.Unit(clean(string(ch.Unit)))}
		for _, s := range ch.Series {
			n.Series = append(n.Series, experiments.ChartSeries{Series: clean(s.Series), Label: clean(s.Label)})
		}
		c.Charts[i] = n
	}
	c.Schedule = nil // not in a report
	return c
}

func cleanEvent(e experiments.Event) experiments.Event {
	e.Kind, e.Subject, e.By, e.Text = experiments.EventKind(clean(string(e.Kind))), clean(e.Subject), clean(e.By), clean(e.Text)
	e.Role = experiments.Role(clean(string(e.Role)))
	return e
}

func cleanEnd(e journal.End) journal.End {
	e.Aborted = clean(e.Aborted)
	e.Verdict = assume.RunVerdict(clean(string(e.Verdict)))
	fs := make([]assume.AssumptionFinal, len(e.Assumptions))
	for i, f := range e.Assumptions {
		f.Name, f.Symbol, f.Text, f.Status = clean(f.Name), clean(f.Symbol), clean(f.Text), assume.Status(clean(string(f.Status)))
		fs[i] = f
	}
	e.Assumptions = fs
	return e
}
