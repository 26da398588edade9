package assume

import (
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// RunVerdict is how a game day ended.
type RunVerdict string

// Verdicts.
const (
	VerdictPassed  RunVerdict = "passed"  // every assumption held (or was not tested)
	VerdictFailed  RunVerdict = "failed"  // an assumption did not hold
	VerdictAborted RunVerdict = "aborted" // a guardrail halted everything
)

// Verdict judges a game day from its assumptions' outcomes, and the
// guardrail that aborted it ("" if none did).
func Verdict(finals []AssumptionFinal, aborted string) RunVerdict {
	if aborted != "" {
		return VerdictAborted
	}
	for _, f := range finals {
		if !f.Passed {
			return VerdictFailed
		}
	}
	return VerdictPassed
}

// Finals are each assumption's outcome as of now.
func Finals(states []AssumptionState, now time.Time) []AssumptionFinal {
	out := make([]AssumptionFinal, 0, len(states))
	for i := range states {
		out = append(out, finalOf(&states[i], now))
	}
	return out
}

func finalOf(a *AssumptionState, now time.Time) AssumptionFinal {
	sym, text, passed := a.Verdict(now)
	f := AssumptionFinal{Name: a.Name, Passed: passed, Symbol: sym, Text: text, Status: a.Status,
		Violations: a.Violations, ViolatedFor: experiments.Duration(a.violatedFor(now)),
		SlowestRecov: experiments.Duration(a.SlowestRecov), RecoveredOK: a.RecoveredOK, RecoveryFails: a.RecoveryFailed}
	if !math.IsNaN(a.Worst) && !math.IsInf(a.Worst, 0) {
		w := a.Worst
		f.Worst = &w
	}
	f.BlindFor = experiments.Duration(a.BlindFor)
	if a.Kind == experiments.AssumeThreshold && !math.IsNaN(a.Threshold) && !math.IsInf(a.Threshold, 0) && (!a.Relative || a.frozen) {
		th := a.Threshold
		f.Threshold = &th
	}
	if a.Relative && !math.IsNaN(a.Baseline) {
		b := a.Baseline
		f.Baseline = &b
	}
	return f
}

// AssumptionFinal is an assumption's outcome at the end.
type AssumptionFinal struct {
	Name          string               `json:"name"`
	Passed        bool                 `json:"passed"`
	Symbol        string               `json:"symbol"`
	Text          string               `json:"text"`
	Status        Status               `json:"status"`
	Worst         *float64             `json:"worst,omitempty"`
	Violations    int                  `json:"violations"`
	ViolatedFor   experiments.Duration `json:"violated_for"`
	SlowestRecov  experiments.Duration `json:"slowest_recovery,omitempty"`
	RecoveredOK   int                  `json:"recovered,omitempty"`
	RecoveryFails int                  `json:"recovery_failed,omitempty"`
	// Threshold is the one in force at the end (for a relative one, the
	// factor times the baseline); Baseline is that baseline.
	Threshold *float64             `json:"threshold,omitempty"`
	Baseline  *float64             `json:"baseline,omitempty"`
	BlindFor  experiments.Duration `json:"blind_for,omitempty"`
}
