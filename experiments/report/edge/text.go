package edge

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report"
)

// Text writes the edges for the terminal, and how they stand against
// the block's expect_edge.
func (f *File) Text(w io.Writer) error {
	bw := bufio.NewWriter(w)
	repeats := ""
	if f.Plan.Repeat > 1 {
		repeats = fmt.Sprintf(", the median of %d repeats", f.Plan.Repeat)
	}
	fmt.Fprintf(bw, "\nedge of %q (%s%s):\n", f.Block, f.Param, repeats)
	for _, a := range f.Assumptions {
		switch {
		case a.NoValue:
			fmt.Fprintf(bw, "  %-28s no value while the fault was on\n", a.Name)
			continue
		case a.Edge == nil:
			fmt.Fprintf(bw, "  %-28s held up to %s (never broke)%s\n", a.Name, *a.Interval[0], f.spreadNote(a))
			continue
		}
		fmt.Fprintf(bw, "  %-28s broke at %s (%s), held at %s%s\n", a.Name, *a.Edge, pct(*a.Intensity), *a.Interval[0], f.spreadNote(a))
	}
	if f.ExpectEdge != "" {
		below := f.Below()
		if len(below) == 0 {
			fmt.Fprintf(bw, "every assumption held above the expected edge %s\n", f.ExpectEdge)
		}
		for _, why := range below {
			fmt.Fprintf(bw, "✗ %s\n", why)
		}
		for _, why := range f.repeatsBelow() {
			fmt.Fprintf(bw, "! %s\n", why)
		}
	}
	return bw.Flush()
}

// spreadNote says how far apart the repeats were: "; repeats 195ms to
// 240ms", "; repeats 180ms to never (1 of 3 never broke)", "; the same
// in all 3 repeats"; "" for one.
func (f *File) spreadNote(a Assumption) string {
	if len(a.Repeats) < 2 {
		return ""
	}
	switch {
	case a.Spread[0] == nil:
		return fmt.Sprintf("; never in %d repeats", len(a.Repeats))
	case a.Spread[1] != nil && *a.Spread[0] == *a.Spread[1]:
		return fmt.Sprintf("; the same in all %d repeats", len(a.Repeats))
	}
	return "; repeats " + f.spreadWords(a)
}

// spreadWords: "195ms to 240ms", "210ms in every repeat", "180ms to
// never (1 of 3 never broke)"; "–" when no repeat broke.
func (f *File) spreadWords(a Assumption) string {
	switch {
	case a.Spread[0] == nil:
		return "–"
	case a.Spread[1] == nil:
		return fmt.Sprintf("%s to never (%d of %d never broke)", *a.Spread[0], a.Never, len(a.Repeats))
	case *a.Spread[0] == *a.Spread[1]:
		return *a.Spread[0] + " in every repeat"
	}
	return *a.Spread[0] + " to " + *a.Spread[1]
}

// repeatsBelow says each assumption whose edge lies above expect_edge
// while one of its repeats broke at or below it.
func (f *File) repeatsBelow() []string {
	var out []string
	for _, a := range f.Assumptions {
		if a.BelowExpected || math.IsNaN(a.lo) || a.Spread[0] == nil {
			continue
		}
		if _, ok := f.block.EdgeBelow(a.Name, a.lo); ok {
			median := "it never broke in most"
			if a.Edge != nil {
				median = "the median, " + *a.Edge + ", is above it"
			}
			out = append(out, fmt.Sprintf("%s broke at %s in a repeat, at or below the expected edge %s (%s)",
				a.Name, *a.Spread[0], f.ExpectEdge, median))
		}
	}
	return out
}

// Markdown writes edge.md: each assumption's edge, what the search did,
// and every level tried with each assumption's margin there.
func (f *File) Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	md := report.EscapeMarkdown
	p("# Edge of %s\n\n", md(f.Block))
	p("Where each assumption broke as the block's %s grew: %s.", f.Param, f.planWords())
	if f.ExpectEdge != "" {
		p(" Expected edge: %s.", md(f.ExpectEdge))
	}
	p("\n\n")
	many := f.Plan.Repeat > 1
	if many {
		p("| assumption | breaks at | held at | intensity | spread over %d repeats | each repeat | threshold |\n"+
			"| --- | --- | --- | --- | --- | --- | --- |\n", f.Plan.Repeat)
	} else {
		p("| assumption | breaks at | held at | intensity | threshold |\n| --- | --- | --- | --- | --- |\n")
	}
	for _, a := range f.Assumptions {
		r := f.summary(a)
		if r.Below {
			r.At += " ✗ at or below the expected edge"
		}
		if many {
			p("| %s | %s | %s | %s | %s | %s | %s |\n", md(r.Name), r.At, r.Held, r.Level, r.Spread, r.Each, md(r.Condition))
		} else {
			p("| %s | %s | %s | %s | %s |\n", md(r.Name), r.At, r.Held, r.Level, md(r.Condition))
		}
	}
	if many {
		p("\nThe edge is the median of the repeats' edges (a repeat's edge: the lowest level that broke the assumption in it): " +
			"a repeat that never broke counts as above every level, and of an even number the lower middle one counts. " +
			"\"held at\" is the median, taken the same way, of the highest levels that held below each repeat's edge.\n")
	}
	for _, why := range f.repeatsBelow() {
		p("\n! %s\n", md(why))
	}
	p("\n## Levels tried\n\nEach assumption's worst value while the level was on, and its margin to the threshold " +
		"(✓ held, ✗ broke: below zero, or at zero for a strict threshold).\n\n")
	p("| # | repeat | intensity | %s |", f.Param)
	for _, a := range f.Assumptions {
		p(" %s |", md(a.Name))
	}
	p(" recovered before the next |\n| --- | --- | --- | --- |%s --- |\n", strings.Repeat(" --- |", len(f.Assumptions)))
	for i, l := range f.Levels {
		p("| %d | %d | %s | %s |", i+1, l.Repeat, pct(l.Intensity), l.Value)
		for _, a := range f.Assumptions {
			p(" %s |", f.measureWords(a, l))
		}
		rec := "yes"
		if !l.Recovered {
			rec = "no"
		}
		p(" %s |\n", rec)
	}
	p("\nThe margins against the %s, as curves, are in edge.html.\n", f.Param)
	return bw.Flush()
}

// row is an assumption's line of the table of edges, in words.
type row struct {
	Name, Condition, At, Held, Level, Spread, Each string
	Below                                          bool
}

// summary says an assumption's edge: where it broke ("never (up to the
// last level)", "no value while the fault was on"), where it held, at
// which intensity, the repeats' spread and each repeat's edge.
func (f *File) summary(a Assumption) row {
	r := row{Name: a.Name, Condition: a.Condition, At: "never (up to the last level)", Held: *a.Interval[0], Level: "–",
		Spread: f.spreadWords(a), Each: repeatWords(a), Below: a.BelowExpected}
	switch {
	case a.NoValue:
		r.At, r.Held, r.Spread, r.Each = "no value while the fault was on", "–", "–", "–"
	case a.Edge != nil:
		r.At, r.Level = *a.Edge, pct(*a.Intensity)
	}
	return r
}

// planWords: "10 levels from 30ms to 300ms, each on for 10s, then 2
// rounds of bisection; 3 repeats, each a sweep and its own bisection".
func (f *File) planWords() string {
	s := fmt.Sprintf("%s from %s to %s, each on for %s", experiments.Count(f.Plan.Levels, "level", "levels"), f.Plan.From, f.Plan.To,
		experiments.FormatDuration(f.Plan.DwellS))
	if f.Plan.Bisect > 0 {
		s += ", then " + experiments.Count(f.Plan.Bisect, "round", "rounds") + " of bisection"
	}
	if f.Plan.Repeat > 1 {
		s += fmt.Sprintf("; %d repeats, each a sweep and its own bisection", f.Plan.Repeat)
	}
	if f.Plan.Stopped {
		s += " (stopped before its end)"
	}
	return s
}

// repeatWords: "210ms, 195ms, never".
func repeatWords(a Assumption) string {
	out := make([]string, len(a.Repeats))
	for i, r := range a.Repeats {
		out[i] = "never"
		if r.Edge != nil {
			out[i] = *r.Edge
		}
	}
	return strings.Join(out, ", ")
}

// measureWords: "✓ 180 ms (margin 70 ms)", "✗ 262 ms (-12 ms)", "no value".
func (f *File) measureWords(a Assumption, l Level) string {
	for _, m := range l.Assumptions {
		if m.Name != a.Name {
			continue
		}
		if m.Worst == nil || m.Margin == nil {
			return "no value"
		}
		u := experiments.UnitNone
		if c := f.conditions[a.raw]; c != nil {
			u = c.Unit
		}
		mark := "✓"
		for _, b := range l.Broke {
			if b == a.Name {
				mark = "✗"
			}
		}
		return fmt.Sprintf("%s %s (%s)", mark, u.Format(*m.Worst), u.Signed(*m.Margin))
	}
	return "–"
}

func pct(level float64) string { return fmt.Sprintf("%d %%", int(math.Round(level*100))) }
