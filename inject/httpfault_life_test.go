package inject_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

func TestHTTPBlackholeUntilStop(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	h := startFault(t, p, inject.HTTPFault{PathPrefix: "/pay", Blackhole: true})
	done := make(chan result, 1)
	go func() { done <- do(context.Background(), c, http.MethodPost, p.URL()+"/pay", "order-1") }()
	waitHeld(t, p, 1)

	if r := get(t, c, p.URL()+"/other"); r.status != http.StatusOK { // not matched: passes
		t.Errorf("unmatched request: status %d", r.status)
	}
	time.Sleep(100 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("blackholed request completed: %+v", r)
	default:
	}
	if n := up.hits.Load(); n != 1 {
		t.Fatalf("upstream got %d requests, want 1 (the unmatched one)", n)
	}

	stop(t, h)
	select {
	case r := <-done:
		if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, "order-1") {
			t.Errorf("released request: %d %q %v", r.status, r.body, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not release the held request")
	}
	if n := up.hits.Load(); n != 2 {
		t.Errorf("upstream got %d requests, want 2", n)
	}
	waitHeld(t, p, 0)
	stop(t, h) // twice is harmless
}

func TestHTTPBlackholeClientGivesUp(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	startFault(t, p, inject.HTTPFault{Blackhole: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if r := do(ctx, newClient(t), http.MethodGet, p.URL()+"/", ""); r.err == nil {
		t.Fatalf("request through a blackhole completed: %d", r.status)
	}
	waitHeld(t, p, 0) // the proxy let go of it
	if n := up.hits.Load(); n != 0 {
		t.Errorf("upstream got %d requests", n)
	}
}

func TestHTTPStopIsCleanAtOnce(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	h := inject.NewHTTPFault(p, inject.HTTPFault{ErrorStatus: 503, ErrorProbability: 1, Delay: 50 * time.Millisecond})
	for round := range 2 { // Start after Stop works again
		if err := h.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := h.Start(context.Background()); err != nil { // while on: nothing
			t.Fatal(err)
		}
		if r := get(t, c, p.URL()+"/"); r.status != 503 {
			t.Fatalf("round %d: status %d while on", round, r.status)
		}
		stop(t, h)
		stop(t, h)
		if r := get(t, c, p.URL()+"/"); r.status != 200 || r.took >= 50*time.Millisecond+slack {
			t.Fatalf("round %d: status %d after Stop, took %v", round, r.status, r.took)
		}
	}
}

func TestHTTPTwoFaults(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	a := startFault(t, p, inject.HTTPFault{PathPrefix: "/a", ErrorStatus: 500, ErrorProbability: 1})
	startFault(t, p, inject.HTTPFault{PathPrefix: "/b", ErrorStatus: 502, ErrorProbability: 1})
	startFault(t, p, inject.HTTPFault{PathPrefix: "/b", Delay: 100 * time.Millisecond})
	check := func(path string, status int, atLeast time.Duration) {
		t.Helper()
		r := get(t, c, p.URL()+path)
		if r.status != status || r.took < atLeast {
			t.Errorf("%s: status %d after %v, want %d after at least %v", path, r.status, r.took, status, atLeast)
		}
	}
	check("/a", 500, 0)
	check("/b", 502, 100*time.Millisecond) // delay, then error
	check("/c", 200, 0)
	stop(t, a)
	check("/a", 200, 0)
	check("/b", 502, 100*time.Millisecond)
}

func TestHTTPUpdateScales(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)

	const delay = 400 * time.Millisecond
	d := startFault(t, p, inject.HTTPFault{Delay: delay})
	update(t, d, 0.25)
	if took := minTook(t, c, p.URL()+"/", 3, delay/4); took >= delay*3/4 {
		t.Errorf("delay at intensity 0.25 took %v, want about %v", took, delay/4)
	}
	update(t, d, 0)
	if took := minTook(t, c, p.URL()+"/", 3, 0); took >= delay/2 {
		t.Errorf("delay at intensity 0 took %v", took)
	}
	stop(t, d)

	e := startFault(t, p, inject.HTTPFault{ErrorStatus: 503, ErrorProbability: 1})
	for _, tt := range []struct {
		intensity float64
		status    int
	}{{0, 200}, {1, 503}, {0, 200}} {
		update(t, e, tt.intensity)
		for range 10 {
			if r := get(t, c, p.URL()+"/"); r.status != tt.status {
				t.Fatalf("intensity %v: status %d, want %d", tt.intensity, r.status, tt.status)
			}
		}
	}
	stop(t, e)

	b := startFault(t, p, inject.HTTPFault{Blackhole: true})
	done := make(chan result, 1)
	go func() { done <- do(context.Background(), c, http.MethodGet, p.URL()+"/", "") }()
	waitHeld(t, p, 1)
	update(t, b, 0.1) // still on
	time.Sleep(50 * time.Millisecond)
	waitHeld(t, p, 1)
	update(t, b, 0) // off: released
	select {
	case r := <-done:
		if r.status != 200 {
			t.Errorf("released request: %d %v", r.status, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("intensity 0 did not release the held request")
	}

	for _, bad := range []float64{-0.1, 1.5} {
		if err := b.Update(context.Background(), bad); err == nil {
			t.Errorf("Update(%v): no error", bad)
		}
	}
}

func TestHTTPAbort(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	startFault(t, p, inject.HTTPFault{AbortProbability: 1})
	// A new connection per request, so the client does not retry on another.
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		r := do(context.Background(), c, method, p.URL()+"/", "body")
		if r.err == nil {
			t.Errorf("%s: got %d, want a reset connection", method, r.status)
		}
	}
	if n := up.hits.Load(); n != 0 {
		t.Errorf("upstream got %d requests", n)
	}
}

func TestHTTPFaultStartErrors(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	tests := []struct {
		name  string
		fault inject.HTTPFault
	}{
		{"no effect", inject.HTTPFault{Method: "GET"}},
		{"negative delay", inject.HTTPFault{Delay: -time.Second}},
		{"probability above 1", inject.HTTPFault{ErrorStatus: 503, ErrorProbability: 1.5}},
		{"status without probability", inject.HTTPFault{ErrorStatus: 503}},
		{"probability without status", inject.HTTPFault{ErrorProbability: 0.5}},
		{"status out of range", inject.HTTPFault{ErrorStatus: 99, ErrorProbability: 1}},
		{"abort probability below 0", inject.HTTPFault{AbortProbability: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := inject.NewHTTPFault(p, tt.fault)
			if err := h.Start(context.Background()); err == nil {
				t.Error("Start: no error")
			}
			stop(t, h) // harmless after a failed Start
		})
	}

	p.Close()
	h := inject.NewHTTPFault(p, inject.HTTPFault{Blackhole: true})
	if err := h.Start(context.Background()); err == nil {
		t.Error("Start on a closed proxy: no error")
	}
}
