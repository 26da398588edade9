package inject_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// sampleStopped samples the state of pid every few milliseconds for d and
// returns the share of samples in which it was stopped, and how many
// times it changed between stopped and not.
func sampleStopped(t testing.TB, pid int, d time.Duration) (share float64, toggles int) {
	t.Helper()
	var n, stopped int
	last := byte(0)
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(3 * time.Millisecond) {
		s, err := procState(pid)
		if err != nil {
			t.Fatal(err)
		}
		isT := s == 'T'
		if isT {
			stopped++
		}
		if cur := map[bool]byte{true: 'T', false: 'r'}[isT]; last != 0 && cur != last {
			toggles++
		}
		last = map[bool]byte{true: 'T', false: 'r'}[isT]
		n++
	}
	return float64(stopped) / float64(n), toggles
}

// TestPauseDutyCycle: at intensity x the process is paused x of each
// period, by SIGSTOP and SIGCONT; at 1 it stays paused, at 0 it runs.
// The revert record exists whenever it may be stopped, and Stop leaves it
// running, record forgotten.
func TestPauseDutyCycle(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	pid := p.PID()
	rec := newRecorder()
	pause := inject.NewPauseWith(p, inject.PauseConfig{Period: 200 * time.Millisecond})
	pause.SetRecorder(rec)
	if pause.Period() != 200*time.Millisecond || inject.NewPause(p).Period() != time.Second {
		t.Errorf("periods %v and %v, want 200ms and the default 1s", pause.Period(), inject.NewPause(p).Period())
	}
	update(t, pause, 0.5) // before Start: the intensity it starts with
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pause.Stop(context.Background()) })
	if len(rec.pending()) != 1 || !pause.Paused() {
		t.Fatalf("cycling: records %v, Paused %v", rec.pending(), pause.Paused())
	}
	share, toggles := sampleStopped(t, pid, 3*time.Second)
	t.Logf("at 0.5, period 200ms: paused %.2f of 3s, %d toggles", share, toggles)
	if share < 0.3 || share > 0.7 {
		t.Errorf("at 0.5 the process was paused %.2f of the time, want about half", share)
	}
	if toggles < 6 { // about 30 on an idle machine
		t.Errorf("at 0.5 the state changed %d times in 3s, want it to toggle every 100ms", toggles)
	}

	update(t, pause, 0.2)
	share, _ = sampleStopped(t, pid, 2*time.Second)
	t.Logf("at 0.2: paused %.2f", share)
	if share < 0.05 || share > 0.4 {
		t.Errorf("at 0.2 the process was paused %.2f of the time", share)
	}

	update(t, pause, 1) // paused throughout: no toggling
	waitState(t, pid, 'T', false)
	if share, toggles := sampleStopped(t, pid, time.Second); share != 1 || toggles != 0 {
		t.Errorf("at 1: paused %.2f, %d toggles, want paused throughout", share, toggles)
	}
	if len(rec.pending()) != 1 {
		t.Errorf("at 1: records %v", rec.pending())
	}

	update(t, pause, 0) // running, record forgotten
	waitState(t, pid, 'T', true)
	if share, _ := sampleStopped(t, pid, 500*time.Millisecond); share != 0 {
		t.Errorf("at 0: paused %.2f", share)
	}
	if len(rec.pending()) != 0 || pause.Paused() {
		t.Errorf("at 0: records %v, Paused %v", rec.pending(), pause.Paused())
	}

	// Stop in the middle of a cycle, in its paused half or not: running.
	update(t, pause, 0.9)
	time.Sleep(130 * time.Millisecond)
	stop(t, pause)
	waitState(t, pid, 'T', true)
	if share, _ := sampleStopped(t, pid, 500*time.Millisecond); share != 0 {
		t.Errorf("after Stop: paused %.2f, want the cycle gone", share)
	}
	if len(rec.pending()) != 0 || pause.Paused() {
		t.Errorf("after Stop: records %v, Paused %v", rec.pending(), pause.Paused())
	}
	calls := rec.calls()
	if len(calls) != 4 || !strings.HasPrefix(calls[0], "record ") || !strings.HasPrefix(calls[1], "forget ") {
		t.Errorf("calls %q, want record, forget, record, forget", calls)
	}
	stop(t, pause)
}

// TestPauseCycleEndsWithTheProcess: the cycle stops when the process
// exits; Stop then has nothing to resume.
func TestPauseCycleEndsWithTheProcess(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	pause := inject.NewPauseWith(p, inject.PauseConfig{Period: 50 * time.Millisecond})
	rec := newRecorder()
	pause.SetRecorder(rec)
	update(t, pause, 0.5)
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	update(t, pause, 0.7) // nothing to pause: no error, as for a run that exits while paused
	if pause.Paused() {
		t.Error("Paused after the exit")
	}
	stop(t, pause)
	if len(rec.pending()) != 0 {
		t.Errorf("records %v", rec.pending())
	}
}

func TestPausePeriodValidate(t *testing.T) {
	if err := (inject.PauseConfig{Period: 5 * time.Millisecond}).Validate(); err == nil || !strings.Contains(err.Error(), "at least 20ms") {
		t.Errorf("5ms: %v", err)
	}
	for _, d := range []time.Duration{0, 20 * time.Millisecond, time.Minute} {
		if err := (inject.PauseConfig{Period: d}).Validate(); err != nil {
			t.Errorf("%v: %v", d, err)
		}
	}
	p := startChild(t, childSpec(t, "serve"))
	err := inject.NewPauseWith(p, inject.PauseConfig{Period: time.Millisecond}).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "period 1ms") || !strings.Contains(err.Error(), "child-serve") {
		t.Errorf("Start with a 1ms period: %v", err)
	}
}
