package inject_test

import (
	"context"
	"net/http"
	"strings"
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
	}{{0, false}, {0.3, true}, {0, false}, {1, true}}
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
