package experiments

import (
	"math"
	"time"
)

// RunVerdict is how a game day ended.
type RunVerdict string

// Verdicts.
const (
	VerdictPassed  RunVerdict = "passed"  // every assumption held (or was not tested)
	VerdictFailed  RunVerdict = "failed"  // an assumption did not hold
	VerdictAborted RunVerdict = "aborted" // a guardrail halted everything
)

// Verdict judges a (final) snapshot.
func (s *Snapshot) Verdict() RunVerdict {
	if s.Aborted != "" {
		return VerdictAborted
	}
	for _, f := range s.Finals() {
		if !f.Passed {
			return VerdictFailed
		}
	}
	return VerdictPassed
}

// Finals are each assumption's outcome as of the snapshot.
func (s *Snapshot) Finals() []AssumptionFinal {
	out := make([]AssumptionFinal, 0, len(s.Assumptions))
	for i := range s.Assumptions {
		out = append(out, finalOf(&s.Assumptions[i], s.Now))
	}
	return out
}

func finalOf(a *AssumptionState, now time.Time) AssumptionFinal {
	sym, text, passed := a.Verdict(now)
	f := AssumptionFinal{Name: a.Name, Passed: passed, Symbol: sym, Text: text, Status: a.Status,
		Violations: a.Violations, ViolatedFor: Duration(a.violatedFor(now)),
		SlowestRecov: Duration(a.SlowestRecov), RecoveredOK: a.RecoveredOK, RecoveryFails: a.RecoveryFailed}
	if !math.IsNaN(a.Worst) && !math.IsInf(a.Worst, 0) {
		w := a.Worst
		f.Worst = &w
	}
	f.BlindFor = Duration(a.BlindFor)
	if a.Kind == AssumeThreshold && !math.IsNaN(a.Threshold) && !math.IsInf(a.Threshold, 0) && (!a.Relative || a.frozen) {
		th := a.Threshold
		f.Threshold = &th
	}
	if a.Relative && !math.IsNaN(a.Baseline) {
		b := a.Baseline
		f.Baseline = &b
	}
	return f
}
