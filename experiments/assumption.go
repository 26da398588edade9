package experiments

import (
	"fmt"
	"time"
)

// AssumptionKind says how an assumption is judged.
type AssumptionKind string

// Assumption kinds.
const (
	// AssumeThreshold compares an aggregation of a series over a window
	// with a threshold, all the time.
	AssumeThreshold AssumptionKind = "threshold"
	// AssumeRecovery holds when, after the last active fault halts, every
	// assumption it covers holds again within a time limit.
	AssumeRecovery AssumptionKind = "recovery"
)

// Aggregate reduces the points of a window to one value.
type Aggregate string

// Aggregations.
const (
	AggLast Aggregate = "last"
	AggAvg  Aggregate = "avg"
	AggMax  Aggregate = "max"
	AggMin  Aggregate = "min"
	AggP50  Aggregate = "p50"
	AggP90  Aggregate = "p90"
	AggP95  Aggregate = "p95"
	AggP99  Aggregate = "p99"
	// AggRate is the per-second increase of a series (a counter), or a
	// load's responses per second.
	AggRate Aggregate = "rate"
	// AggErrorRate is a load's share of failed requests, or a probe's
	// share of failed samples, in %.
	AggErrorRate Aggregate = "error_rate"
	// AggSlope is the series' trend over the window, per second (a least
	// squares fit): "the queue does not grow without bound".
	AggSlope Aggregate = "slope"
)

// Comparison is how a value must compare with the threshold to hold.
type Comparison string

// Comparisons.
const (
	Below        Comparison = "<"
	BelowOrEqual Comparison = "<="
	Above        Comparison = ">"
	AboveOrEqual Comparison = ">="
)

// Assumption is something that must stay true during the game day.
type Assumption struct {
	Name string
	Kind AssumptionKind

	// Threshold assumptions.
	Series    string
	Aggregate Aggregate
	// Window is how far back the aggregation looks; for "last" it is how
	// old the newest point may be before the assumption waits for data.
	Window    time.Duration
	Op        Comparison
	Threshold float64
	Unit      Unit
	// Relative thresholds ("1.5x"): the threshold is Factor times the
	// value measured before the first fault started (the baseline).
	Relative bool
	Factor   float64
	// During says when the assumption applies.
	During Phase

	// Recovery assumptions.
	Within time.Duration
	// Of names the threshold assumptions that must hold again; empty means
	// all of them.
	Of []string

	src *source
}

// Phase is when an assumption applies.
type Phase string

// Phases.
const (
	PhaseAlways Phase = "always" // the default
	PhaseFaults Phase = "faults" // only while a fault is active
	PhaseAfter  Phase = "after"  // only after the faults halted
)

// Holds reports whether v satisfies the assumption.
func (a *Assumption) Holds(v float64) bool {
	switch a.Op {
	case BelowOrEqual:
		return v <= a.Threshold
	case Above:
		return v > a.Threshold
	case AboveOrEqual:
		return v >= a.Threshold
	default:
		return v < a.Threshold
	}
}

// Margin is how far v is from breaking the threshold: positive while it
// holds, negative when it does not.
func (a *Assumption) Margin(v float64) float64 {
	if a.Op == Above || a.Op == AboveOrEqual {
		return v - a.Threshold
	}
	return a.Threshold - v
}

// Worse reports whether v is worse than w for this assumption.
func (a *Assumption) Worse(v, w float64) bool {
	if a.Op == Above || a.Op == AboveOrEqual {
		return v < w
	}
	return v > w
}

// Condition renders "< 250 ms", or "< 1.5× baseline".
func (a *Assumption) Condition() string {
	if a.Kind == AssumeRecovery {
		return "within " + FormatDuration(a.Within.Seconds())
	}
	c := string(a.Op) + " " + a.Unit.Format(a.Threshold)
	if a.Relative {
		c = fmt.Sprintf("%s %g× baseline", a.Op, a.Factor)
	}
	switch a.During {
	case PhaseFaults:
		c += " while faults are on"
	case PhaseAfter:
		c += " after faults halt"
	}
	return c
}

// EffectiveWindow is the window the assumption is judged over: its own,
// or the default of its aggregation (2s for "last", 5s for the others).
func (a *Assumption) EffectiveWindow() time.Duration {
	switch {
	case a.Window > 0:
		return a.Window
	case a.Aggregate == AggLast || a.Aggregate == "":
		return 2 * time.Second
	}
	return 5 * time.Second
}
