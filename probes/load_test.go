package probes_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// TestLoadRequest: method, headers (Host included) and body reach the
// server as configured, on every request.
func TestLoadRequest(t *testing.T) {
	type seen struct {
		method, host, token, body string
		length                    int64
	}
	var mu sync.Mutex
	var got []seen
	srv, _ := countingServer(t, func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, seen{r.Method, r.Host, r.Header.Get("X-Token"), string(b), r.ContentLength})
	})
	header := http.Header{"X-Token": {"t1"}, "Host": {"shop.example"}}
	body := []byte(`{"sku":1}`)
	l := newLoad(t, probes.LoadConfig{URL: srv.URL + "/checkout", Method: http.MethodPost, Header: header, Body: body,
		Rate: 200, Timeout: time.Minute})
	header.Set("X-Token", "changed") // the load keeps its own copies
	body[0] = '['
	s := runFor(t, l, 300*time.Millisecond)

	mu.Lock()
	defer mu.Unlock()
	if int64(len(got)) != s.TotalSent || len(got) < 5 {
		t.Fatalf("the server got %d requests, the load sent %d; want the same, at least 5", len(got), s.TotalSent)
	}
	want := seen{"POST", "shop.example", "t1", `{"sku":1}`, 9}
	for i, g := range got {
		if g != want {
			t.Fatalf("request %d: server saw %+v, want %+v", i, g, want)
		}
	}
}

func TestLoadRateAccuracy(t *testing.T) {
	for _, rate := range []float64{50, 1000} {
		t.Run(fmt.Sprintf("%v/s", rate), func(t *testing.T) {
			srv, received := countingServer(t, nil)
			// A long timeout: on a starved machine a request may wait
			// seconds, and it must still reach the server to be counted.
			l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: rate, Timeout: time.Minute})
			s := runFor(t, l, 3*time.Second)

			start, stop := l.Span()
			// Hits are due at 0, 1/rate, 2/rate...: ceil(want) of them
			// before stop, one more than want at most; the tolerance is
			// 1 % plus that hit.
			want := rate * stop.Sub(start).Seconds()
			got := float64(received.Load())
			t.Logf("server got %.0f requests in %v, want %.1f: off by %+.2f %%",
				got, stop.Sub(start), want, 100*(got-want)/want)
			if math.Abs(got-want) > 0.01*want+1 {
				t.Errorf("server got %.0f requests, want %.1f ± 1 %%", got, want)
			}
			if s.TotalSent != received.Load() || s.TotalErrors != 0 {
				t.Errorf("TotalSent %d, TotalErrors %d; server got %d, no errors expected",
					s.TotalSent, s.TotalErrors, received.Load())
			}
		})
	}
}

// TestLoadNoCoordinatedOmission drives a server that answers one request at
// a time in 20 ms (50 req/s) at 100 req/s: requests queue, so latency from
// their intended send time grows to about a second or two. A closed-loop
// tool would wait for each answer and report about 20 ms.
func TestLoadNoCoordinatedOmission(t *testing.T) {
	var mu sync.Mutex
	srv, received := countingServer(t, func(http.ResponseWriter, *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	})
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 100, Window: 2 * time.Minute, Timeout: time.Minute})
	s := runFor(t, l, 2*time.Second)

	t.Logf("%d requests: p50 %v, p95 %v, p99 %v, max %v", s.Count, s.P50, s.P95, s.P99, s.Max)
	if s.Count != received.Load() || s.Errors != 0 {
		t.Errorf("Count %d, Errors %d; server got %d, no errors expected", s.Count, s.Errors, received.Load())
	}
	if s.P99 < 300*time.Millisecond {
		t.Errorf("p99 %v: want far above the 20 ms service time, as requests queue", s.P99)
	}
	if s.P50 < 100*time.Millisecond {
		t.Errorf("p50 %v: want well above the 20 ms service time", s.P50)
	}
}

// TestLoadSetScaleDoublesRate runs 1.5 s at scale 1 and 1.5 s at scale 2
// and compares the number of requests sent in each phase per second.
func TestLoadSetScaleDoublesRate(t *testing.T) {
	srv, _ := countingServer(t, nil)
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 100, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()

	time.Sleep(1500 * time.Millisecond)
	mid := l.Collect(time.Now())
	l.SetScale(2)
	if got := l.TargetRate(); got != 200 {
		t.Errorf("TargetRate() after SetScale(2) = %v, want 200", got)
	}
	time.Sleep(1500 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	end := l.Collect(time.Now())
	start, stop := l.Span()

	// Run sends every hit due before stop, so the second phase's count is
	// exact even if the sender lagged; a lag at mid moves a few hits from
	// the first phase to the second, hence the generous tolerance.
	before := float64(mid.TotalSent) / mid.Time.Sub(start).Seconds()
	after := float64(end.TotalSent-mid.TotalSent) / stop.Sub(mid.Time).Seconds()
	t.Logf("sent %.1f req/s at scale 1, %.1f req/s at scale 2: ratio %.3f", before, after, after/before)
	if r := after / before; r < 1.5 || r > 2.5 {
		t.Errorf("doubling the scale changed the sent rate by %.2fx, want about 2x", r)
	}
	if end.TargetRate != 200 {
		t.Errorf("sample TargetRate %v, want 200", end.TargetRate)
	}
}

// TestLoadSetScaleWakesSender checks that a scale change does not wait for
// the hit that the old rate had planned next, and that scale 0 pauses.
func TestLoadSetScaleWakesSender(t *testing.T) {
	srv, _ := countingServer(t, nil)
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 0.1}) // hit 0 now, hit 1 in 10 s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	defer func() { cancel(); <-done }()
	sent := func() int64 { return l.Collect(time.Now()).TotalSent }

	if !waitFor(5*time.Second, func() bool { return sent() == 1 }) {
		t.Fatalf("%d requests sent at the start, want 1", sent())
	}
	l.SetScale(1000) // 100 req/s
	if !waitFor(5*time.Second, func() bool { return sent() >= 10 }) {
		t.Fatalf("%d requests sent 5 s after SetScale(1000); the sender slept on", sent())
	}
	l.SetScale(0)
	time.Sleep(500 * time.Millisecond) // hits due before the pause may still go
	paused := sent()
	time.Sleep(500 * time.Millisecond)
	if got := sent(); got > paused {
		t.Errorf("at scale 0, %d more requests were sent", got-paused)
	}
}
