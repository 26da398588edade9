package inject_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// answers reports whether the child's server answers within 300 ms.
func answers(url string) bool {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 300 * time.Millisecond}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestPause(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	pause := inject.NewPause(p)
	ctx := context.Background()
	if err := pause.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, p.PID(), 'T', false)
	if answers(p.ReadyLine()) {
		t.Error("a paused child answered")
	}

	steps := []struct {
		intensity float64
		paused    bool
	}{{0, false}, {1, true}, {0, false}, {1, true}}
	for _, s := range steps {
		update(t, pause, s.intensity)
		waitState(t, p.PID(), 'T', !s.paused)
		if pause.Paused() != s.paused {
			t.Errorf("intensity %v: Paused %v", s.intensity, pause.Paused())
		}
	}

	stop(t, pause)
	waitState(t, p.PID(), 'T', true)
	deadline := time.Now().Add(10 * time.Second)
	for !answers(p.ReadyLine()) {
		if time.Now().After(deadline) {
			t.Fatal("the resumed child does not answer")
		}
	}
	stop(t, pause) // twice is harmless
	if s, _ := procState(p.PID()); s == 'T' {
		t.Error("second Stop paused the child")
	}
}

func TestStopPausedProcess(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	pause := inject.NewPause(p)
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitState(t, p.PID(), 'T', false)

	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if p.Err() != nil || !gone(p.PID()) {
		t.Errorf("Err %v, gone %v", p.Err(), gone(p.PID()))
	}
	stop(t, pause) // nothing left to resume: no error

	err := inject.NewPause(p).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Start on an exited process: %v", err)
	}
}

// recorder is a RevertRecorder that logs its calls. check, when set, is
// called at each call, before it is logged, to look at the world then.
type recorder struct {
	mu        sync.Mutex
	log       []string
	live      map[string]inject.Revert
	check     func(op, key string)
	recordErr error
}

func newRecorder() *recorder { return &recorder{live: map[string]inject.Revert{}} }

func (r *recorder) Record(key string, rv inject.Revert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.check != nil {
		r.check("record", key)
	}
	if r.recordErr != nil {
		return r.recordErr
	}
	r.log = append(r.log, fmt.Sprintf("record %s %s pid=%d group=%v", key, rv.Kind, rv.PID, rv.Group))
	r.live[key] = rv
	return nil
}

func (r *recorder) Forget(key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.check != nil {
		r.check("forget", key)
	}
	r.log = append(r.log, "forget "+key)
	delete(r.live, key)
	return nil
}

func (r *recorder) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

func (r *recorder) pending() map[string]inject.Revert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.live)
}

func TestPauseRecorder(t *testing.T) {
	p := startChild(t, childSpec(t, "serve"))
	pid := p.PID()
	rec := newRecorder()
	rec.check = func(op, key string) {
		// Record comes before the SIGSTOP, Forget after the SIGCONT: the
		// child runs at both.
		if st, err := procState(pid); err != nil || st == 'T' {
			t.Errorf("%s %s: child state %c %v", op, key, st, err)
		}
	}
	pause := inject.NewPause(p)
	pause.SetRecorder(rec)
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, 'T', false)
	key := fmt.Sprintf("pause/%d@%d", pid, startTime(t, pid))
	rv := rec.pending()[key]
	if rv.Kind != inject.RevertSIGCONT || rv.PID != pid || !rv.Group || rv.StartTime != startTime(t, pid) ||
		rv.Target != "child-serve" || !strings.Contains(rv.Note, "child-serve") {
		t.Errorf("recorded %+v under %q; pending %v", rv, key, rec.pending())
	}
	rec.check = nil // the child is paused now; the next checks are by the log
	update(t, pause, 0)
	waitState(t, pid, 'T', true)
	update(t, pause, 0) // already resumed: no call
	update(t, pause, 1)
	waitState(t, pid, 'T', false)
	stop(t, pause)
	stop(t, pause)
	rec2 := fmt.Sprintf("record %s sigcont pid=%d group=true", key, pid)
	if got, want := rec.calls(), []string{rec2, "forget " + key, rec2, "forget " + key}; !slices.Equal(got, want) {
		t.Errorf("calls\n%q\nwant\n%q", got, want)
	}
	if len(rec.pending()) != 0 {
		t.Errorf("left behind %v", rec.pending())
	}

	t.Run("a failing Record stops the pause", func(t *testing.T) {
		rec := newRecorder()
		rec.recordErr = errors.New("disk full")
		pause := inject.NewPause(p)
		pause.SetRecorder(rec)
		err := pause.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "not paused") {
			t.Errorf("Start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
		if st, _ := procState(pid); st == 'T' || pause.Paused() {
			t.Errorf("paused although Record failed: state %c", st)
		}
		stop(t, pause)
	})
}
