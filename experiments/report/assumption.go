package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// assumption judges the i-th assumption: from the end record when the
// journal has one, else from its events and samples, in the words gameday
// prints.
func (a *analysis) assumption(i int) Assumption {
	c, cs := &a.checks[i], &a.stats[i]
	st := assume.AssumptionState{
		Assumption: experiments.Assumption{Name: c.Name, Kind: c.Kind, Series: c.Series, Aggregate: c.Aggregate,
			Window: time.Duration(c.Window), Op: c.Op, Threshold: c.Threshold, Unit: c.Unit,
			Within: time.Duration(c.Within), Of: c.Of},
		Status: cs.final, Value: math.NaN(), Worst: math.NaN(),
		Applied: cs.applied,
	}
	out := Assumption{Name: c.Name, Kind: string(c.Kind), Condition: condition(c), Unit: string(c.Unit)}
	var open time.Duration // a violation still under way at the end
	if c.Kind == experiments.AssumeRecovery {
		out.WithinS, out.Of = round3(time.Duration(c.Within).Seconds()), c.Of
		for _, t := range a.tries[c.Name] {
			switch {
			case t.ok:
				st.RecoveredOK++
			case !t.pending:
				st.RecoveryFailed++
			}
			if !t.done.IsZero() && t.halt != nil {
				took := t.done.Sub(t.halt.stop)
				st.SlowestRecov = max(st.SlowestRecov, took)
				if len(out.RecoveryS) < maxRecoveries {
					out.RecoveryS = append(out.RecoveryS, round3(took.Seconds()))
				}
			}
		}
		if x := a.lastHalt(a.end); x != nil {
			st.HaltedAt = x.stop
		}
	} else {
		out.Series, out.Aggregate, out.Op = c.Series, string(c.Aggregate), string(c.Op)
		out.WindowS, out.Threshold = round3(window(c).Seconds()), ptr(c.Threshold)
		st.Worst = cs.worst
		if st.Status == assume.StatusViolated {
			st.Status = assume.StatusHolding // unless a violation is still open, below
		}
		// The violations, replayed through Move as they came (those of
		// the first assumption of this name).
		if v := &a.stats[a.checkIx[c.Name]]; v.moved {
			m := &v.moves
			st.Status, st.Since, st.Violations, st.ViolatedFor = m.Status, m.Since, m.Violations, m.ViolatedFor
			if v.hasOpen {
				open = a.end.Sub(v.openFrom)
			}
			out.RecoveryS = v.recoveries
			out.FirstViolatedS = ptr(a.off(v.first))
		}
	}
	sym, text, passed := st.Verdict(a.end)
	out.Worst, out.Violations, out.RecoveryFailed = ptr(round3(st.Worst)), st.Violations, st.RecoveryFailed
	out.ViolatedForS = round3((st.ViolatedFor + open).Seconds())
	if f := a.final(c.Name); f != nil {
		sym, text, passed = f.Symbol, f.Text, f.Passed
		out.Violations, out.RecoveryFailed = f.Violations, f.RecoveryFails
		out.ViolatedForS = round3(time.Duration(f.ViolatedFor).Seconds())
		if f.Worst != nil {
			out.Worst = ptr(round3(*f.Worst))
		}
		st.RecoveredOK = f.RecoveredOK
	}
	out.Symbol, out.Text = sym, text
	switch {
	case !passed:
		out.Verdict = OutcomeFailed
	case c.Kind == experiments.AssumeRecovery && st.RecoveredOK == 0:
		out.Verdict = OutcomeNotTested
	case c.Kind != experiments.AssumeRecovery && out.Worst == nil:
		out.Verdict = OutcomeNoData
	default:
		out.Verdict = OutcomePassed
	}
	return out
}

// final is the end record's outcome of an assumption, if any.
func (a *analysis) final(name string) *assume.AssumptionFinal {
	if a.endRec == nil {
		return nil
	}
	if i, ok := a.finals[name]; ok {
		return &a.endRec.Assumptions[i]
	}
	return nil
}

// condition renders what an assumption asks: "p99 of checkout over 3s <
// 250 ms", "queue < 100", "all assumptions hold again within 30s of the
// last halt".
func condition(c *journal.Check) string {
	if c.Kind == experiments.AssumeRecovery {
		what := "all assumptions hold"
		switch len(c.Of) {
		case 0:
		case 1:
			what = c.Of[0] + " holds"
		default:
			what = strings.Join(c.Of, ", ") + " hold"
		}
		return fmt.Sprintf("%s again within %s of the last halt", what,
			experiments.FormatDuration(time.Duration(c.Within).Seconds()))
	}
	th := string(c.Op) + " " + c.Unit.Format(c.Threshold)
	if c.Relative {
		th = fmt.Sprintf("%s %g× the baseline", c.Op, c.Factor)
		if c.Threshold != 0 {
			th += " (" + c.Unit.Format(c.Threshold) + ")"
		}
	}
	switch c.During {
	case experiments.PhaseFaults:
		th += ", while faults are on"
	case experiments.PhaseAfter:
		th += ", after the faults halted"
	}
	if c.Aggregate == "" || c.Aggregate == experiments.AggLast {
		return c.Series + " " + th
	}
	agg := strings.ReplaceAll(string(c.Aggregate), "_", " ")
	return fmt.Sprintf("%s of %s over %s %s", agg, c.Series, experiments.FormatDuration(window(c).Seconds()), th)
}

// window is the window an assumption aggregates over (the defaults of
// docs/experiments.md when the file gives none).
func window(c *journal.Check) time.Duration {
	switch {
	case c.Window > 0:
		return time.Duration(c.Window)
	case c.Aggregate == "" || c.Aggregate == experiments.AggLast:
		return 2 * time.Second
	}
	return 5 * time.Second
}

// ptr is v, or nil when v is NaN; an infinite v is the largest float
// (JSON has no infinity).
func ptr(v float64) *float64 {
	switch {
	case math.IsNaN(v):
		return nil
	case math.IsInf(v, 1):
		v = math.MaxFloat64
	case math.IsInf(v, -1):
		v = -math.MaxFloat64
	}
	return &v
}

// round3 rounds to the thousandth, what a value too large to have one
// (or not a number) is left as.
func round3(v float64) float64 {
	if math.IsNaN(v) || math.Abs(v) > 1e15 {
		return v
	}
	return math.Round(v*1000) / 1000
}

// clock renders an offset from the start as mm:ss.s.
func clock(s float64) string {
	tenths := int64(math.RoundToEven(max(s, 0) * 10)) // as fmt rounds dur's tenths
	return fmt.Sprintf("%02d:%02d.%d", tenths/600, tenths/10%60, tenths%10)
}

// dur renders a span of seconds as gameday does: 0.4s, 1m05s.
func dur(s float64) string { return experiments.FormatDuration(s) }

// value renders a value in its unit, "–" for none.
func value(u string, v *float64) string {
	if v == nil {
		return "–"
	}
	return experiments.Unit(u).Format(*v)
}
