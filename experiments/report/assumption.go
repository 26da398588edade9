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

// assumption judges one assumption: from the end record when the journal
// has one, else from its events and samples, in the words gameday prints.
func (a *analysis) assumption(c *journal.Check) Assumption {
	st := assume.AssumptionState{
		Assumption: experiments.Assumption{Name: c.Name, Kind: c.Kind, Series: c.Series, Aggregate: c.Aggregate,
			Window: time.Duration(c.Window), Op: c.Op, Threshold: c.Threshold, Unit: c.Unit,
			Within: time.Duration(c.Within), Of: c.Of},
		Status: a.finalStatus(c.Name), Value: math.NaN(), Worst: math.NaN(),
		Applied: a.applied(c.Name),
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
				out.RecoveryS = append(out.RecoveryS, round3(took.Seconds()))
			}
		}
		if x := a.lastHalt(a.end); x != nil {
			st.HaltedAt = x.stop
		}
	} else {
		out.Series, out.Aggregate, out.Op = c.Series, string(c.Aggregate), string(c.Op)
		th := c.Threshold
		out.WindowS, out.Threshold = round3(window(c).Seconds()), &th
		st.Worst = a.worst(c, a.start, a.end)
		if st.Status == assume.StatusViolated {
			st.Status = assume.StatusHolding // unless a violation is still open, below
		}
		for _, ep := range a.eps[c.Name] {
			st.Move(assume.StatusViolated, ep.start)
			if ep.ended == "" {
				open = ep.end.Sub(ep.start)
				continue
			}
			after := assume.StatusHolding
			if ep.ended == experiments.EventNoData {
				after = assume.StatusWaiting
			}
			st.Move(after, ep.end)
			if x := ep.act; ep.ended == experiments.EventRestored && x != nil && !x.stop.IsZero() && !ep.end.Before(x.stop) {
				out.RecoveryS = append(out.RecoveryS, round3(ep.end.Sub(x.stop).Seconds()))
			}
		}
		if eps := a.eps[c.Name]; len(eps) > 0 {
			out.FirstViolatedS = ptr(a.off(eps[0].start))
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
	if a.j.End == nil {
		return nil
	}
	for i, f := range a.j.End.Assumptions {
		if f.Name == name {
			return &a.j.End.Assumptions[i]
		}
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

// ptr is v, or nil when v is NaN.
func ptr(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
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

// applied reports whether the journal's samples judged the assumption in
// its phase at least once (a state other than inactive).
func (a *analysis) applied(name string) bool {
	for _, s := range a.j.Samples {
		if c, ok := s.Assumptions[name]; ok && c.Status != assume.StatusInactive {
			return true
		}
	}
	return false
}
