package probes

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// LoadSample is what Load.Collect returns: figures of the interval since the
// previous Collect and of the rolling window, which ends at Time and spans
// the configured Window to within one slot (a tenth of a 5 s window).
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
	P50, P95, P99, Max     time.Duration
	InFlight               int
	TotalSent, TotalErrors int64 // since start
}

// Latencies are recorded in microseconds from 1 µs to 60 s (longer ones
// count as 60 s) with 2 significant figures, so a percentile is within 1 %.
// One histogram of that geometry costs 20,548 bytes (Histogram.ByteSize).
// The window is a ring of slots of about slotWidth each, plus one histogram
// to merge them into: a 5 s window has 10 slots and costs about 226 kB.
const (
	histLowest  = 1
	histHighest = 60_000_000
	histSigFigs = 2

	slotWidth = 500 * time.Millisecond
	maxSlots  = 20 // a longer window gets wider slots
)

// percentiles is what collect asks the merged histogram for.
var percentiles = []float64{50, 95, 99}

// loadStats records the outcome of each hit into the window and the current
// interval. Its methods are safe from any goroutine.
type loadStats struct {
	sentInterval atomic.Int64 // hits sent since the previous collect
	totalSent    atomic.Int64

	mu          sync.Mutex // guards the fields below
	width       time.Duration
	origin      time.Time // start of slot 0
	slot        int64     // absolute index of the current slot
	hist        *hdrhistogram.WindowedHistogram
	counts      []slotCounts // parallel to hist's ring
	cur         int          // index of the current slot in counts
	lastCollect time.Time
	doneInt     int64 // responses since the previous collect
	totalErrors int64
}

type slotCounts struct{ count, errors int64 }

func newLoadStats(window time.Duration, origin time.Time) *loadStats {
	n := int(min(max((window+slotWidth/2)/slotWidth, 2), maxSlots))
	return &loadStats{
		width:       window / time.Duration(n),
		origin:      origin,
		hist:        hdrhistogram.NewWindowed(n, histLowest, histHighest, histSigFigs),
		counts:      make([]slotCounts, n),
		lastCollect: origin,
	}
}

// begin starts the first interval at start.
func (s *loadStats) begin(start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastCollect = start
}

// advance rotates the window so that the current slot holds time t. The
// caller holds s.mu. A time in an older slot stays in the current one.
func (s *loadStats) advance(t time.Time) {
	slot := int64(t.Sub(s.origin) / s.width)
	if slot <= s.slot {
		return
	}
	for range min(slot-s.slot, int64(len(s.counts))) {
		s.hist.Rotate()
		s.cur = (s.cur + 1) % len(s.counts)
		s.counts[s.cur] = slotCounts{}
	}
	s.slot = slot
}

// sent counts a hit sent.
func (s *loadStats) sent() {
	s.sentInterval.Add(1)
	s.totalSent.Add(1)
}

// done records a request that completed at end after lat since its
// intended send time.
func (s *loadStats) done(end time.Time, lat time.Duration, failed bool) {
	us := min(max(lat.Microseconds(), histLowest), histHighest)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(end)
	s.doneInt++
	s.counts[s.cur].count++
	if failed {
		s.counts[s.cur].errors++
		s.totalErrors++
	}
	_ = s.hist.Current.RecordValue(us) // us is within range
}

// notSent records n hits that were due at about now but not sent.
func (s *loadStats) notSent(now time.Time, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	s.counts[s.cur].count += n
	s.counts[s.cur].errors += n
	s.totalErrors += n
}

// collect closes the interval at now and reads the window. It fills every
// field but TargetRate and InFlight.
func (s *loadStats) collect(now time.Time) LoadSample {
	out := LoadSample{Time: now, ErrorRate: math.NaN()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	// An interval of no time (now not after the previous collect) is not
	// closed: its counts go to the next one.
	if dt := now.Sub(s.lastCollect).Seconds(); dt > 0 {
		out.SentRate = float64(s.sentInterval.Swap(0)) / dt
		out.Throughput = float64(s.doneInt) / dt
		s.doneInt = 0
		s.lastCollect = now
	}
	out.TotalSent = s.totalSent.Load()
	out.TotalErrors = s.totalErrors
	for _, c := range s.counts {
		out.Count += c.count
		out.Errors += c.errors
	}
	if out.Count > 0 {
		out.ErrorRate = float64(out.Errors) / float64(out.Count)
	}
	if h := s.hist.Merge(); h.TotalCount() > 0 {
		v := h.ValueAtPercentilesSlice(percentiles)
		out.P50, out.P95, out.P99 = micros(v[0]), micros(v[1]), micros(v[2])
		out.Max = micros(h.Max())
	}
	return out
}

func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
