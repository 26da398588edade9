package session_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// edgeExperiment is a latency probe judged by two assumptions, < 200 ms
// ("tight") and < 1,000 ms ("loose"), and a plan that raises the block
// "slow" from 20 % to 100 % by 20, a second each, bisecting twice.
func edgeExperiment() (*experiments.Experiment, session.EdgePlan) {
	exp := &experiments.Experiment{Name: "edge", Probes: []experiments.Probe{probeSpec("latency")},
		Assumptions: []experiments.Assumption{lastBelow("tight", "latency", 200), lastBelow("loose", "latency", 1000)},
		Blocks:      []experiments.Block{commandBlock("slow")}}
	return exp, session.EdgePlan{Block: "slow", Levels: []float64{0.2, 0.4, 0.6, 0.8, 1}, Baseline: time.Second,
		Dwell: time.Second, Recover: 2 * time.Second, Bisect: 2}
}

// TestEdgePlan: a headless edge search tries each level, waits for
// recovery between levels, bisects, and finds where each assumption
// breaks (latency 50 + 300 × intensity ms: < 200 ms breaks at 50 %;
// < 1,000 ms never breaks).
func TestEdgePlan(t *testing.T) {
	r := &recorder{}
	exp, plan := edgeExperiment()
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

// TestEdgePlanRepeats: three searches, each a sweep and then its own
// bisection. Latency is 50 + 300 × intensity ms, and 60 ms more in the
// second sweep: < 200 ms breaks at 40 % there (held at 20 %, and at 30 %
// when it bisects, the extra gone), at 50 % in the others (held at 40 %).
// The edge is the median, 40 % to 50 %; the spread 40 % to 50 %; every
// level tried says each assumption's worst and margin.
func TestEdgePlanRepeats(t *testing.T) {
	r := &recorder{}
	exp, plan := edgeExperiment()
	plan.Bisect, plan.Repeat = 1, 3
	var starts atomic.Int32 // the fault's starts: the second sweep is the sixth to the tenth
	s := newSim(t, exp, false, session.WithInjector("slow", r), session.WithEdgePlan(plan),
		session.WithProbeFunc("latency", func(time.Time) (float64, error) {
			v := 50 + 300*levelOf(r)
			if n, k := int32(len(plan.Levels)), starts.Load(); r.isOn() && k > n && k <= 2*n {
				v += 60 // the second sweep
			}
			return v, nil
		}))
	r.clock = s.clk.Now
	var mu sync.Mutex
	var startedAt []time.Time
	r.onStart = func(context.Context) error {
		starts.Add(1)
		mu.Lock()
		startedAt = append(startedAt, s.clk.Now())
		mu.Unlock()
		return nil
	}
	final := s.runOut(3000)
	var tried []string
	for _, p := range final.EdgeProbes {
		tried = append(tried, fmt.Sprintf("%d:%g", p.Repeat, p.Level))
		if len(p.Measured) != 2 || p.Measured[0].Assumption != "tight" {
			t.Fatalf("level %v: measured %+v", p.Level, p.Measured)
		}
		if m := p.Measured[0]; math.Abs(m.Margin-(200-m.Worst)) > 1e-9 || (m.Worst < 200) == slices.Contains(p.Broke, "tight") {
			t.Errorf("level %v of search %d: tight's worst %v, margin %v, broke %v", p.Level, p.Repeat, m.Worst, m.Margin, p.Broke)
		}
	}
	// Before the second sweep's 20 % (after 100 %), the fault stays off
	// for a window (1s) after the halt; between two rising levels, less.
	mu.Lock()
	rising, falling := startedAt[1].Sub(startedAt[0]), startedAt[5].Sub(startedAt[4])
	mu.Unlock()
	if falling < plan.Dwell+time.Second || rising >= falling {
		t.Errorf("from 100 %% to 20 %% the fault was off %v, from 20 %% to 40 %% %v: want a window more", falling, rising)
	}
	want := "1:0.2 1:0.4 1:0.6 1:0.8 1:1 2:0.2 2:0.4 2:0.6 2:0.8 2:1 3:0.2 3:0.4 3:0.6 3:0.8 3:1 1:0.5 2:0.3 3:0.5"
	if got := strings.Join(tried, " "); got != want {
		t.Errorf("levels tried\n%s\nwant\n%s", got, want)
	}
	tight, loose := final.Edges[0], final.Edges[1]
	if tight.Broke != 0.5 || tight.Held != 0.4 {
		t.Errorf("tight: held %v, broke %v; want the median, 0.4 to 0.5", tight.Held, tight.Broke)
	}
	if lo, hi := tight.Spread(); lo != 0.4 || hi != 0.5 {
		t.Errorf("tight: spread %v to %v, want 0.4 to 0.5", lo, hi)
	}
	if want := []session.EdgeBracket{{Held: 0.4, Broke: 0.5}, {Held: 0.3, Broke: 0.4}, {Held: 0.4, Broke: 0.5}}; !slices.Equal(tight.Repeats, want) {
		t.Errorf("tight's repeats %v, want %v", tight.Repeats, want)
	}
	if !math.IsNaN(loose.Broke) || loose.Held != 1 || loose.Never() != 3 {
		t.Errorf("loose: %+v; want never broken in 3 repeats", loose)
	}
}
