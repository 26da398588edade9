package assume

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// FaultPhase is what the checks need to know about faults: how many are
// active, and when the last one halted.
type FaultPhase struct {
	Active   int
	LastHalt time.Time // zero until a fault has halted
}

// Checks judges a set of assumptions against a series store. It is not
// safe for concurrent use: the session goroutine owns it. Time comes in as
// an argument, so tests drive it with any clock.
type Checks struct {
	states []AssumptionState
	index  map[string]int
}

// NewChecks prepares the states of the given assumptions.
func NewChecks(specs []experiments.Assumption) *Checks {
	c := &Checks{index: make(map[string]int, len(specs))}
	for i, a := range specs {
		if a.Kind == "" {
			a.Kind = experiments.AssumeThreshold
		}
		c.states = append(c.states, AssumptionState{
			Assumption: a, Status: StatusWaiting, Value: math.NaN(), Worst: math.NaN(), Baseline: math.NaN(),
		})
		c.index[a.Name] = i
	}
	return c
}

// States returns a copy of every state, in the order of the assumptions.
func (c *Checks) States() []AssumptionState {
	out := make([]AssumptionState, len(c.states))
	copy(out, c.states)
	return out
}

// Evaluate judges every assumption at now and returns the events of the
// state changes, threshold assumptions first, then recovery ones.
// Recovering reports whether a recovery check is still timing a recovery:
// a game day that ends now would leave it not judged.
func (c *Checks) Recovering() bool {
	for i := range c.states {
		if s := &c.states[i]; s.Kind == experiments.AssumeRecovery && s.Status == StatusRecovering {
			return true
		}
	}
	return false
}

func (c *Checks) Evaluate(now time.Time, obs Observations, phase FaultPhase) []experiments.Event {
	var events []experiments.Event
	for i := range c.states {
		if s := &c.states[i]; s.Kind == experiments.AssumeThreshold {
			events = append(events, evalThreshold(s, now, obs, phase)...)
		}
	}
	for i := range c.states {
		if s := &c.states[i]; s.Kind == experiments.AssumeRecovery {
			events = append(events, c.evalRecovery(s, now, phase)...)
		}
	}
	return events
}

func evalThreshold(s *AssumptionState, now time.Time, obs Observations, phase FaultPhase) []experiments.Event {
	since := now.Sub(s.lastEval)
	if s.lastEval.IsZero() {
		since = 0
	}
	s.lastEval = now
	v := Measure(&s.Assumption, now, obs)
	if s.Relative && !s.frozen {
		// Before the first fault, the value is the baseline; when the
		// first fault starts, the last one is kept.
		if phase.Active == 0 && phase.LastHalt.IsZero() {
			if !math.IsNaN(v) {
				s.Baseline = v
				s.Value, s.HasValue = v, true
			}
			return nil
		}
		s.frozen = true
		if math.IsNaN(s.Baseline) {
			return []experiments.Event{{Time: now, Kind: experiments.EventNoData, Subject: s.Name, Text: "no baseline was measured before the first fault"}}
		}
		s.Threshold = s.Factor * s.Baseline
	}
	if s.Relative && math.IsNaN(s.Baseline) {
		s.Status, s.Value, s.HasValue = StatusWaiting, v, !math.IsNaN(v)
		return nil
	}
	if !applies(&s.Assumption, phase) {
		s.Move(StatusInactive, now)
		s.Value, s.HasValue = v, !math.IsNaN(v)
		return nil
	}
	s.Applied = true
	if math.IsNaN(v) {
		if phase.Active > 0 {
			s.BlindFor += since
		}
		s.Observe(v)
		if s.Move(StatusWaiting, now) {
			return []experiments.Event{{Time: now, Kind: experiments.EventNoData, Subject: s.Name,
				Text: "no data for " + s.Series}}
		}
		return nil
	}
	s.Observe(v)
	holds := s.Holds(v)
	switch {
	case !holds && s.Move(StatusViolated, now):
		return []experiments.Event{{Time: now, Kind: experiments.EventViolated, Subject: s.Name,
			Text: fmt.Sprintf("%s, threshold %s", s.Unit.FormatApart(v, s.Threshold), s.Condition())}}
	case holds && s.Status == StatusViolated:
		lasted := now.Sub(s.Since)
		s.Move(StatusHolding, now)
		return []experiments.Event{{Time: now, Kind: experiments.EventRestored, Subject: s.Name,
			Text: fmt.Sprintf("%s, after %s violated", s.Unit.Format(v), experiments.FormatDuration(lasted.Seconds()))}}
	case holds:
		s.Move(StatusHolding, now)
	}
	return nil
}

func (c *Checks) evalRecovery(s *AssumptionState, now time.Time, phase FaultPhase) []experiments.Event {
	if phase.Active > 0 {
		if s.Status == StatusRecovering {
			s.Interrupted++ // a fault came on before the recovery was judged
		}
		if s.Status != StatusPending {
			s.Status, s.Since = StatusPending, now
		}
		return nil
	}
	if phase.LastHalt.IsZero() {
		return nil // still waiting for a first halt
	}
	if !phase.LastHalt.Equal(s.HaltedAt) {
		// A new halt starts a new attempt.
		s.HaltedAt, s.Late = phase.LastHalt, false
		s.Status, s.Since = StatusRecovering, phase.LastHalt
	}
	broken := c.broken(s)
	took := now.Sub(s.HaltedAt)
	switch s.Status {
	case StatusRecovering:
		if broken == "" {
			s.record(took)
			s.RecoveredOK++
			s.Status, s.Since = StatusRecovered, now
			return []experiments.Event{{Time: now, Kind: experiments.EventRecovered, Subject: s.Name,
				Text: "all assumptions hold again " + experiments.FormatDuration(took.Seconds()) + " after the halt"}}
		}
		if took > s.Within {
			s.RecoveryFailed++
			s.Status, s.Since = StatusNotRecovered, now
			return []experiments.Event{{Time: now, Kind: experiments.EventNotRecovered, Subject: s.Name,
				Text: fmt.Sprintf("%s still broken %s after the halt", broken, experiments.FormatDuration(took.Seconds()))}}
		}
	case StatusNotRecovered:
		if broken == "" && !s.Late {
			s.record(took)
			s.Late = true
			return []experiments.Event{{Time: now, Kind: experiments.EventRecovered, Subject: s.Name,
				Text: fmt.Sprintf("recovered late, %s after the halt (limit %s)",
					experiments.FormatDuration(took.Seconds()), experiments.FormatDuration(s.Within.Seconds()))}}
		}
	}
	return nil
}

func (s *AssumptionState) record(took time.Duration) {
	s.LastRecovery = took
	if took > s.SlowestRecov {
		s.SlowestRecov = took
	}
}

// broken names the first assumption r covers (all when its Of is empty)
// that does not hold, or "".
func (c *Checks) broken(r *AssumptionState) string {
	for i := range c.states {
		s := &c.states[i]
		if s.Kind != experiments.AssumeThreshold || len(r.Of) > 0 && !slices.Contains(r.Of, s.Name) {
			continue
		}
		if s.Status != StatusHolding && s.Status != StatusInactive {
			return s.Name
		}
	}
	return ""
}

// applies reports whether the assumption is judged in phase.
func applies(a *experiments.Assumption, ph FaultPhase) bool {
	switch a.During {
	case experiments.PhaseFaults:
		return ph.Active > 0
	case experiments.PhaseAfter:
		return ph.Active == 0 && !ph.LastHalt.IsZero()
	}
	return true
}
