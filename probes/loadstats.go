package probes

import (
	"sync"
	"sync/atomic"
	"time"
)

// LoadSample is what Load.Collect returns: figures of the interval since the
// previous Collect and of the rolling window, which ends at Time and spans
// the load's Window to within one slot (250 ms for a Window up to 60 s).
type LoadSample struct {
	Time       time.Time
	TargetRate float64 // req/s asked for now
	SentRate   float64 // req/s sent in the last interval
	Throughput float64 // responses (any outcome) per second in the last interval; hits not sent are not responses
	Count      int64   // completed requests in the window, hits not sent included
	Errors     int64   // of which errors (transport error, timeout, status >= 500, or not sent because of MaxInFlight) in the window
	ErrorRate  float64 // Errors/Count in the window, 0..1; NaN when Count == 0
	// Latency percentiles over the requests sent that completed in the
	// window (hits not sent have no latency); 0 when there are none.
	P50, P90, P95, P99, Max time.Duration
	InFlight                int
	TotalSent, TotalErrors  int64 // since start
}

// WindowStats is what Load.Window returns: the figures of the requests that
// completed in a window ending at the time asked for.
type WindowStats struct {
	Span       time.Duration   // what was actually covered: from the start of the oldest slot read to now
	Count      int64           // completed (hits not sent included, as in LoadSample)
	Errors     int64           // of which errors
	ErrorRate  float64         // 0..1, NaN when Count == 0
	Throughput float64         // completed per second over Span (0 when Span is 0)
	Latency    []time.Duration // parallel to the percentiles asked for; zeros when no latency recorded
	Max        time.Duration
}

// collectPercentiles is what collect asks the window for.
var collectPercentiles = []float64{50, 90, 95, 99}

// loadStats records the outcome of each hit into the window and the current
// interval. Its methods are safe from any goroutine.
type loadStats struct {
	totalSent atomic.Int64

	mu          sync.Mutex // guards the fields below
	ring        *slotRing
	lastCollect time.Time
	sentBefore  int64 // totalSent at the previous collect
	doneInt     int64 // responses since the previous collect
	totalErrors int64
}

func newLoadStats(window time.Duration, origin time.Time) *loadStats {
	return &loadStats{ring: newSlotRing(window, origin), lastCollect: origin}
}

// begin starts the first interval and slot 0 at start. Nothing is recorded
// before Run calls it, so the ring is empty.
func (s *loadStats) begin(start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastCollect = start
	s.ring.reset(start)
}

// sent counts a hit sent.
func (s *loadStats) sent() { s.totalSent.Add(1) }

// done records a request that completed at end after lat since its
// intended send time.
func (s *loadStats) done(end time.Time, lat time.Duration, failed bool) {
	us := min(max(lat.Microseconds(), histLowest), histHighest)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doneInt++
	if failed {
		s.totalErrors++
	}
	s.ring.record(end, us, 1, failed)
}

// notSent records n hits that were due at about now but not sent.
func (s *loadStats) notSent(now time.Time, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.totalErrors += n
	s.ring.record(now, -1, n, true)
}

// window reads the slots that cover d before now (see Load.Window).
func (s *loadStats) window(now time.Time, d time.Duration, percentiles []float64) WindowStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ring.window(now, d, percentiles)
}

// collect closes the interval at now and reads the whole window. It fills
// every field but TargetRate and InFlight.
func (s *loadStats) collect(now time.Time) LoadSample {
	out := LoadSample{Time: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	out.TotalSent = s.totalSent.Load()
	// An interval of no time (now not after the previous collect) is not
	// closed: its counts go to the next one.
	if dt := now.Sub(s.lastCollect).Seconds(); dt > 0 {
		out.SentRate = float64(out.TotalSent-s.sentBefore) / dt
		out.Throughput = float64(s.doneInt) / dt
		s.sentBefore, s.doneInt = out.TotalSent, 0
		s.lastCollect = now
	}
	out.TotalErrors = s.totalErrors
	w := s.ring.window(now, time.Duration(len(s.ring.slots))*s.ring.width, collectPercentiles)
	out.Count, out.Errors, out.ErrorRate, out.Max = w.Count, w.Errors, w.ErrorRate, w.Max
	out.P50, out.P90, out.P95, out.P99 = w.Latency[0], w.Latency[1], w.Latency[2], w.Latency[3]
	return out
}
