package assume_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/probes"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// clockedChecks drives Checks with a fake clock: feed appends a point and
// evaluates at its time.
type clockedChecks struct {
	t      *testing.T
	checks *assume.Checks
	store  *probes.Store
	phase  assume.FaultPhase
	events []experiments.Event
}

func newClocked(t *testing.T, specs ...experiments.Assumption) *clockedChecks {
	return &clockedChecks{t: t, checks: assume.NewChecks(specs), store: probes.NewStore(1000)}
}

func (c *clockedChecks) feed(sec float64, series string, v float64) {
	c.store.Append(series, probes.Point{T: at(sec), V: v})
	c.eval(sec)
}

func (c *clockedChecks) eval(sec float64) {
	c.events = append(c.events, c.checks.Evaluate(at(sec), assume.StoreObservations(c.store), c.phase)...)
}

func (c *clockedChecks) state(i int) assume.AssumptionState {
	return c.checks.States()[i]
}

func (c *clockedChecks) kinds() []experiments.EventKind {
	var out []experiments.EventKind
	for _, e := range c.events {
		out = append(out, e.Kind)
	}
	return out
}

func p99Below250() experiments.Assumption {
	return experiments.Assumption{Name: "p99", Series: "lat", Aggregate: experiments.AggLast,
		Window: 2 * time.Second, Op: experiments.Below, Threshold: 250, Unit: experiments.UnitMillis}
}

func TestThresholdStates(t *testing.T) {
	c := newClocked(t, p99Below250())
	c.eval(0)
	if s := c.state(0); s.Status != assume.StatusWaiting || s.HasValue {
		t.Fatalf("before any data: %s (has value %v), want waiting", s.Status, s.HasValue)
	}
	c.feed(1, "lat", 80)
	if s := c.state(0); s.Status != assume.StatusHolding || s.Value != 80 || s.Margin(s.Value) != 170 {
		t.Fatalf("at 80 ms: %s value %v margin %v, want holding 80 margin 170", s.Status, s.Value, s.Margin(s.Value))
	}
	c.feed(2, "lat", 400)
	s := c.state(0)
	if s.Status != assume.StatusViolated || s.Violations != 1 || !s.Since.Equal(at(2)) {
		t.Fatalf("at 400 ms: %s violations %d since %v, want violated once since 2s", s.Status, s.Violations, s.Since)
	}
	c.feed(3, "lat", 600)
	c.feed(5.5, "lat", 100)
	s = c.state(0)
	if s.Status != assume.StatusHolding || s.ViolatedFor != 3500*time.Millisecond || s.Worst != 600 {
		t.Fatalf("restored: %s violated for %v worst %v, want holding, 3.5s, 600", s.Status, s.ViolatedFor, s.Worst)
	}
	want := []experiments.EventKind{experiments.EventViolated, experiments.EventRestored}
	if got := c.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	// The data stops: after the window the assumption waits again.
	c.eval(8)
	if s := c.state(0); s.Status != assume.StatusWaiting {
		t.Fatalf("3s after the last point (window 2s): %s, want waiting", s.Status)
	}
	st := c.state(0)
	sym, text, passed := st.Verdict(at(8))
	if sym != "✗" || passed || text == "" {
		t.Fatalf("verdict %q %q passed=%v, want a failure", sym, text, passed)
	}
}

func TestAggregations(t *testing.T) {
	cases := []struct {
		agg  experiments.Aggregate
		want float64
	}{
		{experiments.AggLast, 30},
		{experiments.AggAvg, 20},
		{experiments.AggMax, 30},
		{experiments.AggMin, 10},
	}
	for _, tc := range cases {
		t.Run(string(tc.agg), func(t *testing.T) {
			a := p99Below250()
			a.Aggregate, a.Window = tc.agg, 10*time.Second
			c := newClocked(t, a)
			c.store.Append("lat", probes.Point{T: at(0), V: 500}) // out of the window
			c.store.Append("lat", probes.Point{T: at(11), V: 10})
			c.store.Append("lat", probes.Point{T: at(12), V: 20})
			c.feed(13, "lat", 30)
			if got := c.state(0).Value; got != tc.want {
				t.Fatalf("%s over the window = %v, want %v", tc.agg, got, tc.want)
			}
		})
	}
}

func TestComparisons(t *testing.T) {
	cases := []struct {
		op    experiments.Comparison
		v     float64
		holds bool
	}{
		{experiments.Below, 9.99, true}, {experiments.Below, 10, false},
		{experiments.BelowOrEqual, 10, true}, {experiments.BelowOrEqual, 10.01, false},
		{experiments.Above, 10.01, true}, {experiments.Above, 10, false},
		{experiments.AboveOrEqual, 10, true}, {experiments.AboveOrEqual, 9.99, false},
	}
	for _, tc := range cases {
		a := experiments.Assumption{Op: tc.op, Threshold: 10}
		if got := a.Holds(tc.v); got != tc.holds {
			t.Errorf("%v %s 10 = %v, want %v", tc.v, tc.op, got, tc.holds)
		}
		if m := a.Margin(tc.v); (m > 0) != tc.holds && m != 0 {
			t.Errorf("margin of %v %s 10 = %v, sign disagrees with holds=%v", tc.v, tc.op, m, tc.holds)
		}
	}
}

func recovery(within time.Duration) experiments.Assumption {
	return experiments.Assumption{Name: "recovers", Kind: experiments.AssumeRecovery, Within: within}
}

func TestRecoveryMeasuresTimeToHoldAgain(t *testing.T) {
	c := newClocked(t, p99Below250(), recovery(30*time.Second))
	c.feed(1, "lat", 50)
	if s := c.state(1); s.Status != assume.StatusWaiting {
		t.Fatalf("no fault yet: %s, want waiting", s.Status)
	}
	c.phase.Active = 1
	c.feed(2, "lat", 400)
	if s := c.state(1); s.Status != assume.StatusPending {
		t.Fatalf("fault active: %s, want pending", s.Status)
	}
	c.phase = assume.FaultPhase{Active: 0, LastHalt: at(10)}
	c.feed(10.25, "lat", 380)
	if s := c.state(1); s.Status != assume.StatusRecovering {
		t.Fatalf("after the halt, still violated: %s, want recovering", s.Status)
	}
	c.feed(14.5, "lat", 90)
	s := c.state(1)
	if s.Status != assume.StatusRecovered || s.LastRecovery != 4500*time.Millisecond {
		t.Fatalf("held again 4.5s after halt: %s in %v, want recovered in 4.5s", s.Status, s.LastRecovery)
	}
	if sym, _, passed := s.Verdict(at(20)); sym != "✓" || !passed {
		t.Fatalf("verdict %s passed=%v, want ✓", sym, passed)
	}
}

func TestRecoveryTooSlow(t *testing.T) {
	c := newClocked(t, p99Below250(), recovery(5*time.Second))
	c.phase.Active = 1
	c.feed(1, "lat", 400)
	c.phase = assume.FaultPhase{LastHalt: at(2)}
	c.feed(4, "lat", 400)
	c.feed(7.5, "lat", 400)
	s := c.state(1)
	if s.Status != assume.StatusNotRecovered || s.RecoveryFailed != 1 {
		t.Fatalf("5.5s after halt and still broken: %s failed=%d, want not recovered once", s.Status, s.RecoveryFailed)
	}
	c.feed(9, "lat", 100)
	s = c.state(1)
	if !s.Late || s.LastRecovery != 7*time.Second {
		t.Fatalf("late recovery: late=%v in %v, want late in 7s", s.Late, s.LastRecovery)
	}
	if sym, _, passed := s.Verdict(at(10)); sym != "✗" || passed {
		t.Fatalf("verdict %s passed=%v, want ✗ (recovered too late)", sym, passed)
	}
}

func TestRecoveryRestartsOnNewFault(t *testing.T) {
	c := newClocked(t, p99Below250(), recovery(30*time.Second))
	c.phase = assume.FaultPhase{LastHalt: at(1)}
	c.feed(1.5, "lat", 400)
	c.phase = assume.FaultPhase{Active: 1, LastHalt: at(1)}
	c.feed(2, "lat", 400)
	c.phase = assume.FaultPhase{LastHalt: at(10)}
	c.feed(11, "lat", 100)
	s := c.state(1)
	if s.Status != assume.StatusRecovered || s.LastRecovery != time.Second || s.RecoveredOK != 1 {
		t.Fatalf("recovery after the second halt: %s in %v (ok=%d), want recovered in 1s once", s.Status, s.LastRecovery, s.RecoveredOK)
	}
}

func TestRecoveryCoversOnlyNamed(t *testing.T) {
	other := p99Below250()
	other.Name, other.Series = "errors", "err"
	r := recovery(30 * time.Second)
	r.Of = []string{"p99"}
	c := newClocked(t, p99Below250(), other, r)
	c.store.Append("err", probes.Point{T: at(0.5), V: 999}) // "errors" stays violated
	c.phase = assume.FaultPhase{LastHalt: at(0)}
	c.feed(1, "lat", 100)
	if s := c.state(2); s.Status != assume.StatusRecovered {
		t.Fatalf("recovery of p99 only: %s, want recovered although 'errors' is violated", s.Status)
	}
}

// TestVerdictWithoutData: an assumption never measured fails (its probe
// may be broken: the run proves nothing); a recovery check never exercised
// is not tested; data lost while a fault is on fails once it is longer
// than the window.
func TestVerdictWithoutData(t *testing.T) {
	c := newClocked(t, p99Below250(), recovery(time.Second))
	c.eval(1)
	st := c.state(0)
	if sym, text, passed := st.Verdict(at(1)); sym != "✗" || passed || !strings.Contains(text, "never measured") {
		t.Errorf("never measured: %s %q passed=%v, want a failure", sym, text, passed)
	}
	st = c.state(1)
	if sym, text, passed := st.Verdict(at(1)); sym != "–" || !passed {
		t.Errorf("recovery never exercised: %s %q passed=%v, want – and not failed", sym, text, passed)
	}
	if !math.IsNaN(c.state(0).Worst) {
		t.Errorf("worst without data = %v, want NaN", c.state(0).Worst)
	}

	blind := newClocked(t, p99Below250())
	blind.feed(1, "lat", 50)
	blind.phase.Active = 1
	for s := 2.0; s <= 8; s++ {
		blind.eval(s) // the probe went silent while the fault is on
	}
	st = blind.state(0)
	if sym, text, passed := st.Verdict(at(8)); passed || !strings.Contains(text, "no data for") {
		t.Errorf("blind for 6s during a fault: %s %q passed=%v, want a failure", sym, text, passed)
	}
}

func TestPhases(t *testing.T) {
	during := p99Below250()
	during.Name, during.During = "during", experiments.PhaseFaults
	after := p99Below250()
	after.Name, after.During = "after", experiments.PhaseAfter
	c := newClocked(t, during, after)
	c.feed(1, "lat", 400) // no fault yet: neither applies
	for i := 0; i < 2; i++ {
		if s := c.state(i); s.Status != assume.StatusInactive || s.Violations != 0 {
			t.Fatalf("%s before any fault: %s with %d violations, want inactive", s.Name, s.Status, s.Violations)
		}
	}
	c.phase = assume.FaultPhase{Active: 1}
	c.feed(2, "lat", 400)
	if s := c.state(0); s.Status != assume.StatusViolated {
		t.Fatalf("during a fault: %s, want violated", s.Status)
	}
	if s := c.state(1); s.Status != assume.StatusInactive {
		t.Fatalf("'after' during a fault: %s, want inactive", s.Status)
	}
	c.phase = assume.FaultPhase{LastHalt: at(3)}
	c.feed(4, "lat", 100)
	if s := c.state(0); s.Status != assume.StatusInactive || s.ViolatedFor != 2*time.Second {
		t.Fatalf("'during' after the halt: %s, violated for %v; want inactive after 2s violated", s.Status, s.ViolatedFor)
	}
	if s := c.state(1); s.Status != assume.StatusHolding {
		t.Fatalf("'after' after the halt: %s, want holding", s.Status)
	}
}

func TestSlope(t *testing.T) {
	a := experiments.Assumption{Name: "growth", Series: "q", Aggregate: experiments.AggSlope, Window: 10 * time.Second,
		Op: experiments.BelowOrEqual, Threshold: 5}
	c := newClocked(t, a)
	for i := 0; i <= 8; i++ {
		c.feed(float64(i), "q", 100+2*float64(i)) // +2 per second
	}
	if s := c.state(0); s.Status != assume.StatusHolding || s.Value < 1.99 || s.Value > 2.01 {
		t.Fatalf("a queue growing 2/s: %s at %v/s, want holding at 2", s.Status, s.Value)
	}
	for i := 9; i <= 20; i++ {
		c.feed(float64(i), "q", 100+10*float64(i)) // now +10 per second
	}
	if s := c.state(0); s.Status != assume.StatusViolated {
		t.Fatalf("a queue growing 10/s: %s at %v/s, want violated", s.Status, s.Value)
	}
}

func TestRelativeToBaseline(t *testing.T) {
	a := experiments.Assumption{Name: "p99 vs baseline", Series: "lat", Aggregate: experiments.AggLast, Window: 2 * time.Second,
		Op: experiments.BelowOrEqual, Relative: true, Factor: 1.5, Unit: experiments.UnitMillis}
	c := newClocked(t, a)
	c.feed(1, "lat", 90)
	c.feed(2, "lat", 100) // the baseline: the last value before the first fault
	if s := c.state(0); s.Status != assume.StatusWaiting {
		t.Fatalf("before the first fault: %s, want waiting (measuring the baseline)", s.Status)
	}
	c.phase.Active = 1
	c.feed(3, "lat", 140)
	if s := c.state(0); s.Status != assume.StatusHolding || s.Threshold != 150 {
		t.Fatalf("140 against 1.5× a 100 baseline: %s (threshold %v), want holding under 150", s.Status, s.Threshold)
	}
	c.feed(4, "lat", 160)
	if s := c.state(0); s.Status != assume.StatusViolated {
		t.Fatalf("160 against 150: %s, want violated", s.Status)
	}
	st := c.state(0)
	if got := st.Condition(); got != "<= 1.5× baseline" {
		t.Errorf("condition %q", got)
	}
}

// TestRecoveryCountsHaltsNotJudged: a halt after which another fault came
// on before the recovery was judged is counted and said, so that the
// summary's count of halts reads right.
func TestRecoveryCountsHaltsNotJudged(t *testing.T) {
	c := newClocked(t, p99Below250(), recovery(30*time.Second))
	c.phase = assume.FaultPhase{Active: 1}
	c.feed(1, "lat", 400)
	c.phase = assume.FaultPhase{LastHalt: at(2)} // halt 1: still broken, recovering
	c.feed(2.5, "lat", 400)
	c.phase = assume.FaultPhase{Active: 1, LastHalt: at(2)} // on again before it was judged
	c.feed(3, "lat", 400)
	c.phase = assume.FaultPhase{LastHalt: at(4)} // halt 2: recovers
	c.feed(4.5, "lat", 400)
	c.feed(6, "lat", 100)
	s := c.state(1)
	if s.Interrupted != 1 || s.RecoveredOK != 1 {
		t.Fatalf("interrupted %d, recovered %d; want 1 and 1", s.Interrupted, s.RecoveredOK)
	}
	_, text, passed := s.Verdict(at(10))
	if !passed || !strings.Contains(text, "1 other halt was not judged: another fault came on first") {
		t.Fatalf("verdict %q", text)
	}
}

// TestViolationNeverReadsAsItsThreshold: a value just over its threshold
// is written with the digits that show it is over.
func TestViolationNeverReadsAsItsThreshold(t *testing.T) {
	for _, tc := range []struct {
		unit  experiments.Unit
		v, th float64
		want  string
	}{
		{experiments.UnitPercent, 1.04, 1, "1.04 %"},
		{experiments.UnitNone, 5.2, 5, "5.2"},
		{experiments.UnitMillis, 250.4, 250, "250.4 ms"},
		{experiments.UnitMillis, 312, 250, "312 ms"},
	} {
		if got := tc.unit.FormatApart(tc.v, tc.th); got != tc.want {
			t.Errorf("FormatApart(%g, %g %s) = %q, want %q", tc.v, tc.th, tc.unit, got, tc.want)
		}
	}
}

// TestPassedWithAGapSaysSo: an assumption that held whenever it had data,
// but had none for a while during a fault, does not claim "throughout".
func TestPassedWithAGapSaysSo(t *testing.T) {
	s := assume.AssumptionState{Assumption: experiments.Assumption{Name: "p99", Kind: experiments.AssumeThreshold,
		Op: experiments.Below, Threshold: 250, Unit: experiments.UnitMillis, Window: 30 * time.Second},
		Applied: true, Worst: 120, BlindFor: 12 * time.Second}
	_, text, passed := s.Verdict(at(60))
	if !passed || strings.Contains(text, "throughout") || !strings.Contains(text, "no data for 12s while faults were on") {
		t.Fatalf("verdict %q", text)
	}
}
