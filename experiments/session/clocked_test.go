package session_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

// The tests here run sessions on a manual clock: every interval is a step
// the test takes, so times are exact and every run the same.

// probeOn is a probe function that reads hi while r is on, else lo.
func probeOn(r *recorder, lo, hi float64) func(time.Time) (float64, error) {
	return func(time.Time) (float64, error) {
		if r.isOn() {
			return hi, nil
		}
		return lo, nil
	}
}

func probeSpec(name string) experiments.Probe {
	return experiments.Probe{Name: name, Kind: experiments.ProbeCommand, Command: []string{"echo", "0"}}
}

func lastBelow(name, series string, v float64) experiments.Assumption {
	return experiments.Assumption{Name: name, Series: series, Aggregate: experiments.AggLast, Op: experiments.Below,
		Threshold: v, Unit: experiments.UnitMillis, Window: time.Second}
}

// runOut steps until the session ends by itself (its schedule is over),
// at most max steps, and returns the final snapshot.
func (s *sim) runOut(max int) session.Snapshot {
	s.t.Helper()
	for range max {
		select {
		case <-s.sess.Done():
			return s.sess.Final()
		default:
		}
		if !s.clk.advance() {
			<-s.sess.Done()
			return s.sess.Final()
		}
		var tick session.Snapshot
		select {
		case tick = <-s.sink.samples:
		case <-s.sess.Done():
			return s.sess.Final()
		case <-time.After(5 * time.Second):
			s.t.Fatal("no sample of the interval in 5 s")
		}
		if tick.Ending {
			<-s.sess.Done()
			return s.sess.Final()
		}
		if !settled(&tick) {
			s.take("the injectors of the tick", func(snap *session.Snapshot) bool {
				return snap.Seq > tick.Seq && settled(snap) || snap.Ended
			})
		}
	}
	s.t.Fatalf("the session did not end within %d steps", max)
	return session.Snapshot{}
}

// applied waits until r has been given the intensity of the block in
// the last snapshot: changes of intensity are not waited for by step.
func (s *sim) applied(r *recorder, block int) {
	s.t.Helper()
	want := s.last.Blocks[block].Intensity
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if l := r.levels(); len(l) > 0 && math.Abs(l[len(l)-1]-want) < 1e-9 {
			return
		}
	}
	s.t.Fatalf("the injector was not given %v: %v", want, r.levels())
}

func times(es []experiments.Event) []time.Duration {
	var out []time.Duration
	for _, e := range es {
		out = append(out, e.Time.Sub(simStart))
	}
	return out
}

func secs(ss ...float64) []time.Duration {
	var out []time.Duration
	for _, s := range ss {
		out = append(out, time.Duration(s*float64(time.Second)))
	}
	return out
}

// TestScheduleOnTheClock: a schedule's phases, triggers and halts happen
// at their planned ticks; assumptions break and recover on the ticks the
// data says; the session ends when the plan does.
func TestScheduleOnTheClock(t *testing.T) {
	slow, errs := &recorder{}, &recorder{}
	exp := &experiments.Experiment{Name: "scheduled",
		Probes: []experiments.Probe{probeSpec("latency")},
		Assumptions: []experiments.Assumption{lastBelow("latency", "latency", 100),
			{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 2 * time.Second}},
		Blocks: []experiments.Block{commandBlock("slow"), commandBlock("errors")},
		Schedule: &experiments.Schedule{Baseline: time.Second, Recovery: 2 * time.Second, Steps: []experiments.ScheduleStep{
			{Blocks: []string{"slow"}, For: 2 * time.Second, Note: "slow first"},
			{Blocks: []string{"errors"}, For: time.Second}}},
	}
	s := newSim(t, exp, true, session.WithInjector("slow", slow), session.WithInjector("errors", errs),
		session.WithProbeFunc("latency", probeOn(slow, 50, 300)))
	slow.clock, errs.clock = s.clk.Now, s.clk.Now
	final := s.runOut(100)

	if got, want := times(s.find(experiments.EventPhase, "")), secs(0.25, 1, 3, 4); !slices.Equal(got, want) {
		t.Errorf("phases at %v, want %v", got, want)
	}
	for _, e := range s.find(experiments.EventPhase, "") {
		if e.By != session.BySchedule {
			t.Errorf("phase %q by %q, want the schedule", e.Subject, e.By)
		}
	}
	if got, want := slow.history(), []string{"start@1s", "stop@3s"}; !slices.Equal(got, want) {
		t.Errorf("slow: %v, want %v", got, want)
	}
	if got, want := errs.history(), []string{"start@3s", "stop@4s"}; !slices.Equal(got, want) {
		t.Errorf("errors: %v, want %v", got, want)
	}
	if got, want := times(s.find(experiments.EventViolated, "latency")), secs(1.25); !slices.Equal(got, want) {
		t.Errorf("latency broke at %v, want %v", got, want)
	}
	if got, want := times(s.find(experiments.EventRestored, "latency")), secs(3.25); !slices.Equal(got, want) {
		t.Errorf("latency held again at %v, want %v", got, want)
	}
	halted := s.find(experiments.EventFaultHalted, "slow")
	if len(halted) != 1 || halted[0].By != session.BySchedule || !strings.Contains(halted[0].Text, "the schedule's step ended after 2s") {
		t.Errorf("slow's halt: %+v", halted)
	}
	if notes := s.find(experiments.EventNote, ""); len(notes) != 1 || notes[0].Text != "slow first" || notes[0].Time != at(time.Second) {
		t.Errorf("notes %+v", notes)
	}
	rec := final.Assumptions[1]
	if rec.RecoveredOK != 1 || rec.SlowestRecov != 250*time.Millisecond {
		t.Errorf("recovery: %d ok, slowest %v; want once, in one interval", rec.RecoveredOK, rec.SlowestRecov)
	}
	if final.Now != at(6*time.Second) || !final.Ended || final.Verdict() != assume.VerdictFailed {
		t.Errorf("final at %v, ended %v, verdict %s", final.Now.Sub(simStart), final.Ended, final.Verdict())
	}
}

// TestGuardrailAbortsOnTheClock: an abort condition that holds for its
// time halts everything at once, refuses new faults, and the schedule
// skips to its recovery.
func TestGuardrailAbortsOnTheClock(t *testing.T) {
	down, other := &recorder{}, &recorder{}
	exp := &experiments.Experiment{Name: "guarded",
		Probes: []experiments.Probe{probeSpec("errors")},
		Guardrails: experiments.Guardrails{Abort: []experiments.Abort{{Assumption: experiments.Assumption{
			Name: "error storm", Series: "errors", Aggregate: experiments.AggLast, Op: experiments.Above, Threshold: 50,
			Unit: experiments.UnitPercent, Window: time.Second}, For: time.Second}}},
		Blocks: []experiments.Block{commandBlock("down"), commandBlock("other")},
		Schedule: &experiments.Schedule{Baseline: time.Second, Recovery: 2 * time.Second, Steps: []experiments.ScheduleStep{
			{Blocks: []string{"down"}, For: 5 * time.Second}, {Blocks: []string{"other"}, For: 2 * time.Second}}},
	}
	s := newSim(t, exp, true, session.WithInjector("down", down), session.WithInjector("other", other),
		session.WithProbeFunc("errors", probeOn(down, 0, 80)))
	down.clock = s.clk.Now
	final := s.runOut(100)

	aborted := s.find(experiments.EventAborted, "error storm")
	if got, want := times(aborted), secs(2.25); !slices.Equal(got, want) {
		t.Fatalf("aborted at %v, want %v (1 s after the first sample over 50 %%)", got, want)
	}
	if aborted[0].By != session.ByGuardrail {
		t.Errorf("abort by %q", aborted[0].By)
	}
	if got, want := down.history(), []string{"start@1s", "stop@2.25s"}; !slices.Equal(got, want) {
		t.Errorf("down: %v, want %v", got, want)
	}
	if h := other.history(); len(h) != 0 {
		t.Errorf("the step after the abort ran: %v", h)
	}
	if got, want := times(s.find(experiments.EventPhase, "recovery")), secs(2.25); !slices.Equal(got, want) {
		t.Errorf("recovery began at %v, want %v", got, want)
	}
	if final.Now != at(4250*time.Millisecond) || final.Verdict() != assume.VerdictAborted {
		t.Errorf("final at %v, verdict %s", final.Now.Sub(simStart), final.Verdict())
	}
}

// TestCurveAndIntensityOnTheClock: a ramp drives the injector's intensity
// tick by tick; the operator's setting multiplies it.
func TestCurveAndIntensityOnTheClock(t *testing.T) {
	r := &recorder{}
	b := commandBlock("ramp")
	b.Curve = &experiments.Curve{Shape: "ramp", From: 0, To: 1, Over: 2 * time.Second}
	s := newSim(t, &experiments.Experiment{Name: "curve", Blocks: []experiments.Block{b}}, false,
		session.WithInjector("ramp", r))
	s.do(session.Command{Kind: session.CmdTrigger, Block: "ramp"})
	for range 10 {
		s.step()
		s.applied(r, 0)
	}
	want := []float64{0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1}
	if got := r.levels(); !slices.Equal(got, want) {
		t.Fatalf("intensities %v, want %v", got, want)
	}
	s.do(session.Command{Kind: session.CmdIntensity, Block: "ramp", Delta: -0.5})
	if got := r.levels(); got[len(got)-1] != 0.5 {
		t.Fatalf("after -50 points: intensities %v, want the last at 0.5", got)
	}
	if snap := s.step(); math.Abs(snap.Blocks[0].Intensity-0.5) > 1e-9 {
		t.Fatalf("the snapshot says %v", snap.Blocks[0].Intensity)
	}
}

// TestPhasesOnTheClock: an assumption "during faults" is judged only
// while one is on; one "after" only once they halted.
func TestPhasesOnTheClock(t *testing.T) {
	r := &recorder{}
	during := lastBelow("during", "latency", 100)
	during.During = experiments.PhaseFaults
	after := lastBelow("after", "latency", 100)
	after.During = experiments.PhaseAfter
	exp := &experiments.Experiment{Name: "phases", Probes: []experiments.Probe{probeSpec("latency")},
		Assumptions: []experiments.Assumption{during, after}, Blocks: []experiments.Block{commandBlock("slow")}}
	s := newSim(t, exp, false, session.WithInjector("slow", r), session.WithProbeFunc("latency", probeOn(r, 50, 300)))
	snap := s.run(2)
	if snap.Assumptions[0].Status != assume.StatusInactive || snap.Assumptions[1].Status != assume.StatusInactive {
		t.Fatalf("before any fault: %s, %s; want both inactive", snap.Assumptions[0].Status, snap.Assumptions[1].Status)
	}
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	snap = s.run(2)
	if snap.Assumptions[0].Status != assume.StatusViolated || snap.Assumptions[1].Status != assume.StatusInactive {
		t.Fatalf("during the fault: %s, %s; want violated, inactive", snap.Assumptions[0].Status, snap.Assumptions[1].Status)
	}
	s.do(session.Command{Kind: session.CmdHalt, Block: "slow"})
	snap = s.run(2)
	if snap.Assumptions[0].Status != assume.StatusInactive || snap.Assumptions[1].Status != assume.StatusHolding {
		t.Fatalf("after the halt: %s, %s; want inactive, holding", snap.Assumptions[0].Status, snap.Assumptions[1].Status)
	}
	if v := snap.Assumptions[0].ViolatedFor; v != 500*time.Millisecond {
		t.Errorf("during: violated for %v, want the two intervals the fault was judged", v)
	}
}

// TestRecoveryOnTheClock: recovery is timed from the moment the fault
// went off; one that takes longer than allowed fails, and recovers late.
func TestRecoveryOnTheClock(t *testing.T) {
	r := &recorder{}
	var slowUntil time.Time // the system stays slow until then
	exp := &experiments.Experiment{Name: "recovery", Probes: []experiments.Probe{probeSpec("latency")},
		Assumptions: []experiments.Assumption{lastBelow("latency", "latency", 100),
			{Name: "recovery", Kind: experiments.AssumeRecovery, Within: time.Second}},
		Blocks: []experiments.Block{commandBlock("slow")}}
	s := newSim(t, exp, false, session.WithInjector("slow", r), session.WithProbeFunc("latency", func(now time.Time) (float64, error) {
		if r.isOn() || now.Before(slowUntil) {
			return 300, nil
		}
		return 50, nil
	}))
	s.run(1)
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	s.run(2)
	slowUntil = s.clk.Now().Add(2 * time.Second) // slow for 2 s after the halt: over the 1 s allowed
	s.do(session.Command{Kind: session.CmdHalt, Block: "slow"})
	haltAt := s.clk.Now()
	snap := s.until(20, "recovered late", func(snap *session.Snapshot) bool { return snap.Assumptions[1].Late })
	rec := snap.Assumptions[1]
	if rec.RecoveryFailed != 1 || rec.HaltedAt != haltAt || rec.LastRecovery != 2*time.Second {
		t.Fatalf("recovery: failed %d, halted at %v (want %v), took %v (want 2s)", rec.RecoveryFailed,
			rec.HaltedAt.Sub(simStart), haltAt.Sub(simStart), rec.LastRecovery)
	}
	if got, want := times(s.find(experiments.EventNotRecovered, "recovery")), []time.Duration{haltAt.Sub(simStart) + 1250*time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("not recovered at %v, want %v (the first tick past 1 s)", got, want)
	}
}

// TestBlockClocks: a block's own duration, the guardrail's longest time
// on, and a sequence's steps each halt or move on at their tick.
func TestBlockClocks(t *testing.T) {
	short, long, a, b := &recorder{}, &recorder{}, &recorder{}, &recorder{}
	shortB := commandBlock("short")
	shortB.Duration = time.Second
	exp := &experiments.Experiment{Name: "clocks", Guardrails: experiments.Guardrails{MaxFaultDuration: 2 * time.Second},
		Blocks: []experiments.Block{shortB, commandBlock("long"), commandBlock("a"), commandBlock("b"),
			{Name: "in turn", Sequence: []experiments.SequenceStep{{Block: "a", For: time.Second}, {Block: "b", For: 500 * time.Millisecond}}}}}
	s := newSim(t, exp, false, session.WithInjector("short", short), session.WithInjector("long", long),
		session.WithInjector("a", a), session.WithInjector("b", b))
	for _, r := range []*recorder{short, long, a, b} {
		r.clock = s.clk.Now
	}
	for _, name := range []string{"short", "long", "in turn"} {
		s.do(session.Command{Kind: session.CmdTrigger, Block: name})
	}
	s.run(12)
	for _, c := range []struct {
		r    *recorder
		want []string
	}{
		{short, []string{"start@0s", "stop@1s"}},
		{long, []string{"start@0s", "stop@2s"}},
		{a, []string{"start@0s", "stop@1s"}},
		{b, []string{"start@1s", "stop@1.5s"}},
	} {
		if got := c.r.history(); !slices.Equal(got, c.want) {
			t.Errorf("calls %v, want %v", got, c.want)
		}
	}
	for name, want := range map[string]string{"short": "ran its 1s", "long": "guardrail: on for 2s", "in turn": "finished its sequence"} {
		h := s.find(experiments.EventFaultHalted, name)
		if len(h) != 1 || !strings.Contains(h[0].Text, want) {
			t.Errorf("%s halted: %+v, want %q", name, h, want)
		}
	}
	if steps := s.find(experiments.EventInfo, "in turn"); len(steps) != 1 || steps[0].Time != at(time.Second) ||
		!strings.Contains(steps[0].Text, "step 2 of 2: b for 0.5s") {
		t.Errorf("the sequence's step: %+v", steps)
	}
}
