package session_test

import (
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

// TestRecoveryPeriodEqualToItsLimit: a schedule whose recovery period is
// the recovery check's limit judges it (it was left not judged: the
// recovery is timed from the halt, a moment after the step ends).
func TestRecoveryPeriodEqualToItsLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		slow   time.Duration // how long the system stays slow after the halt
		status assume.Status
	}{
		{"recovers in time", 1500 * time.Millisecond, assume.StatusRecovered},
		{"recovers too late", 5 * time.Second, assume.StatusNotRecovered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			exp := &experiments.Experiment{Name: "equal", Probes: []experiments.Probe{probeSpec("latency")},
				Assumptions: []experiments.Assumption{lastBelow("latency", "latency", 100),
					{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 2 * time.Second}},
				Blocks: []experiments.Block{commandBlock("slow")},
				Schedule: &experiments.Schedule{Baseline: time.Second, Recovery: 2 * time.Second,
					Steps: []experiments.ScheduleStep{{Blocks: []string{"slow"}, For: time.Second}}}}
			var wasOn bool
			var offAt time.Time // the first sample after the halt
			s := newSim(t, exp, true, session.WithInjector("slow", r), session.WithProbeFunc("latency", func(now time.Time) (float64, error) {
				switch {
				case r.isOn():
					wasOn = true
					return 300, nil
				case wasOn && offAt.IsZero():
					offAt = now
				}
				if !offAt.IsZero() && now.Sub(offAt) < tc.slow {
					return 300, nil
				}
				return 50, nil
			}))
			r.clock = s.clk.Now
			final := s.runOut(100)
			if got := final.Assumptions[1].Status; got != tc.status {
				t.Fatalf("recovery: %s, want %s", got, tc.status)
			}
		})
	}
}

// TestRestStep: a rest switches the previous step's blocks off and none
// on, for its time.
func TestRestStep(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	exp := &experiments.Experiment{Name: "rest", Blocks: []experiments.Block{commandBlock("a"), commandBlock("b")},
		Schedule: &experiments.Schedule{Steps: []experiments.ScheduleStep{
			{Blocks: []string{"a"}, For: time.Second}, {Rest: true, For: 2 * time.Second}, {Blocks: []string{"b"}, For: time.Second}}}}
	s := newSim(t, exp, true, session.WithInjector("a", a), session.WithInjector("b", b))
	a.clock, b.clock = s.clk.Now, s.clk.Now
	s.runOut(100)
	if got := a.history(); len(got) != 2 || got[0] != "start@250ms" || got[1] != "stop@1s" {
		t.Errorf("a: %v", got)
	}
	if got := b.history(); len(got) != 2 || got[0] != "start@3s" {
		t.Errorf("b: %v, want it started after the 2 s rest", got)
	}
	var labels []string
	for _, e := range s.find(experiments.EventPhase, "") {
		labels = append(labels, e.Subject+": "+e.Text)
	}
	if len(labels) != 3 || labels[1] != "rest, step 2 of 3: no fault for 2s" {
		t.Errorf("phases %q", labels)
	}
}
