package session_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// levelOf is the intensity the recorder's fault is at: its last update,
// 0 when off.
func levelOf(r *recorder) float64 {
	if !r.isOn() {
		return 0
	}
	if l := r.levels(); len(l) > 0 {
		return l[len(l)-1]
	}
	return 1
}

// TestEdgeSearch: e on a block raises its intensity ten points a dwell
// from ten, stops at the level where an assumption breaks (latency 50 +
// 300 × intensity ms against < 200 ms: at 50 %), says so and halts it.
func TestEdgeSearch(t *testing.T) {
	r := &recorder{}
	exp := &experiments.Experiment{Name: "edge", Probes: []experiments.Probe{probeSpec("latency")},
		Assumptions: []experiments.Assumption{lastBelow("latency", "latency", 200)},
		Blocks:      []experiments.Block{commandBlock("slow")}}
	s := newSim(t, exp, false, session.WithInjector("slow", r), session.WithProbeFunc("latency", func(time.Time) (float64, error) {
		return 50 + 300*levelOf(r), nil
	}))
	r.clock = s.clk.Now
	s.run(2)
	s.do(session.Command{Kind: session.CmdEdge, Block: "slow", Delta: 0.1, Dwell: time.Second})
	s.until(100, "the edge found and the fault halted", func(sn *session.Snapshot) bool {
		return len(s.find(experiments.EventFaultHalted, "slow")) == 1 && sn.Blocks[0].Phase == session.PhaseIdle
	})
	var found string
	for _, e := range s.find(experiments.EventInfo, "slow") {
		if strings.HasPrefix(e.Text, "edge: ") {
			found = e.Text
		}
	}
	if found != "edge: latency broke at 50 %" {
		t.Fatalf("the timeline says %q, want the edge at 50 %%", found)
	}
	levels := r.levels()
	if len(levels) < 5 || levels[0] != 0.1 || levels[len(levels)-1] != 0.5 {
		t.Errorf("levels %v, want 0.1 up to 0.5 by tens", levels)
	}
	for _, l := range levels {
		if l > 0.5 {
			t.Errorf("raised to %v past the edge", l)
		}
	}
}

// TestEdgeSearchEndsOnHalt: a halt (or !) during the search ends it.
func TestEdgeSearchEndsOnHalt(t *testing.T) {
	r := &recorder{}
	exp := &experiments.Experiment{Name: "edge", Blocks: []experiments.Block{commandBlock("slow")}}
	s := newSim(t, exp, false, session.WithInjector("slow", r))
	r.clock = s.clk.Now
	s.do(session.Command{Kind: session.CmdEdge, Block: "slow", Delta: 0.25, Dwell: time.Second})
	s.run(6)
	s.do(session.Command{Kind: session.CmdHaltAll})
	s.run(12)
	if l := r.levels(); len(l) == 0 || l[len(l)-1] > 0.5 {
		t.Fatalf("levels %v: the search went on after the halt", l)
	}
	if s.last.Blocks[0].Phase != session.PhaseIdle {
		t.Fatalf("phase %s after halt all", s.last.Blocks[0].Phase)
	}
}

// A fault without an intensity (a command here; a kill, a pod-kill of all
// the pods) refuses + and - and the edge search, and says why: nothing
// would change, and the timeline must not say it did.
func TestNoIntensityToScale(t *testing.T) {
	exp := &experiments.Experiment{Name: "fixed", Blocks: []experiments.Block{commandBlock("cmd")}}
	s := newSim(t, exp, false)
	s.do(session.Command{Kind: session.CmdEdge, Block: "cmd", Delta: 0.1, Dwell: time.Second})
	s.do(session.Command{Kind: session.CmdTrigger, Block: "cmd"})
	s.until(100, "the command fault on", func(sn *session.Snapshot) bool { return sn.Blocks[0].Phase == session.PhaseOn })
	s.do(session.Command{Kind: session.CmdIntensity, Block: "cmd", Delta: -0.5})
	snap := s.step()
	if got := snap.Blocks[0].Intensity; got != 1 {
		t.Errorf("intensity %v after -, want 1", got)
	}
	var said []string
	for _, e := range s.find(experiments.EventInfo, "cmd") {
		said = append(said, e.Text)
		if strings.Contains(e.Text, "intensity set to") {
			t.Errorf("the timeline says the intensity changed: %q", e.Text)
		}
	}
	text := strings.Join(said, "\n")
	for _, want := range []string{"edge search not started: runs true has no intensity to scale; halt it instead",
		"intensity not changed: runs true has no intensity to scale; halt it instead"} {
		if !strings.Contains(text, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, text)
		}
	}
}
