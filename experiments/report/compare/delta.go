package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/gameday-dev/gameday/experiments/report"
)

// phrase is one difference in words, and which way it goes for the run
// compared with the first: +1 better, -1 worse, 0 no direction.
type phrase struct {
	text string
	dir  int
}

// deltas compares each run with the first: the run as a whole, then each
// assumption either has.
func (c *Comparison) deltas() []Delta {
	var out []Delta
	for k := 1; k < len(c.Runs); k++ {
		out = append(out, delta(k, "", c.runPhrases(k)))
		for _, row := range c.Assumptions {
			a, b := row.Cells[k], row.Cells[0]
			switch {
			case !a.Present && !b.Present:
			case !a.Present:
				out = append(out, Delta{Run: k, Assumption: row.Name, Text: "not in " + c.Runs[k].Name})
			case !b.Present:
				out = append(out, Delta{Run: k, Assumption: row.Name,
					Text: fmt.Sprintf("not in %s; %s here", c.Runs[0].Name, a.Verdict)})
			default:
				out = append(out, delta(k, row.Name, cellPhrases(a, b)))
			}
		}
	}
	return out
}

// delta says the phrases, and which way they go together.
func delta(k int, assumption string, ps []phrase) Delta {
	d := Delta{Run: k, Assumption: assumption, Change: Same, Text: "no difference"}
	if len(ps) == 0 {
		return d
	}
	better, worse := false, false
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.text
		better, worse = better || p.dir > 0, worse || p.dir < 0
	}
	d.Text = strings.Join(texts, ", ")
	switch {
	case better && worse:
		d.Change = Mixed
	case better:
		d.Change = Better
	case worse:
		d.Change = Worse
	default:
		d.Change = Differ
	}
	return d
}

// runPhrases: "passed vs failed, 1 assumption failed vs 2, lasted 40s vs
// 1m15s".
func (c *Comparison) runPhrases(k int) []phrase {
	a, b := c.Runs[k], c.Runs[0]
	var ps []phrase
	if a.Verdict != b.Verdict {
		ps = append(ps, phrase{string(a.Verdict) + " vs " + string(b.Verdict), order(runRank(a.Verdict), runRank(b.Verdict))})
	}
	switch {
	case a.Judged != b.Judged:
		ps = append(ps, phrase{text: fmt.Sprintf("%d of %d %s failed vs %d of %d", a.Failed, a.Judged,
			plural(a.Judged, "assumption", "assumptions"), b.Failed, b.Judged)})
	case a.Failed != b.Failed:
		ps = append(ps, phrase{fmt.Sprintf("%d %s failed vs %d", a.Failed, plural(a.Failed, "assumption", "assumptions"),
			b.Failed), order(b.Failed, a.Failed)})
	}
	if da, db := dur(a.DurationS), dur(b.DurationS); da != db {
		ps = append(ps, phrase{text: "lasted " + da + " vs " + db})
	}
	return ps
}

// runRank orders run verdicts, best first; -1: no order (incomplete).
func runRank(v report.Verdict) int {
	switch v {
	case report.Passed:
		return 2
	case report.Failed:
		return 1
	case report.Aborted:
		return 0
	}
	return -1
}

// order is +1 when a ranks above b, -1 below, 0 when either has no rank.
func order(a, b int) int {
	switch {
	case a < 0 || b < 0 || a == b:
		return 0
	case a > b:
		return 1
	}
	return -1
}

// cellPhrases compares an assumption of run a with the first run's, b.
func cellPhrases(a, b Cell) []phrase {
	var ps []phrase
	if a.Verdict != b.Verdict {
		dir := 0
		switch {
		case a.Verdict == report.OutcomeFailed && b.Verdict == report.OutcomePassed:
			dir = -1
		case a.Verdict == report.OutcomePassed && b.Verdict == report.OutcomeFailed:
			dir = 1
		}
		ps = append(ps, phrase{string(a.Verdict) + " vs " + string(b.Verdict), dir})
	}
	if wa, wb := a.worstWords(), b.worstWords(); wa != wb {
		p := phrase{text: "worst " + noValue(wa) + " vs " + noValue(wb)}
		if a.Worst != nil && b.Worst != nil && apart(*a.Worst, *b.Worst) {
			p.dir = lowerBetter(*a.Worst, *b.Worst)
			if a.Op == ">" || a.Op == ">=" {
				p.dir = -p.dir
			}
			if a.Op == "" || a.Op != b.Op {
				p.dir = 0
			}
		}
		ps = append(ps, p)
	}
	if !isRecovery(a.Kind) && !isRecovery(b.Kind) {
		if va, vb := violatedFor(a), violatedFor(b); va != vb {
			p := phrase{text: va + " vs " + vb}
			if rest, ok := strings.CutPrefix(vb, "violated for "); ok && strings.HasPrefix(va, "violated for ") {
				p.text = va + " vs " + rest
			}
			if apart(a.ViolatedForS, b.ViolatedForS) {
				p.dir = lowerBetter(a.ViolatedForS, b.ViolatedForS)
			}
			ps = append(ps, p)
		}
	}
	if ra, rb := recovered(a), recovered(b); ra != rb {
		recovery := isRecovery(a.Kind) || isRecovery(b.Kind)
		switch {
		case ra != "" && rb != "":
			p := phrase{text: ra + " vs " + rb}
			if rest, ok := strings.CutPrefix(rb, "recovered in "); ok && strings.HasPrefix(ra, "recovered in ") {
				p.text = ra + " vs " + rest
			}
			switch {
			case a.RecoveryS == nil && b.RecoveryS != nil:
				p.dir = -1
			case a.RecoveryS != nil && b.RecoveryS == nil:
				p.dir = 1
			case a.RecoveryS != nil && apart(*a.RecoveryS, *b.RecoveryS) && math.Abs(*a.RecoveryS-*b.RecoveryS) >= 0.5:
				p.dir = lowerBetter(*a.RecoveryS, *b.RecoveryS)
			}
			if a.NotRecovered != b.NotRecovered {
				p.dir = order(b.NotRecovered, a.NotRecovered)
			}
			ps = append(ps, p)
		case !recovery: // a threshold assumption that had nothing to recover from in one run
			ps = append(ps, phrase{text: orWords(ra, "nothing to recover from") + " vs " + orWords(rb, "nothing to recover from")})
		}
	}
	return ps
}

// violatedFor: "violated for 13.7s", "never violated".
func violatedFor(c Cell) string {
	if c.Violations == 0 && c.ViolatedForS == 0 {
		return "never violated"
	}
	return "violated for " + dur(c.ViolatedForS)
}

// recovered: "recovered in 6.5s" (the slowest), "not recovered", "" when
// nothing was measured.
func recovered(c Cell) string {
	switch {
	case c.RecoveryS == nil && c.NotRecovered > 0:
		return "not recovered"
	case c.RecoveryS == nil:
		return ""
	case c.NotRecovered > 0:
		return fmt.Sprintf("recovered in %s, %d %s not", dur(*c.RecoveryS), c.NotRecovered, plural(c.NotRecovered, "halt", "halts"))
	}
	return "recovered in " + dur(*c.RecoveryS)
}

// apart reports whether a and b differ by at least a tenth of the larger:
// less is noise between two runs, not better or worse.
func apart(a, b float64) bool {
	return math.Abs(a-b) >= 0.1*math.Max(math.Abs(a), math.Abs(b))
}

func lowerBetter(a, b float64) int {
	switch {
	case a < b:
		return 1
	case a > b:
		return -1
	}
	return 0
}

// noValue is a worst value's words, "no value" for none.
func noValue(s string) string {
	if s == "–" {
		return "no value"
	}
	return s
}

func orWords(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
