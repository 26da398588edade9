package experiments

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/gameday-dev/gameday/probes"
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

// applies reports whether the assumption is judged in phase.
func (a *Assumption) applies(ph FaultPhase) bool {
	switch a.During {
	case PhaseFaults:
		return ph.Active > 0
	case PhaseAfter:
		return ph.Active == 0 && !ph.LastHalt.IsZero()
	}
	return true
}

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

// worse reports whether v is worse than w for this assumption.
func (a *Assumption) worse(v, w float64) bool {
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

func (a *Assumption) window() time.Duration {
	switch {
	case a.Window > 0:
		return a.Window
	case a.Aggregate == AggLast || a.Aggregate == "":
		return 2 * time.Second
	}
	return 5 * time.Second
}

// Observations is what assumptions are judged on: the series store, and
// the loads, whose requests are aggregated over any window.
type Observations interface {
	Points(series string, since time.Time) []probes.Point
	// LoadWindow is false when series is not a load.
	LoadWindow(series string, now time.Time, d time.Duration, percentiles ...float64) (probes.WindowStats, bool)
}

// StoreObservations judges on a series store alone (no loads).
func StoreObservations(s *probes.Store) Observations { return storeObs{s} }

type storeObs struct{ s *probes.Store }

func (o storeObs) Points(series string, since time.Time) []probes.Point {
	return o.s.Window(series, since)
}

func (storeObs) LoadWindow(string, time.Time, time.Duration, ...float64) (probes.WindowStats, bool) {
	return probes.WindowStats{}, false
}

var aggPercentile = map[Aggregate]float64{AggP50: 50, AggP90: 90, AggP95: 95, AggP99: 99}

// measure computes the assumption's value at now, NaN when there is no
// data.
func (a *Assumption) measure(now time.Time, obs Observations) float64 {
	w := a.window()
	pct := aggPercentile[a.Aggregate]
	if ws, ok := obs.LoadWindow(a.Series, now, w, pct); ok {
		switch a.Aggregate {
		case AggErrorRate:
			return ws.ErrorRate * 100
		case AggRate:
			return ws.Throughput
		case AggMax:
			if ws.Max == 0 {
				return math.NaN()
			}
			return ms(ws.Max)
		default:
			if len(ws.Latency) == 0 || ws.Max == 0 {
				return math.NaN()
			}
			return ms(ws.Latency[0])
		}
	}
	if a.Aggregate == AggErrorRate {
		v := aggregate(AggAvg, obs.Points(a.Series+".failed", now.Add(-w)))
		return v * 100
	}
	return aggregate(a.Aggregate, obs.Points(a.Series, now.Add(-w)))
}

func aggregate(agg Aggregate, pts []probes.Point) float64 {
	if len(pts) == 0 {
		return math.NaN()
	}
	if p, ok := aggPercentile[agg]; ok {
		vs := make([]float64, len(pts))
		for i, pt := range pts {
			vs[i] = pt.V
		}
		sort.Float64s(vs)
		rank := int(math.Ceil(p/100*float64(len(vs)))) - 1
		return vs[max(rank, 0)]
	}
	switch agg {
	case AggSlope:
		return slope(pts)
	case AggRate:
		if len(pts) < 2 {
			return math.NaN()
		}
		// The increase of a counter; a drop is a reset, after which the
		// new value is all increase.
		var inc float64
		for i := 1; i < len(pts); i++ {
			if d := pts[i].V - pts[i-1].V; d >= 0 {
				inc += d
			} else {
				inc += pts[i].V
			}
		}
		dt := pts[len(pts)-1].T.Sub(pts[0].T).Seconds()
		if dt <= 0 {
			return math.NaN()
		}
		return inc / dt
	case AggAvg:
		var sum float64
		for _, p := range pts {
			sum += p.V
		}
		return sum / float64(len(pts))
	case AggMax:
		m := pts[0].V
		for _, p := range pts[1:] {
			m = math.Max(m, p.V)
		}
		return m
	case AggMin:
		m := pts[0].V
		for _, p := range pts[1:] {
			m = math.Min(m, p.V)
		}
		return m
	default:
		return pts[len(pts)-1].V
	}
}

// slope fits a line to the points by least squares and returns its slope
// per second; NaN with fewer than two distinct times.
func slope(pts []probes.Point) float64 {
	if len(pts) < 2 {
		return math.NaN()
	}
	t0 := pts[0].T
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		x := p.T.Sub(t0).Seconds()
		sx += x
		sy += p.V
		sxx += x * x
		sxy += x * p.V
	}
	n := float64(len(pts))
	den := n*sxx - sx*sx
	if den == 0 {
		return math.NaN()
	}
	return (n*sxy - sx*sy) / den
}

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
	Assumption
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
	if s.Kind == AssumeRecovery {
		switch s.Status {
		case StatusWaiting:
			return "waits for a fault to halt"
		case StatusPending:
			return "fault active; clock starts on halt"
		case StatusRecovering:
			return fmt.Sprintf("recovering %s of %s",
				FormatDuration(now.Sub(s.HaltedAt).Seconds()), FormatDuration(s.Within.Seconds()))
		case StatusRecovered:
			return "recovered in " + FormatDuration(s.LastRecovery.Seconds())
		default:
			if s.Late {
				return fmt.Sprintf("recovered late, in %s", FormatDuration(s.LastRecovery.Seconds()))
			}
			return fmt.Sprintf("still broken %s after halt", FormatDuration(now.Sub(s.HaltedAt).Seconds()))
		}
	}
	if s.Status == StatusInactive {
		if s.During == PhaseFaults {
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
	return fmt.Sprintf("%s, %s %s", s.Unit.Format(s.Value), word, s.Unit.Format(m))
}

// Verdict renders the one-line outcome printed when a game day ends.
func (s *AssumptionState) Verdict(now time.Time) (symbol, text string, passed bool) {
	name := s.Name + " (" + s.Condition() + ")"
	if s.Kind == AssumeRecovery {
		attempts := s.RecoveredOK + s.RecoveryFailed
		switch {
		case s.RecoveryFailed > 0:
			return "✗", fmt.Sprintf("%s: FAILED, not recovered in time after %d of %d halts",
				name, s.RecoveryFailed, attempts), false
		case s.RecoveredOK > 0:
			text := fmt.Sprintf("%s: PASSED, recovered in %s", name, FormatDuration(s.SlowestRecov.Seconds()))
			if attempts > 1 {
				text = fmt.Sprintf("%s: PASSED, recovered every time, the slowest in %s (%d halts)",
					name, FormatDuration(s.SlowestRecov.Seconds()), attempts)
			}
			if s.Status == StatusRecovering {
				text += "; the last halt came too late to judge"
			}
			return "✓", text, true
		case s.Status == StatusRecovering:
			return "–", fmt.Sprintf("%s: NOT JUDGED, still recovering at the end (%s)",
				name, FormatDuration(now.Sub(s.HaltedAt).Seconds())), true
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
		case s.BlindFor > s.window():
			return "✗", fmt.Sprintf("%s: FAILED, no data for %s while faults were on (worst seen %s)",
				name, FormatDuration(s.BlindFor.Seconds()), s.Unit.Format(s.Worst)), false
		}
		return "✓", fmt.Sprintf("%s: PASSED, held throughout (worst %s)", name, s.Unit.Format(s.Worst)), true
	}
	return "✗", fmt.Sprintf("%s: FAILED, violated %d× for %s in all (worst %s)",
		name, s.Violations, FormatDuration(s.violatedFor(now).Seconds()), s.Unit.Format(s.Worst)), false
}

// violatedFor includes a violation still under way.
func (s *AssumptionState) violatedFor(now time.Time) time.Duration {
	if s.Status == StatusViolated {
		return s.ViolatedFor + now.Sub(s.Since)
	}
	return s.ViolatedFor
}
