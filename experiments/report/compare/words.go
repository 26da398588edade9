package compare

import (
	"fmt"
	"math"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report"
)

// The words of a cell, shared by every format: "✗ failed", "742",
// "13.7s (1×)", "1.2s". A run without the assumption reads "–".

func (c Cell) verdictWords() string {
	if !c.Present {
		return "–"
	}
	return c.Symbol + " " + string(c.Verdict)
}

func (c Cell) worstWords() string {
	if !c.Present || c.Worst == nil {
		return "–"
	}
	return experiments.Unit(c.Unit).Format(*c.Worst)
}

func (c Cell) violatedWords() string {
	switch {
	case !c.Present:
		return "–"
	case isRecovery(c.Kind) && c.NotRecovered > 0:
		return fmt.Sprintf("%d %s too slow", c.NotRecovered, plural(c.NotRecovered, "halt", "halts"))
	case c.Violations > 0 || c.ViolatedForS > 0:
		return fmt.Sprintf("%s (%d×)", dur(c.ViolatedForS), c.Violations)
	}
	return "–"
}

func (c Cell) recoveryWords() string {
	switch {
	case !c.Present:
		return "–"
	case c.RecoveryS == nil && c.NotRecovered > 0:
		return "not recovered"
	case c.RecoveryS == nil:
		return "–"
	case c.NotRecovered > 0 && !isRecovery(c.Kind):
		return fmt.Sprintf("%s, %d not", dur(*c.RecoveryS), c.NotRecovered)
	}
	return dur(*c.RecoveryS)
}

// isRecovery reports whether an assumption's kind is a recovery check.
func isRecovery(kind string) bool { return kind == string(experiments.AssumeRecovery) }

// verdictWord is a run's verdict in capitals.
func verdictWord(v report.Verdict) string {
	switch v {
	case report.Passed:
		return "PASSED"
	case report.Failed:
		return "FAILED"
	case report.Aborted:
		return "ABORTED"
	case report.Incomplete:
		return "INCOMPLETE"
	}
	return string(v)
}

// failedWords: "2 of 4 assumptions failed", "none of 4 failed".
func (r RunInfo) failedWords() string {
	switch {
	case r.Judged == 0:
		return "no assumptions"
	case r.Failed == 0:
		return fmt.Sprintf("all %d held", r.Judged)
	}
	return fmt.Sprintf("%d of %d failed", r.Failed, r.Judged)
}

func dur(s float64) string {
	if math.IsNaN(s) {
		return "–"
	}
	return experiments.FormatDuration(s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
