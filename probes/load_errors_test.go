package probes_test

import (
	"context"
	"math"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// TestLoadStatusErrors: a server that fails every 4th request, with 500 or
// 503, and answers 404 to some others, which is not an error.
func TestLoadStatusErrors(t *testing.T) {
	var n, failed atomic.Int64
	srv, received := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		switch i := n.Add(1); {
		case i%8 == 0:
			failed.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		case i%4 == 0:
			failed.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
		case i%4 == 1:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 200, Timeout: time.Minute, Window: 5 * time.Minute})
	s := runFor(t, l, time.Second)

	t.Logf("%d requests, %d errors (%.3f)", s.Count, s.Errors, s.ErrorRate)
	if s.Count != received.Load() || s.Errors != failed.Load() {
		t.Errorf("Count %d, Errors %d; the server got %d and failed %d",
			s.Count, s.Errors, received.Load(), failed.Load())
	}
	if s.TotalSent != received.Load() || s.TotalErrors != failed.Load() {
		t.Errorf("TotalSent %d, TotalErrors %d; the server got %d and failed %d",
			s.TotalSent, s.TotalErrors, received.Load(), failed.Load())
	}
	want := float64(failed.Load()) / float64(received.Load())
	if math.Abs(s.ErrorRate-want) > 1e-9 || math.Abs(s.ErrorRate-0.25) > 0.01 {
		t.Errorf("ErrorRate %v, want %v (about 0.25)", s.ErrorRate, want)
	}
}

// TestLoadTimeouts: a server that never answers in time; every request is
// an error, and Run does not wait for the server beyond the timeout.
func TestLoadTimeouts(t *testing.T) {
	const timeout = 100 * time.Millisecond
	srv, received := countingServer(t, func(_ http.ResponseWriter, r *http.Request) {
		select { // until the client gives up
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	})
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 100, Timeout: timeout, Window: 5 * time.Minute})
	begin := time.Now()
	s := runFor(t, l, time.Second)
	took := time.Since(begin)

	t.Logf("%d hits, %d sent, %d errors, p50 %v; Run took %v", s.Count, s.TotalSent, s.Errors, s.P50, took)
	if s.Count < 50 || s.Errors != s.Count || s.ErrorRate != 1 || s.TotalErrors != s.Count {
		t.Errorf("Count %d, Errors %d, ErrorRate %v, TotalErrors %d: want every hit to be an error",
			s.Count, s.Errors, s.ErrorRate, s.TotalErrors)
	}
	if received.Load() > s.TotalSent {
		t.Errorf("server got %d requests, more than the %d sent", received.Load(), s.TotalSent)
	}
	if s.TotalSent > 0 && s.P50 < timeout {
		t.Errorf("p50 %v of requests that timed out after %v", s.P50, timeout)
	}
	if took > 20*time.Second {
		t.Errorf("Run took %v; its wait for requests in flight must be bounded by the timeout", took)
	}
}

func TestLoadConnectionRefused(t *testing.T) {
	l := newLoad(t, probes.LoadConfig{URL: "http://" + closedAddr(t) + "/", Rate: 50})
	s := runFor(t, l, 500*time.Millisecond)
	if s.Count == 0 || s.Errors != s.Count || s.ErrorRate != 1 {
		t.Errorf("Count %d, Errors %d, ErrorRate %v; want every request to fail", s.Count, s.Errors, s.ErrorRate)
	}
}

// TestLoadMaxInFlight holds every request until the load stops: only
// MaxInFlight are sent, the other hits count as errors.
func TestLoadMaxInFlight(t *testing.T) {
	release := make(chan struct{})
	srv, received := countingServer(t, func(http.ResponseWriter, *http.Request) { <-release })
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 100, MaxInFlight: 5, Window: time.Minute})

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	// Release the server only once the sender has stopped.
	if !waitFor(10*time.Second, func() bool { _, stop := l.Span(); return !stop.IsZero() }) {
		t.Fatal("the sender did not stop within 10 s")
	}
	if s := l.Collect(time.Now()); s.InFlight != 5 {
		t.Errorf("InFlight %d while the server holds the requests, want 5", s.InFlight)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	s := l.Collect(time.Now())
	t.Logf("%d hits, %d errors, %d sent", s.Count, s.Errors, s.TotalSent)
	if received.Load() != 5 || s.TotalSent != 5 {
		t.Errorf("server got %d, TotalSent %d; want 5 (MaxInFlight)", received.Load(), s.TotalSent)
	}
	if s.Count-s.Errors != 5 || s.Errors < 20 || s.TotalErrors != s.Errors {
		t.Errorf("Count %d, Errors %d, TotalErrors %d: want every hit past the 5th to be an error",
			s.Count, s.Errors, s.TotalErrors)
	}
	if s.InFlight != 0 {
		t.Errorf("InFlight %d after Run returned", s.InFlight)
	}
}

func TestLoadPercentiles(t *testing.T) {
	const delay = 30 * time.Millisecond
	srv, received := countingServer(t, func(http.ResponseWriter, *http.Request) { time.Sleep(delay) })
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 50, Timeout: time.Minute, Window: 5 * time.Minute})
	s := runFor(t, l, time.Second)

	t.Logf("%d requests: p50 %v, p95 %v, p99 %v, max %v; sent %.1f/s, throughput %.1f/s",
		s.Count, s.P50, s.P95, s.P99, s.Max, s.SentRate, s.Throughput)
	if s.Count != received.Load() || s.Errors != 0 || s.ErrorRate != 0 {
		t.Errorf("Count %d, Errors %d, ErrorRate %v; server got %d, no errors expected",
			s.Count, s.Errors, s.ErrorRate, received.Load())
	}
	if s.P50 < delay || s.P95 < s.P50 || s.P99 < s.P95 || s.Max < s.P99 {
		t.Errorf("percentiles p50 %v ≤ p95 %v ≤ p99 %v ≤ max %v, want p50 ≥ %v", s.P50, s.P95, s.P99, s.Max, delay)
	}
	// The interval is the whole run plus the wait for the last requests,
	// which a starved machine may stretch: only the upper bound is firm.
	if s.SentRate < 5 || s.SentRate > 55 || s.Throughput != s.SentRate {
		t.Errorf("SentRate %.1f, Throughput %.1f; want about 50 and equal", s.SentRate, s.Throughput)
	}
}

func TestLoadCollectIdle(t *testing.T) {
	l := newLoad(t, probes.LoadConfig{URL: "http://127.0.0.1:1/", Rate: 10})
	s := l.Collect(time.Now())
	if s.Count != 0 || !math.IsNaN(s.ErrorRate) || s.P50 != 0 || s.Max != 0 || s.TargetRate != 10 {
		t.Errorf("Collect before Run = %+v; want no counts, NaN error rate, target 10", s)
	}
}

// TestLoadWindowForgets checks that requests drop out of the window once
// it has passed.
func TestLoadWindowForgets(t *testing.T) {
	srv, _ := countingServer(t, nil)
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 100, Window: time.Second})
	s := runFor(t, l, 300*time.Millisecond)
	if s.Count == 0 || s.P50 == 0 {
		t.Fatalf("Count %d, p50 %v right after the run; want some", s.Count, s.P50)
	}
	later := l.Collect(time.Now().Add(2 * time.Second))
	if later.Count != 0 || later.P50 != 0 || !math.IsNaN(later.ErrorRate) {
		t.Errorf("a window later: Count %d, p50 %v, ErrorRate %v; want it empty", later.Count, later.P50, later.ErrorRate)
	}
	if later.TotalSent != s.TotalSent {
		t.Errorf("TotalSent went from %d to %d", s.TotalSent, later.TotalSent)
	}
}

func TestNewLoad(t *testing.T) {
	tests := []struct {
		name    string
		cfg     probes.LoadConfig
		wantErr bool
	}{
		{"minimal", probes.LoadConfig{URL: "http://127.0.0.1:8080/", Rate: 10}, false},
		{"rate zero", probes.LoadConfig{URL: "http://127.0.0.1:8080/"}, false},
		{"no URL", probes.LoadConfig{Rate: 10}, true},
		{"not http", probes.LoadConfig{URL: "ftp://127.0.0.1/", Rate: 10}, true},
		{"no host", probes.LoadConfig{URL: "http:///x", Rate: 10}, true},
		{"negative rate", probes.LoadConfig{URL: "http://127.0.0.1/", Rate: -1}, true},
		{"NaN rate", probes.LoadConfig{URL: "http://127.0.0.1/", Rate: math.NaN()}, true},
		{"negative timeout", probes.LoadConfig{URL: "http://127.0.0.1/", Timeout: -time.Second}, true},
		{"negative window", probes.LoadConfig{URL: "http://127.0.0.1/", Window: -time.Second}, true},
		{"negative max in flight", probes.LoadConfig{URL: "http://127.0.0.1/", MaxInFlight: -1}, true},
		{"bad method", probes.LoadConfig{URL: "http://127.0.0.1/", Method: "GET ME"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := probes.NewLoad(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewLoad error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			c := l.Config()
			if c.Method != http.MethodGet || c.Timeout != probes.DefaultLoadTimeout ||
				c.Window != probes.DefaultLoadWindow || c.MaxInFlight != probes.DefaultLoadMaxInFlight {
				t.Errorf("defaults not filled in: %+v", c)
			}
		})
	}
}

func TestLoadRunsOnce(t *testing.T) {
	l := newLoad(t, probes.LoadConfig{URL: "http://127.0.0.1:1/"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if err := l.Run(ctx); err == nil {
		t.Error("second Run returned no error")
	}
}
