package inject_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// closed reports whether c is closed.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// waitAnswers waits until the child's server at url answers.
func waitAnswers(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !answers(url) {
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer", url)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestKillRestart(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	first := p.Incarnation()
	oldPID, oldURL := p.PID(), p.ReadyLine()
	oldKey := fmt.Sprintf("kill/%d@%d", oldPID, startTime(t, oldPID)) // what it acts on
	rec := newRecorder()
	kill := inject.NewKill(p, true)
	kill.SetRecorder(rec)
	rec.check = func(op, key string) {
		switch op {
		case "record": // before the SIGKILL
			if p.Exited() || gone(p.PID()) {
				t.Errorf("record %s: the child is already gone", key)
			}
		case "forget": // after the restart
			if p.PID() == oldPID || p.Exited() {
				t.Errorf("forget %s: pid %d, exited %v", key, p.PID(), p.Exited())
			}
		}
	}
	update(t, kill, 0.5) // a kill has no intensity
	if err := kill.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !p.Exited() || !closed(first.Done()) || !gone(oldPID) {
		t.Fatalf("after Start: exited %v, gone %v", p.Exited(), gone(oldPID))
	}
	if !p.Stopping() || p.Err() != nil { // the fault's own kill is no crash
		t.Errorf("after Start: Stopping %v Err %v", p.Stopping(), p.Err())
	}
	if answers(oldURL) {
		t.Error("the killed child answered")
	}
	if err := kill.Start(context.Background()); err != nil { // on already
		t.Fatal(err)
	}

	stop(t, kill)
	newPID := p.PID()
	if newPID == oldPID || p.Exited() || p.Stopping() || p.Err() != nil {
		t.Fatalf("after Stop: pid %d (was %d), exited %v, stopping %v, err %v", newPID, oldPID, p.Exited(), p.Stopping(), p.Err())
	}
	if !strings.HasPrefix(p.ReadyLine(), "http://127.0.0.1:") {
		t.Fatalf("ready line %q", p.ReadyLine())
	}
	waitAnswers(t, p.ReadyLine())
	if !closed(first.Replaced()) || closed(p.Incarnation().Replaced()) || closed(p.Done()) || first.PID() != oldPID {
		t.Errorf("incarnations: first replaced %v, current replaced %v, current done %v",
			closed(first.Replaced()), closed(p.Incarnation().Replaced()), closed(p.Done()))
	}
	stop(t, kill) // once only: no second restart
	if p.PID() != newPID {
		t.Errorf("a second Stop restarted it again: pid %d", p.PID())
	}
	want := []string{fmt.Sprintf("record %s killed pid=%d group=true", oldKey, oldPID), "forget " + oldKey}
	if got := rec.calls(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if len(rec.pending()) != 0 {
		t.Errorf("left behind %v", rec.pending())
	}

	// Again, on the new run.
	if err := kill.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !gone(newPID) {
		t.Error("the second run survived")
	}
	stop(t, kill)
	waitAnswers(t, p.ReadyLine())

	// Stop ends the process for good.
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if err := p.Restart(context.Background()); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Restart after Stop: %v", err)
	}
}

func TestKillWithoutRestart(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	pid := p.PID()
	kill := inject.NewKill(p, false)
	if err := kill.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop(t, kill)
	time.Sleep(100 * time.Millisecond)
	if !p.Exited() || p.PID() != pid || !gone(pid) {
		t.Errorf("after Stop: exited %v, pid %d (was %d)", p.Exited(), p.PID(), pid)
	}
	err := kill.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Start on a dead process: %v", err)
	}
}

func TestRestartRunningProcess(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	err := p.Restart(context.Background())
	if err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("Restart of a running process: %v", err)
	}
}

func TestRestartAfterCrash(t *testing.T) {
	// A child that crashes after READY: the restart works, then a second
	// one finds it exited on its own.
	p := startChild(t, childSpec(t, "crash"))
	waitDone(t, p)
	if p.Err() == nil {
		t.Fatal("the crash is no error")
	}
	if err := p.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Err() != nil { // the new run has not crashed yet
		t.Errorf("after Restart: Err %v", p.Err())
	}
	waitDone(t, p)
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("the second crash: %v", err)
	}
}

// TestWatchAcrossRestart follows a process through a kill, a restart and a
// crash of the new run, as the session's exit watcher does.
func TestWatchAcrossRestart(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	type exit struct {
		pid      int
		stopping bool
		err      error
	}
	exits := make(chan exit, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the loop that Process's doc shows
		for {
			inc := p.Incarnation()
			select {
			case <-ctx.Done():
				return
			case <-inc.Done():
			}
			exits <- exit{inc.PID(), inc.Stopping(), inc.Err()}
			select {
			case <-ctx.Done():
				return
			case <-inc.Replaced():
			}
		}
	}()
	next := func() exit {
		t.Helper()
		select {
		case e := <-exits:
			return e
		case <-time.After(20 * time.Second):
			t.Fatal("the watcher saw no exit")
			return exit{}
		}
	}

	first := p.PID()
	kill := inject.NewKill(p, true)
	if err := kill.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := next(); e.pid != first || !e.stopping || e.err != nil {
		t.Errorf("kill seen as %+v", e)
	}
	stop(t, kill)
	second := p.PID()
	if err := syscall.Kill(second, syscall.SIGKILL); err != nil { // not gameday's doing
		t.Fatal(err)
	}
	if e := next(); e.pid != second || e.stopping || e.err == nil || !strings.Contains(e.err.Error(), "killed") {
		t.Errorf("crash of the new run seen as %+v", e)
	}
}

func TestPauseAcrossRestart(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	first := p.PID()
	pause := inject.NewPause(p)
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitState(t, first, 'T', false)

	kill := inject.NewKill(p, true)
	if err := kill.Start(context.Background()); err != nil { // SIGKILL works on a stopped process
		t.Fatal(err)
	}
	stop(t, kill)
	second := p.PID()
	waitAnswers(t, p.ReadyLine())
	if pause.Paused() {
		t.Error("Paused while the paused run is dead and the new one runs")
	}

	update(t, pause, 1) // pauses the new run
	waitState(t, second, 'T', false)
	if !pause.Paused() || answers(p.ReadyLine()) {
		t.Errorf("new run not paused: Paused %v", pause.Paused())
	}
	stop(t, pause)
	waitState(t, second, 'T', true)
	waitAnswers(t, p.ReadyLine())
}

func TestRestartFails(t *testing.T) {
	spec := childSpec(t, "once") // READY the first time only
	spec.Env = append(spec.Env, pidFileEnv+"="+filepath.Join(t.TempDir(), "started"))
	p := startChild(t, spec)
	waitDone(t, p)
	first := p.Incarnation()

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := p.Restart(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "restarted process") {
		t.Fatalf("Restart: %v", err)
	}
	checkKilled(t, err)
	if p.Incarnation() != first || closed(first.Replaced()) || !p.Exited() {
		t.Error("a failed restart replaced the exited run")
	}

	t.Run("Stop cancels a restart", func(t *testing.T) {
		errc := make(chan error, 1)
		go func() { errc <- p.Restart(context.Background()) }() // would wait 20 s for READY
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		if err := p.Stop(time.Second); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Restart: %v", err)
			}
			checkKilled(t, err)
		case <-time.After(15 * time.Second):
			t.Fatal("Restart still running")
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("Stop took %v", took)
		}
		if p.Incarnation() != first {
			t.Error("the cancelled restart replaced the exited run")
		}
	})
}

// checkKilled checks that the process an error names by "pid N" is gone.
func checkKilled(t testing.TB, err error) {
	t.Helper()
	m := regexp.MustCompile(`pid (\d+)`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("error names no pid: %v", err)
	}
	if pid, _ := strconv.Atoi(m[1]); !gone(pid) {
		t.Errorf("pid %d is still there", pid)
	}
}
