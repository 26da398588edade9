package session_test

import (
	"math"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// TestEdgePlan: a headless edge search tries each level, waits for
// recovery between levels, bisects, and finds where each assumption
// breaks (latency 50 + 300 × intensity ms: < 200 ms breaks at 50 %;
// < 1,000 ms never breaks).
func TestEdgePlan(t *testing.T) {
	r := &recorder{}
	exp := &experiments.Experiment{Name: "edge", Probes: []experiments.Probe{probeSpec("latency")},
		Assumptions: []experiments.Assumption{lastBelow("tight", "latency", 200), lastBelow("loose", "latency", 1000)},
		Blocks:      []experiments.Block{commandBlock("slow")}}
	plan := session.EdgePlan{Block: "slow", Levels: []float64{0.2, 0.4, 0.6, 0.8, 1}, Baseline: time.Second,
		Dwell: time.Second, Recover: 2 * time.Second, Bisect: 2}
	s := newSim(t, exp, false, session.WithInjector("slow", r), session.WithEdgePlan(plan),
		session.WithProbeFunc("latency", func(time.Time) (float64, error) { return 50 + 300*levelOf(r), nil }))
	r.clock = s.clk.Now
	final := s.runOut(1000)
	if len(final.Edges) != 2 {
		t.Fatalf("edges %+v", final.Edges)
	}
	tight, loose := final.Edges[0], final.Edges[1]
	if tight.Held != 0.45 || tight.Broke != 0.5 {
		t.Errorf("tight: held %v, broke %v; want 0.45 and 0.5 after two bisections", tight.Held, tight.Broke)
	}
	if loose.Held != 1 || !math.IsNaN(loose.Broke) {
		t.Errorf("loose: held %v, broke %v; want held at 100 %%, never broke", loose.Held, loose.Broke)
	}
	var levels []float64
	for _, p := range final.EdgeProbes {
		levels = append(levels, p.Level)
		if !p.Recovered {
			t.Errorf("level %v: not recovered before the next", p.Level)
		}
	}
	if want := []float64{0.2, 0.4, 0.6, 0.8, 1, 0.5, 0.45}; !equalFloats(levels, want) {
		t.Errorf("levels tried %v, want %v", levels, want)
	}
	if r.isOn() {
		t.Error("the fault is on after the plan")
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}
