package session_test

import (
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// TestSnapshotHypothesis: every snapshot carries the experiment's
// hypothesis, for the cockpit's header.
func TestSnapshotHypothesis(t *testing.T) {
	exp := &experiments.Experiment{Name: "hypothesis", Hypothesis: "The api keeps its p99 under 250 ms.",
		Probes: []experiments.Probe{probeSpec("latency")}}
	s := newSim(t, exp, false, session.WithProbeFunc("latency", func(time.Time) (float64, error) { return 1, nil }))
	if got := s.step().Hypothesis; got != exp.Hypothesis {
		t.Fatalf("snapshot hypothesis %q, want %q", got, exp.Hypothesis)
	}
}
