package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
)

// The tables of report.md and report.html, as text. The journal's texts
// stay raw here: each writer escapes them for its format.

type assumptionRow struct {
	Symbol, Class, Name, Condition, Verdict  string
	Worst, FirstBroke, ViolatedFor, Recovery string
}

type faultRow struct {
	Block, Summary, On, Off, Lasted, Peak, Halted string
}

type breakRow struct {
	N                                  int
	At, Assumption, Kind, Value, Worst string
	Fault, After, Held                 string
}

type recoveryRow struct {
	Assumption, Kind, Fault, Halted, Held, Took, Outcome string
	OK                                                   bool
}

type entryRow struct {
	At, Symbol, Kind, Subject, By, Text string
	Bad                                 bool
	Cut                                 int // events left out after this one
}

type tables struct {
	Started, Duration string
	Assumptions       []assumptionRow
	Faults            []faultRow
	Cascade           []breakRow
	Recoveries        []recoveryRow
	Timeline          []entryRow
}

func (r *Report) tables() tables {
	t := tables{Started: r.Started.UTC().Format("2006-01-02 15:04:05 MST"), Duration: dur(r.DurationS)}
	for _, a := range r.Assumptions {
		row := assumptionRow{Symbol: a.Symbol, Name: a.Name, Condition: a.Condition, Verdict: string(a.Verdict),
			Worst: value(a.Unit, a.Worst), FirstBroke: "–", ViolatedFor: "–", Recovery: "–", Class: "na"}
		switch a.Verdict {
		case OutcomePassed:
			row.Class = "ok"
		case OutcomeFailed:
			row.Class = "bad"
		}
		if a.Kind == "recovery" {
			row.Worst = "–"
		}
		if a.FirstViolatedS != nil {
			row.FirstBroke = clock(*a.FirstViolatedS)
		}
		if a.Violations > 0 {
			row.ViolatedFor = fmt.Sprintf("%s (%d×)", dur(a.ViolatedForS), a.Violations)
		}
		if a.RecoveryFailed > 0 {
			row.ViolatedFor = fmt.Sprintf("%d of %d halts too slow", a.RecoveryFailed, max(a.RecoveryFailed, len(a.RecoveryS)))
		}
		row.Recovery = recoveryList(a.RecoveryS)
		t.Assumptions = append(t.Assumptions, row)
	}
	for _, f := range r.Faults {
		row := faultRow{Block: f.Block, Summary: f.Summary, On: clock(f.StartS), Off: "still on", Lasted: dur(f.DurationS),
			Peak: "–", Halted: orDash(f.Halted)}
		if f.StopS != nil {
			row.Off = clock(*f.StopS)
		}
		if f.PeakIntensity != nil {
			row.Peak = strconv.Itoa(int(*f.PeakIntensity*100+0.5)) + " %"
		}
		t.Faults = append(t.Faults, row)
	}
	for i := range r.Cascade {
		b := &r.Cascade[i]
		row := breakRow{N: i + 1, At: clock(b.AtS), Assumption: b.Assumption, Kind: b.Kind,
			Value: value(b.Unit, b.Value), Worst: value(b.Unit, b.Worst), Fault: "none yet", After: "–"}
		if b.Kind != "violated" {
			row.Value, row.Worst = "–", "–"
		}
		switch {
		case b.Fault == "":
		case !b.FaultOn && b.AfterHaltS != nil:
			row.Fault, row.After = b.Fault, dur(*b.AfterHaltS)+" after it halted"
		default:
			row.Fault, row.After = b.Fault, dur(*b.AfterStartS)+" after it started"
		}
		switch {
		case b.Kind == "aborted":
			row.Held = "–"
		case b.RecoveredS != nil:
			row.Held = fmt.Sprintf("%s, %s after the halt", clock(*b.HeldAgainS), dur(*b.RecoveredS))
		case b.HeldAgainS != nil:
			row.Held = fmt.Sprintf("%s, while still on", clock(*b.HeldAgainS))
		default:
			row.Held = "not by the end"
		}
		t.Cascade = append(t.Cascade, row)
	}
	for _, rc := range r.Recoveries {
		row := recoveryRow{Assumption: rc.Assumption, Kind: "assumption", Fault: rc.Fault, Halted: clock(rc.HaltedS),
			Held: "–", Took: "–", Outcome: rc.Outcome, OK: rc.Outcome == "recovered"}
		if rc.Check {
			row.Kind = "recovery check"
		}
		if rc.HeldS != nil {
			row.Held, row.Took = clock(*rc.HeldS), dur(*rc.TookS)
		}
		if rc.WithinS != nil {
			row.Outcome += " (limit " + dur(*rc.WithinS) + ")"
		}
		t.Recoveries = append(t.Recoveries, row)
	}
	for i, e := range r.Timeline {
		t.Timeline = append(t.Timeline, entryRow{At: clock(e.AtS), Symbol: experiments.EventKind(e.Kind).Symbol(), Kind: e.Kind,
			Subject: e.Subject, By: e.By, Text: e.Text, Bad: e.Bad})
		if r.timelineOmitted > 0 && i == r.timelineCut-1 {
			t.Timeline[i].Cut = r.timelineOmitted
		}
	}
	return t
}

// recoveryList renders recovery times: "3.2s", "1.5s, 4s".
func recoveryList(s []float64) string {
	if len(s) == 0 {
		return "–"
	}
	ds := make([]string, len(s))
	for i, v := range s {
		ds[i] = dur(v)
	}
	return strings.Join(ds, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
