package probes_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// Helpers that the tests of several files share.

// t0 is the start of the tests that choose their times.
var t0 = time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)

// countingServer serves handler (nil: an empty 200) and counts the requests
// it received.
func countingServer(t testing.TB, handler http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if handler != nil {
			handler(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// hangingServer answers no request: each waits until its client gives up
// or the test ends.
func hangingServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // first: srv.Close waits for the handlers
	return srv
}

// closedAddr returns a loopback host:port where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func newLoad(t *testing.T, cfg probes.LoadConfig) *probes.Load {
	t.Helper()
	l, err := probes.NewLoad(cfg)
	if err != nil {
		t.Fatalf("NewLoad: %v", err)
	}
	return l
}

// runFor runs l for d, waits for its requests and returns a final Collect.
func runFor(t *testing.T, l *probes.Load, d time.Duration) probes.LoadSample {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return l.Collect(time.Now())
}

// waitFor polls cond until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}
