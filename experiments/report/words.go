package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gameday-dev/gameday/experiments"
)

// headline says the verdict in one sentence: "2 of 4 assumptions held;
// error rate broke 0.5s after inventory errors started and recovered 3s
// after it halted."
func headline(a *analysis, r *Report) string {
	var s string
	switch r.Verdict {
	case Aborted:
		s = fmt.Sprintf("Aborted by a guardrail (%s): ", r.Aborted)
	case Incomplete:
		s = fmt.Sprintf("The journal ends at %s without an end record (gameday stopped or crashed); up to then, ",
			clock(r.DurationS))
	}
	s += counts(r.Assumptions)
	var first *Break
	more := 0
	for i, b := range r.Cascade {
		if b.Kind == "aborted" {
			continue
		}
		if first == nil {
			first = &r.Cascade[i]
		} else {
			more++
		}
	}
	switch {
	case first != nil:
		s += "; " + first.Assumption + " " + breakWords(first) + " and " + heldWords(first)
		if more > 0 {
			s += fmt.Sprintf(" (%d more %s in the cascade)", more, plural(more, "break", "breaks"))
		}
	case len(a.acts) == 0:
		s += "; no fault was started"
	default:
		s += "; the system absorbed every fault of this run"
	}
	return capitalise(s) + "."
}

// counts: "all 4 assumptions held", "2 of 4 assumptions held (1 not tested)".
func counts(as []Assumption) string {
	held, untested, nodata := 0, 0, 0
	for _, a := range as {
		switch a.Verdict {
		case OutcomePassed:
			held++
		case OutcomeNotTested:
			untested++
		case OutcomeNoData:
			nodata++
		}
	}
	var s string
	switch {
	case len(as) == 0:
		return "there were no assumptions to judge"
	case len(as) == 1 && held == 1:
		s = "the assumption held"
	case held == len(as):
		s = fmt.Sprintf("all %d assumptions held", len(as))
	default:
		s = fmt.Sprintf("%d of %d %s held", held, len(as), plural(len(as), "assumption", "assumptions"))
	}
	var notes []string
	if untested > 0 {
		notes = append(notes, fmt.Sprintf("%d not tested", untested))
	}
	if nodata > 0 {
		notes = append(notes, fmt.Sprintf("%d without data", nodata))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

// breakWords says when something broke, against its fault: "broke 0.4s
// after inventory latency started".
func breakWords(b *Break) string {
	verb := "broke"
	switch b.Kind {
	case "not recovered":
		verb = "did not recover in time"
	case "aborted":
		verb = "tripped"
	}
	if b.Fault == "" {
		return verb + " at " + clock(b.AtS) + ", " + relation(b)
	}
	return verb + " " + relation(b)
}

// relation places a breakage against its fault: "0.4s after inventory
// latency started", "1.2s after payments paused halted".
func relation(b *Break) string {
	switch {
	case b.Fault == "":
		return "before any fault started"
	case !b.FaultOn && b.AfterHaltS != nil:
		return fmt.Sprintf("%s after %s halted", dur(*b.AfterHaltS), b.Fault)
	default:
		return fmt.Sprintf("%s after %s started", dur(*b.AfterStartS), b.Fault)
	}
}

// heldWords says when it held again: "recovered 3.1s after it halted".
func heldWords(b *Break) string {
	switch {
	case b.RecoveredS != nil && b.Fault != "":
		return fmt.Sprintf("recovered %s after %s halted", dur(*b.RecoveredS), pronoun(b))
	case b.HeldAgainS != nil && b.FaultOn:
		return fmt.Sprintf("held again %s later, while %s was still on", dur(*b.HeldAgainS-b.AtS), pronoun(b))
	case b.HeldAgainS != nil:
		return fmt.Sprintf("held again %s later", dur(*b.HeldAgainS-b.AtS))
	case b.ep != nil && b.ep.ended == experiments.EventNoData:
		return "then lost its data"
	default:
		return "had not recovered by the end"
	}
}

// pronoun is "it" when the sentence already named the fault.
func pronoun(b *Break) string {
	if b.Fault == "" {
		return "the fault"
	}
	return "it"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// verdictWord is the verdict in capitals.
func verdictWord(v Verdict) string { return strings.ToUpper(string(v)) }
