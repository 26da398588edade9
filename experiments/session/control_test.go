package session_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// liveBlocks runs a session on the real clock whose blocks' injectors are
// the given recorders.
func liveBlocks(t *testing.T, timeout time.Duration, injs map[string]*recorder) (*session.Session, context.CancelFunc, chan error) {
	t.Helper()
	exp := &experiments.Experiment{Name: "control", Interval: 50 * time.Millisecond, Window: time.Minute}
	opts := []session.Option{session.WithInjectorTimeout(timeout)}
	for name, r := range injs {
		exp.Blocks = append(exp.Blocks, commandBlock(name))
		opts = append(opts, session.WithInjector(name, r))
	}
	sess, err := session.NewSession(exp, session.Env{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- sess.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-sess.Done() })
	return sess, cancel, errc
}

func phaseOf(s *session.Snapshot, block string) session.Phase {
	for _, b := range s.Blocks {
		if b.Name == block {
			return b.Phase
		}
	}
	return ""
}

// TestHaltAllDoesNotWaitForASlowInjector: one injector hangs in Start
// (honouring its context), one in Start (deaf to it), one in Stop; halt
// all reverts the two fast ones at once, and the session's clock goes on
// ticking the whole time.
func TestHaltAllDoesNotWaitForASlowInjector(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var stopCalls atomic.Int32
	injs := map[string]*recorder{
		"fast one": {}, "fast two": {},
		"hangs in start": {onStart: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
		"deaf start": {onStart: func(ctx context.Context) error {
			select {
			case <-release:
			case <-time.After(1500 * time.Millisecond):
			}
			return nil
		}},
		"hangs in stop": {onStop: func(ctx context.Context) error {
			if stopCalls.Add(1) == 1 {
				<-ctx.Done() // the first halt times out
				return ctx.Err()
			}
			return nil
		}},
	}
	sess, cancel, errc := liveBlocks(t, time.Second, injs)
	for _, b := range []string{"fast one", "fast two", "hangs in stop"} {
		sess.Do(session.Command{Kind: session.CmdTrigger, Block: b})
	}
	waitFor(t, sess, "three blocks on", 5*time.Second, func(s *session.Snapshot) bool { return s.ActiveFaults() == 3 })
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "hangs in start"})
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "deaf start"})
	s := waitFor(t, sess, "two blocks starting", 5*time.Second, func(s *session.Snapshot) bool {
		return phaseOf(s, "hangs in start") == session.PhaseStarting && phaseOf(s, "deaf start") == session.PhaseStarting
	})

	// The clock ticks while two starts hang: the snapshots keep coming,
	// their time moving on.
	first := s.Now
	s = waitFor(t, sess, "the clock moving during a hung start", 5*time.Second, func(s *session.Snapshot) bool {
		return s.Now.Sub(first) >= 300*time.Millisecond
	})

	asked := time.Now()
	sess.Do(session.Command{Kind: session.CmdHaltAll})
	s = waitFor(t, sess, "the fast ones and the hung start halted", 5*time.Second, func(s *session.Snapshot) bool {
		return phaseOf(s, "fast one") == session.PhaseIdle && phaseOf(s, "fast two") == session.PhaseIdle &&
			phaseOf(s, "hangs in start") == session.PhaseIdle
	})
	for _, name := range []string{"fast one", "fast two"} {
		r := injs[name]
		if r.isOn() || len(r.stopped) != 1 {
			t.Fatalf("%s: still on, calls %v", name, r.history())
		}
		took := r.stopped[0].Sub(asked)
		t.Logf("%s reverted %v after halt all, while one start and one stop hang", name, took)
		if took > time.Second {
			t.Errorf("%s was reverted %v after halt all, want within 1 s", name, took)
		}
	}
	if injs["hangs in start"].isOn() {
		t.Errorf("the hung start is on after its cancel: %v", injs["hangs in start"].history())
	}
	// The deaf start comes back on its own time, and is then stopped; the
	// hung stop times out and leaves its block stuck.
	s = waitFor(t, sess, "the deaf start stopped, the hung stop stuck", 5*time.Second, func(s *session.Snapshot) bool {
		return phaseOf(s, "deaf start") == session.PhaseIdle && phaseOf(s, "hangs in stop") == session.PhaseStuck
	})
	if injs["deaf start"].isOn() {
		t.Errorf("the deaf start is on after the halt: %v", injs["deaf start"].history())
	}
	if s.Stuck() != 1 || s.ActiveFaults() != 1 {
		t.Errorf("stuck %d, active %d; want the hung stop alone, still counted on", s.Stuck(), s.ActiveFaults())
	}
	var asks, cancelled, failed int
	for _, e := range s.Timeline {
		switch {
		case e.Kind == experiments.EventInfo && e.Subject == "all" && strings.Contains(e.Text, "halt all asked"):
			asks++
		case e.Kind == experiments.EventInfo && e.Subject == "hangs in start" && strings.Contains(e.Text, "start cancelled"):
			cancelled++
		case e.Kind == experiments.EventFaultError && e.Subject == "hangs in stop" && strings.Contains(e.Text, "halt failed"):
			failed++
			if !strings.Contains(e.Text, "gameday recover") || e.Asked.IsZero() || !e.Asked.Before(e.Time) {
				t.Errorf("the failed halt should say what to do and when it was asked: %+v", e)
			}
		case e.Kind == experiments.EventFaultHalted && strings.HasPrefix(e.Subject, "fast"):
			if e.Asked.IsZero() || e.By != session.ByOperator {
				t.Errorf("a halt should carry when it was asked and by whom: %+v", e)
			}
		}
	}
	if asks != 1 || cancelled != 1 || failed != 1 {
		t.Errorf("timeline: %d halt-all asks, %d cancelled starts, %d failed halts; want 1 each:\n%v", asks, cancelled, failed, s.Timeline)
	}

	// Halting the stuck block again tries again, and this time it stops.
	sess.Do(session.Command{Kind: session.CmdHalt, Block: "hangs in stop"})
	waitFor(t, sess, "the stuck block halted on a second try", 5*time.Second, func(s *session.Snapshot) bool {
		return phaseOf(s, "hangs in stop") == session.PhaseIdle
	})
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if f := sess.Final(); f.Stuck() != 0 || f.ActiveFaults() != 0 {
		t.Fatalf("final: %d stuck, %d active", f.Stuck(), f.ActiveFaults())
	}
}

// TestEndGivesUpOnAStopThatNeverReturns: the end of a session waits for a
// stop at most the injector timeout, then says the fault may still be on.
func TestEndGivesUpOnAStopThatNeverReturns(t *testing.T) {
	forever := make(chan struct{})
	defer close(forever)
	injs := map[string]*recorder{
		"never stops": {onStop: func(context.Context) error { <-forever; return nil }},
		"fine":        {},
	}
	sess, cancel, errc := liveBlocks(t, 500*time.Millisecond, injs)
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "never stops"})
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "fine"})
	waitFor(t, sess, "both on", 5*time.Second, func(s *session.Snapshot) bool { return s.ActiveFaults() == 2 })
	began := time.Now()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of its end with a 0.5 s injector timeout")
	}
	t.Logf("Run returned %v after its end", time.Since(began))
	f := sess.Final()
	if phaseOf(&f, "never stops") != session.PhaseStuck || phaseOf(&f, "fine") != session.PhaseIdle || injs["fine"].isOn() {
		t.Fatalf("final blocks %+v", f.Blocks)
	}
	if f.FaultErrors == 0 || !f.Ended {
		t.Fatalf("final: %d fault errors, ended %v", f.FaultErrors, f.Ended)
	}
	found := false
	for _, e := range f.Timeline {
		found = found || e.Kind == experiments.EventFaultError && strings.Contains(e.Text, "did not finish within")
	}
	if !found {
		t.Fatalf("the timeline should say the halt did not finish: %v", f.Timeline)
	}
}

// TestStartThatFailsIsUndone: a Start that fails is followed by a Stop,
// so that nothing stays half on; a Stop that fails there too leaves the
// block stuck.
func TestStartThatFailsIsUndone(t *testing.T) {
	injs := map[string]*recorder{
		"fails": {onStart: func(context.Context) error { return errors.New("exit status 3") }},
	}
	sess, _, _ := liveBlocks(t, time.Second, injs)
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "fails"})
	s := waitFor(t, sess, "the failed start", 5*time.Second, func(s *session.Snapshot) bool {
		for _, e := range s.Timeline {
			if e.Kind == experiments.EventFaultError && strings.Contains(e.Text, "could not start: exit status 3") {
				return true
			}
		}
		return false
	})
	if phaseOf(&s, "fails") != session.PhaseIdle || len(s.FaultWindows) != 0 {
		t.Fatalf("after a failed start: phase %s, windows %v", phaseOf(&s, "fails"), s.FaultWindows)
	}
	r := injs["fails"]
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopCalls != 1 {
		t.Fatalf("Stop called %d times after the failed start, want 1 (to undo what it did)", r.stopCalls)
	}
}

// TestInjectorPanicIsAnError: an injector that panics fails its call;
// gameday goes on.
func TestInjectorPanicIsAnError(t *testing.T) {
	injs := map[string]*recorder{"panics": {onStart: func(context.Context) error { panic("boom") }}}
	sess, _, _ := liveBlocks(t, time.Second, injs)
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "panics"})
	waitFor(t, sess, "the panic as a failed start", 5*time.Second, func(s *session.Snapshot) bool {
		for _, e := range s.Timeline {
			if e.Kind == experiments.EventFaultError && strings.Contains(e.Text, "injector panic: boom") {
				return phaseOf(s, "panics") == session.PhaseIdle
			}
		}
		return false
	})
}
