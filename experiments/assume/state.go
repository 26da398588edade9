package assume

import (
	"fmt"
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// Status is where an assumption stands now.
type Status string

// Statuses.
const (
	StatusWaiting      Status = "waiting"       // no data yet, or (recovery) no fault has halted yet
	StatusInactive     Status = "inactive"      // outside the phase it applies in
	StatusHolding      Status = "holding"       // the condition is true
	StatusViolated     Status = "violated"      // the condition is false
	StatusPending      Status = "pending"       // recovery: a fault is active
	StatusRecovering   Status = "recovering"    // recovery: the clock runs
	StatusRecovered    Status = "recovered"     // recovery: held again in time
	StatusNotRecovered Status = "not recovered" // recovery: the limit passed
)

// Bad reports whether the status means the assumption is broken now.
func (s Status) Bad() bool { return s == StatusViolated || s == StatusNotRecovered }

// AssumptionState is an assumption's live judgement.
type AssumptionState struct {
	experiments.Assumption
	Status   Status
	Since    time.Time // when Status began
	Value    float64   // current value (NaN: none)
	HasValue bool
	// Worst is the worst value seen so far (NaN: none).
	Worst float64
	// Violations counts how many times the assumption broke.
	Violations int
	// ViolatedFor is the time spent violated, up to the last evaluation.
	ViolatedFor time.Duration
	// Recovery: the clock start (last halt), the time the last attempt
	// took, the slowest, and how many attempts passed and failed.
	HaltedAt       time.Time
	LastRecovery   time.Duration
	SlowestRecov   time.Duration
	RecoveredOK    int
	RecoveryFailed int
	// Interrupted counts the attempts cut short: a fault came on again
	// before the recovery was judged.
	Interrupted int
	// Late is set once a failed attempt has recovered after all.
	Late bool
	// Baseline is the value measured before the first fault, for a
	// relative threshold (NaN until known).
	Baseline float64
	frozen   bool // the baseline is final
	// Applied is set once the assumption has been judged in its phase;
	// BlindFor is the time it had no data while a fault was on (a fault
	// that hides what it should show is not a pass).
	Applied  bool
	BlindFor time.Duration
	lastEval time.Time
}

// Move puts the state into status to at time at: the one transition of
// an assumption's state, used live, in replay and in reports. Leaving a
// violation adds its time to ViolatedFor; entering one counts it. It
// reports whether the status changed.
func (s *AssumptionState) Move(to Status, at time.Time) bool {
	if to == s.Status {
		return false
	}
	if s.Status == StatusViolated {
		s.ViolatedFor += at.Sub(s.Since)
	}
	if to == StatusViolated {
		s.Violations++
	}
	s.Status, s.Since = to, at
	return true
}

// Observe takes a value in (NaN: none): the current one, and the worst
// so far.
func (s *AssumptionState) Observe(v float64) {
	if math.IsNaN(v) {
		s.Value, s.HasValue = math.NaN(), false
		return
	}
	s.Value, s.HasValue = v, true
	if math.IsNaN(s.Worst) || s.Worse(v, s.Worst) {
		s.Worst = v
	}
}

// Elapsed returns how long the state has been in its status.
func (s *AssumptionState) Elapsed(now time.Time) time.Duration {
	if s.Since.IsZero() {
		return 0
	}
	return now.Sub(s.Since)
}

// Detail renders the value against the threshold for the cockpit: "87 ms
// of < 250 ms (margin 163 ms)", or the recovery clock.
func (s *AssumptionState) Detail(now time.Time) string {
	if s.Kind == experiments.AssumeRecovery {
		switch s.Status {
		case StatusWaiting:
			return "waits for a fault to halt"
		case StatusPending:
			return "fault active; clock starts on halt"
		case StatusRecovering:
			return fmt.Sprintf("recovering %s of %s",
				experiments.FormatDuration(now.Sub(s.HaltedAt).Seconds()), experiments.FormatDuration(s.Within.Seconds()))
		case StatusRecovered:
			return "recovered in " + experiments.FormatDuration(s.LastRecovery.Seconds())
		default:
			if s.Late {
				return fmt.Sprintf("recovered late, in %s", experiments.FormatDuration(s.LastRecovery.Seconds()))
			}
			return fmt.Sprintf("still broken %s after halt", experiments.FormatDuration(now.Sub(s.HaltedAt).Seconds()))
		}
	}
	if s.Status == StatusInactive {
		if s.During == experiments.PhaseFaults {
			return "applies while a fault is on"
		}
		return "applies once the faults have halted"
	}
	if s.Relative && !s.frozen {
		if s.HasValue {
			return "measuring the baseline: " + s.Unit.Format(s.Value)
		}
		return "measuring the baseline before the first fault"
	}
	if !s.HasValue {
		return "no data yet"
	}
	m := s.Margin(s.Value)
	word := "margin"
	if m < 0 {
		word = "over by"
		m = -m
	}
	return fmt.Sprintf("%s, %s %s", s.Unit.FormatApart(s.Value, s.Threshold), word, s.Unit.FormatApart(m, 0))
}

// Verdict renders the one-line outcome printed when a game day ends.
func (s *AssumptionState) Verdict(now time.Time) (symbol, text string, passed bool) {
	name := s.Name + " (" + s.Condition() + ")"
	if s.Kind == experiments.AssumeRecovery {
		attempts := s.RecoveredOK + s.RecoveryFailed
		halts := attempts + s.Interrupted
		if s.Status == StatusRecovering {
			halts++
		}
		// Halts after which another fault came on before the recovery was
		// judged are said, so that "2 of 5" does not read as a miscount.
		cut := ""
		if n := halts - attempts; n > 0 && attempts > 0 {
			cut = fmt.Sprintf("; %d other %s not judged: another fault came on first, or the game day ended", n, plural(n, "halt was", "halts were"))
		}
		switch {
		case s.RecoveryFailed > 0:
			return "✗", fmt.Sprintf("%s: FAILED, not recovered in time after %d of %d judged %s%s",
				name, s.RecoveryFailed, attempts, plural(attempts, "halt", "halts"), cut), false
		case s.RecoveredOK > 0:
			text := fmt.Sprintf("%s: PASSED, recovered in %s", name, experiments.FormatDuration(s.SlowestRecov.Seconds()))
			if attempts > 1 {
				text = fmt.Sprintf("%s: PASSED, recovered every time, the slowest in %s (%d judged halts)",
					name, experiments.FormatDuration(s.SlowestRecov.Seconds()), attempts)
			}
			if s.Interrupted > 0 {
				text += fmt.Sprintf("; %d other %s not judged: another fault came on first", s.Interrupted,
					plural(s.Interrupted, "halt was", "halts were"))
			}
			switch s.Status {
			case StatusRecovering:
				text += "; the last halt came too late to judge"
			case StatusPending:
				text += "; faults still on at the end were not judged"
			}
			return "✓", text, true
		case s.Status == StatusRecovering:
			return "–", fmt.Sprintf("%s: NOT JUDGED, still recovering at the end (%s)",
				name, experiments.FormatDuration(now.Sub(s.HaltedAt).Seconds())), true
		default:
			return "–", name + ": NOT TESTED, no fault was halted", true
		}
	}
	if s.Violations == 0 {
		switch {
		case !s.Applied:
			return "–", name + ": NOT TESTED, its phase never came", true
		case math.IsNaN(s.Worst):
			return "✗", name + ": FAILED, no data: never measured", false
		case s.BlindFor > s.EffectiveWindow():
			return "✗", fmt.Sprintf("%s: FAILED, no data for %s while faults were on (worst seen %s)",
				name, experiments.FormatDuration(s.BlindFor.Seconds()), s.Unit.Format(s.Worst)), false
		}
		if s.BlindFor > 0 { // "throughout" would claim what was not seen
			return "✓", fmt.Sprintf("%s: PASSED, held whenever measured, with no data for %s while faults were on (worst %s)",
				name, experiments.FormatDuration(s.BlindFor.Seconds()), s.Unit.Format(s.Worst)), true
		}
		return "✓", fmt.Sprintf("%s: PASSED, held throughout (worst %s)", name, s.Unit.Format(s.Worst)), true
	}
	return "✗", fmt.Sprintf("%s: FAILED, violated %d× for %s in all (worst %s)",
		name, s.Violations, experiments.FormatDuration(s.violatedFor(now).Seconds()), s.Unit.Format(s.Worst)), false
}

// violatedFor includes a violation still under way.
func (s *AssumptionState) violatedFor(now time.Time) time.Duration {
	if s.Status == StatusViolated {
		return s.ViolatedFor + now.Sub(s.Since)
	}
	return s.ViolatedFor
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
