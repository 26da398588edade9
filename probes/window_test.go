package probes_test

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gameday-dev/gameday/probes"
)

// clockedLoad returns a Load (never run) whose window starts at t0, for
// tests that record completions at times they choose.
func clockedLoad(t testing.TB, window time.Duration) *probes.Load {
	t.Helper()
	l, err := probes.NewLoad(probes.LoadConfig{URL: "http://127.0.0.1:1/", Rate: 1, Window: window})
	if err != nil {
		t.Fatalf("NewLoad: %v", err)
	}
	l.BeginForTest(t0)
	return l
}

// near reports whether a latency read from the histograms is within their
// 1 % precision (plus a microsecond) of want.
func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= 0.01*float64(want)+float64(time.Microsecond)
}

// TestLoadWindowLengths records one completion every 10 ms for 6 s: 10 ms
// each, but 200 ms and failed from 2.5 s to 3.5 s. At 6.1 s, the slow
// period (2.6 to 3.6 s ago) is in a 5 s window and not in a 1 s one.
func TestLoadWindowLengths(t *testing.T) {
	l := clockedLoad(t, 5*time.Second)
	for at := time.Duration(0); at < 6100*time.Millisecond; at += 10 * time.Millisecond {
		slow := at >= 2500*time.Millisecond && at < 3500*time.Millisecond
		lat := 10 * time.Millisecond
		if slow {
			lat = 200 * time.Millisecond
		}
		l.RecordForTest(t0.Add(at), lat, slow)
	}
	now := t0.Add(6100 * time.Millisecond)

	short := l.Window(now, time.Second, 50, 99)
	// 1 s rounds up to the slot that holds 5.1 s, which starts at 5.0 s.
	if short.Span != 1100*time.Millisecond || short.Count != 110 || short.Errors != 0 || short.ErrorRate != 0 {
		t.Errorf("1 s window: Span %v, Count %d, Errors %d, ErrorRate %v; want 1.1s, 110, 0, 0",
			short.Span, short.Count, short.Errors, short.ErrorRate)
	}
	if !near(short.Latency[1], 10*time.Millisecond) || !near(short.Max, 10*time.Millisecond) {
		t.Errorf("1 s window: p99 %v, max %v; want 10ms: the slow period is older", short.Latency[1], short.Max)
	}
	if math.Abs(short.Throughput-100) > 1e-9 {
		t.Errorf("1 s window: Throughput %v, want 100/s", short.Throughput)
	}

	long := l.Window(now, 5*time.Second, 50, 99)
	// The ring holds 20 slots of 250 ms, the current one included: back
	// to 1.25 s.
	if long.Span != 4850*time.Millisecond || long.Count != 485 || long.Errors != 100 {
		t.Errorf("5 s window: Span %v, Count %d, Errors %d; want 4.85s, 485, 100", long.Span, long.Count, long.Errors)
	}
	if !near(long.Latency[0], 10*time.Millisecond) || !near(long.Latency[1], 200*time.Millisecond) ||
		!near(long.Max, 200*time.Millisecond) {
		t.Errorf("5 s window: p50 %v, p99 %v, max %v; want 10ms, 200ms, 200ms", long.Latency[0], long.Latency[1], long.Max)
	}
	if want := 100.0 / 485; math.Abs(long.ErrorRate-want) > 1e-9 {
		t.Errorf("5 s window: ErrorRate %v, want %v", long.ErrorRate, want)
	}

	mid := l.Window(now, 3*time.Second, 99)
	if mid.Span != 3100*time.Millisecond || mid.Count != 310 || mid.Errors != 50 {
		t.Errorf("3 s window: Span %v, Count %d, Errors %d; want 3.1s, 310, 50 (3.0 to 3.5 s were slow)",
			mid.Span, mid.Count, mid.Errors)
	}
}

// TestLoadWindowPercentileOrder: the latencies come back in the order the
// percentiles were asked for, whatever that order.
func TestLoadWindowPercentileOrder(t *testing.T) {
	l := clockedLoad(t, 5*time.Second)
	for i := 1; i <= 100; i++ {
		l.RecordForTest(t0.Add(time.Duration(i)*time.Millisecond), time.Duration(i)*time.Millisecond, false)
	}
	asked := []float64{99, 50, 90, 0, 100, 50}
	want := []time.Duration{99, 50, 90, 1, 100, 50}
	w := l.Window(t0.Add(time.Second), 5*time.Second, asked...)
	if len(w.Latency) != len(asked) {
		t.Fatalf("%d latencies for %d percentiles", len(w.Latency), len(asked))
	}
	for i, p := range asked {
		if !near(w.Latency[i], want[i]*time.Millisecond) {
			t.Errorf("Latency[%d] (p%v) = %v, want %v", i, p, w.Latency[i], want[i]*time.Millisecond)
		}
	}
	if w.Max != w.Latency[4] {
		t.Errorf("Max %v, want p100 %v", w.Max, w.Latency[4])
	}
	if none := l.Window(t0.Add(time.Second), time.Second); len(none.Latency) != 0 || none.Count != 100 {
		t.Errorf("no percentiles asked: Latency %v, Count %d; want none, 100", none.Latency, none.Count)
	}
}

// TestLoadWindowCap: a window longer than the load's is cut to the ring.
func TestLoadWindowCap(t *testing.T) {
	l := clockedLoad(t, 2*time.Second)
	for at := time.Duration(0); at < 10*time.Second; at += 100 * time.Millisecond {
		l.RecordForTest(t0.Add(at), time.Millisecond, false)
	}
	now := t0.Add(10 * time.Second) // the start of a slot: the current one is empty
	capped := l.Window(now, time.Minute, 50)
	whole := l.Window(now, 2*time.Second, 50)
	// 8 slots of 250 ms; the newest, current one has not begun.
	if capped.Span != 1750*time.Millisecond || capped.Count != 17 {
		t.Errorf("a minute on a 2 s load: Span %v, Count %d; want 1.75s, 17 (8.3 s to 9.9 s)", capped.Span, capped.Count)
	}
	if capped.Span != whole.Span || capped.Count != whole.Count || capped.Latency[0] != whole.Latency[0] {
		t.Errorf("a minute %+v, the whole window %+v: want the same", capped, whole)
	}
	if s := l.Collect(now); s.Count != capped.Count {
		t.Errorf("Collect's Count %d, want the whole window's %d", s.Count, capped.Count)
	}

	for _, d := range []time.Duration{0, -time.Second} {
		w := l.Window(now, d, 50)
		if w.Span != 0 || w.Count != 0 || !math.IsNaN(w.ErrorRate) || w.Latency[0] != 0 || w.Throughput != 0 {
			t.Errorf("Window(%v) = %+v, want nothing covered", d, w)
		}
	}
	if w := l.Window(now.Add(time.Hour), time.Minute, 50); w.Count != 0 || w.Latency[0] != 0 || w.Max != 0 {
		t.Errorf("an hour later: %+v, want the window empty", w)
	}
}

// TestLoadWindowSlots: slots are 250 ms up to a 60 s window, wider beyond,
// as the span of a 500 ms window at 100 s shows.
func TestLoadWindowSlots(t *testing.T) {
	tests := []struct {
		window, span time.Duration
	}{
		{time.Second, 500 * time.Millisecond},
		{time.Minute, 500 * time.Millisecond},
		{5 * time.Minute, 1250 * time.Millisecond}, // 240 slots of 1.25 s: 98.75 s to 100 s
		{61 * time.Second, 550 * time.Millisecond}, // 240 slots of 255 ms: 99.45 s to 100 s
	}
	for _, tt := range tests {
		l := clockedLoad(t, tt.window)
		now := t0.Add(100 * time.Second)
		l.RecordForTest(now.Add(-time.Millisecond), time.Millisecond, false)
		if w := l.Window(now, 500*time.Millisecond); w.Span != tt.span || w.Count != 1 {
			t.Errorf("Window %v: a 500 ms window spans %v with %d requests, want %v and 1",
				tt.window, w.Span, w.Count, tt.span)
		}
	}
}

// TestLoadWindowNotSent: hits not sent count as errors and have no latency.
func TestLoadWindowNotSent(t *testing.T) {
	l := clockedLoad(t, 5*time.Second)
	l.NotSentForTest(t0.Add(time.Second), 7)
	w := l.Window(t0.Add(2*time.Second), 5*time.Second, 50, 99)
	if w.Count != 7 || w.Errors != 7 || w.ErrorRate != 1 || w.Latency[0] != 0 || w.Latency[1] != 0 || w.Max != 0 {
		t.Errorf("Window = %+v; want 7 errors and no latency", w)
	}
	if w.Span != 2*time.Second || math.Abs(w.Throughput-3.5) > 1e-9 {
		t.Errorf("Span %v, Throughput %v; want 2s (since the start), 3.5/s", w.Span, w.Throughput)
	}
}

// TestLoadWindowMatchesCollect runs a real load, reading its windows while
// it runs (for the race detector), then checks that Collect and a Window of
// the load's length agree.
func TestLoadWindowMatchesCollect(t *testing.T) {
	srv, received := countingServer(t, nil)
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Rate: 200, Timeout: time.Minute, Window: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	for range 20 {
		l.Window(time.Now(), time.Second, 50, 99)
		time.Sleep(20 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	now := time.Now()
	s := l.Collect(now)
	w := l.Window(now, 10*time.Second, 50, 90, 95, 99)
	t.Logf("%d requests over %v: p50 %v, p90 %v, p99 %v, max %v", w.Count, w.Span, s.P50, s.P90, s.P99, s.Max)
	if w.Count != s.Count || w.Count != received.Load() || w.Errors != s.Errors {
		t.Errorf("Window Count %d, Errors %d; Collect %d, %d; server got %d", w.Count, w.Errors, s.Count, s.Errors, received.Load())
	}
	if got := []time.Duration{s.P50, s.P90, s.P95, s.P99}; !slices.Equal(got, w.Latency) || w.Max != s.Max {
		t.Errorf("Collect p50..p99 %v max %v; Window %v max %v", got, s.Max, w.Latency, w.Max)
	}
	if s.P50 == 0 || s.P90 < s.P50 || s.P95 < s.P90 {
		t.Errorf("p50 %v ≤ p90 %v ≤ p95 %v, want them in order and non-zero", s.P50, s.P90, s.P95)
	}
	if w.Span <= 0 || w.Span > 10*time.Second || math.Abs(w.Throughput-float64(w.Count)/w.Span.Seconds()) > 1e-6 {
		t.Errorf("Span %v, Throughput %v for %d requests", w.Span, w.Throughput, w.Count)
	}
}

// TestLoadWindowMatchesReference records completions at random times and
// latencies for 40 s into a 10 s load, and every 100 ms checks windows of
// several lengths against a histogram of exactly the requests they should
// cover, recorded afresh: the ring's reuse of slots and its merged blocks
// of slots must give the same figures.
func TestLoadWindowMatchesReference(t *testing.T) {
	const window, width = 10 * time.Second, 250 * time.Millisecond
	l := clockedLoad(t, window)
	type rec struct {
		at     time.Duration
		us     int64
		failed bool
	}
	var recs []rec
	rng := rand.New(rand.NewPCG(3, 4))
	percentiles := []float64{50, 90, 99, 99.9}
	checked, total := 0, 0
	for now := time.Duration(0); now < 40*time.Second; now += 100 * time.Millisecond {
		// Completions in the last 100 ms, in time order (the ring counts
		// a time older than its current slot in the current slot).
		batch := make([]rec, rng.IntN(40))
		for i := range batch {
			batch[i] = rec{max(now-time.Duration(rng.IntN(100_000))*time.Microsecond, 0),
				1 + rng.Int64N(300_000), rng.IntN(20) == 0}
		}
		slices.SortFunc(batch, func(a, b rec) int { return cmp.Compare(a.at, b.at) })
		for _, r := range batch {
			recs = append(recs, r)
			total++
			l.RecordForTest(t0.Add(r.at), time.Duration(r.us)*time.Microsecond, r.failed)
		}
		for len(recs) > 0 && recs[0].at < now-window-time.Second { // out of every window
			recs = recs[1:]
		}
		if now%(500*time.Millisecond) != 0 && rng.IntN(4) != 0 {
			continue
		}
		cur := int64(now / width)
		for _, d := range []time.Duration{300 * time.Millisecond, 2 * time.Second, 4100 * time.Millisecond, window} {
			first := max(int64((now-d)/width), cur-int64(window/width)+1, 0)
			if now-d < 0 {
				first = 0
			}
			from := time.Duration(first) * width
			ref := hdrhistogram.New(1, 60_000_000, 2)
			var count, errs int64
			for _, r := range recs {
				if r.at >= from {
					ref.RecordValue(r.us)
					count++
					if r.failed {
						errs++
					}
				}
			}
			w := l.Window(t0.Add(now), d, percentiles...)
			if w.Span != now-from || w.Count != count || w.Errors != errs {
				t.Fatalf("at %v, Window(%v): Span %v, Count %d, Errors %d; want %v, %d, %d",
					now, d, w.Span, w.Count, w.Errors, now-from, count, errs)
			}
			for i, v := range ref.ValueAtPercentilesSlice(percentiles) {
				if w.Latency[i] != time.Duration(v)*time.Microsecond {
					t.Fatalf("at %v, Window(%v): p%v %v, want %v", now, d, percentiles[i], w.Latency[i], time.Duration(v)*time.Microsecond)
				}
			}
			if count > 0 && w.Max != time.Duration(ref.Max())*time.Microsecond {
				t.Fatalf("at %v, Window(%v): max %v, want %v", now, d, w.Max, time.Duration(ref.Max())*time.Microsecond)
			}
			checked++
		}
	}
	t.Logf("%d windows checked over %d requests", checked, total)
}
