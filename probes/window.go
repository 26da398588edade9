package probes

import (
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to 60 s (longer ones
// count as 60 s) with 2 significant figures, so a percentile is within 1 %.
// One histogram of that geometry costs 20,548 bytes (Histogram.ByteSize).
const (
	histLowest  = 1
	histHighest = 60_000_000
	histSigFigs = 2

	slotWidth  = 250 * time.Millisecond
	maxSlots   = 240
	blockSlots = 8 // slots per block: 2 s at 250 ms
)

// slotRing is a rolling window of request outcomes: a ring of n slots of
// equal width, each a latency histogram and two counts, aligned on origin. The
// current slot (the one that holds the latest time seen) is slot k; the
// ring holds slots k-n+1 to k, and a slot's place is reused when it drops
// out.
//
//	origin                                                          now
//	  │ slot 0 │ ... │ slot k-n+1 │ ... │ block j (8 slots) │ ... │ slot k ·
//	                 └───────────────── the ring: n slots ────────────────┘
//
// A query for the last d merges the slots from the one that holds now-d to
// slot k into a scratch histogram. Completed slots never change, so every
// run of blockSlots completed slots that starts at a multiple of
// blockSlots is merged once, when a query first needs it, into a block
// histogram that later queries merge instead: a 60 s query costs about 30
// block merges and at most 14 slot merges rather than 240 slot merges.
//
// A 5 s window has 20 slots and costs about 430 kB; a 60 s window has 240
// and costs about 4.9 MB, plus up to 31 blocks (640 kB) once queries use
// them. A slotRing is not safe for concurrent use.
type slotRing struct {
	width   time.Duration
	origin  time.Time // start of slot 0
	cur     int64     // absolute index of the current slot
	slots   []slot    // absolute slot i is slots[i % n]
	blocks  []block   // absolute block j is blocks[j % len(blocks)]
	scratch *hdrhistogram.Histogram
}

type slot struct {
	hist          *hdrhistogram.Histogram
	count, errors int64
}

// block is the merge of slots [id*blockSlots, (id+1)*blockSlots).
type block struct {
	id   int64                   // -1: none
	hist *hdrhistogram.Histogram // nil until first needed
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histLowest, histHighest, histSigFigs) }

// ringGeometry returns the width of a slot and the number of slots that
// cover window: slots of slotWidth, wider (a whole number of milliseconds)
// when window needs more than maxSlots of them.
func ringGeometry(window time.Duration) (time.Duration, int) {
	width := slotWidth
	if window > maxSlots*slotWidth {
		width = (window/maxSlots + time.Millisecond - 1).Truncate(time.Millisecond)
	}
	return width, int(max((window+width-1)/width, 1))
}

func newSlotRing(window time.Duration, origin time.Time) *slotRing {
	width, n := ringGeometry(window)
	r := &slotRing{
		width:   width,
		origin:  origin,
		slots:   make([]slot, n),
		blocks:  make([]block, n/blockSlots+1),
		scratch: newHist(),
	}
	for i := range r.slots {
		r.slots[i].hist = newHist()
	}
	r.reset(origin)
	return r
}

// reset empties the ring and aligns slot 0 on origin.
func (r *slotRing) reset(origin time.Time) {
	r.origin, r.cur = origin, 0
	for i := range r.slots {
		r.slots[i].reset()
	}
	for i := range r.blocks {
		r.blocks[i].id = -1
	}
}

func (s *slot) reset() {
	if s.hist.TotalCount() > 0 {
		s.hist.Reset()
	}
	s.count, s.errors = 0, 0
}

// slotOf returns the absolute index of the slot that holds t; negative
// before origin.
func (r *slotRing) slotOf(t time.Time) int64 {
	d := t.Sub(r.origin)
	i := int64(d / r.width)
	if d < 0 && d%r.width != 0 {
		i-- // floor, not truncation towards zero
	}
	return i
}

// advance rotates the ring so that the current slot holds t, and returns
// it. A time in an older slot is counted in the current one.
func (r *slotRing) advance(t time.Time) *slot {
	n := int64(len(r.slots))
	if k := r.slotOf(t); k > r.cur {
		for i := max(r.cur+1, k-n+1); i <= k; i++ {
			r.slots[i%n].reset()
		}
		r.cur = k
	}
	return &r.slots[r.cur%n]
}

// record counts one outcome at t: a latency in µs, or none (us < 0) for a
// hit not sent.
func (r *slotRing) record(t time.Time, us int64, n int64, failed bool) {
	s := r.advance(t)
	s.count += n
	if failed {
		s.errors += n
	}
	if us >= 0 {
		_ = s.hist.RecordValue(us) // us is within range
	}
}

// window reads the slots that cover d before now; see Load.Window.
func (r *slotRing) window(now time.Time, d time.Duration, percentiles []float64) WindowStats {
	out := WindowStats{ErrorRate: math.NaN(), Latency: make([]time.Duration, len(percentiles))}
	if d <= 0 {
		return out
	}
	r.advance(now)
	n := int64(len(r.slots))
	// The oldest slot read holds now-d, unless the ring or Run's start
	// does not reach back that far.
	first := max(r.slotOf(now.Add(-d)), r.cur-n+1, 0)
	out.Span = max(now.Sub(r.origin.Add(time.Duration(first)*r.width)), 0)

	h := r.scratch
	if h.TotalCount() > 0 {
		h.Reset()
	}
	for i := first; i <= r.cur; {
		if b := i / blockSlots; i%blockSlots == 0 && i+blockSlots <= r.cur { // a block of completed slots
			h.Merge(r.block(b)) // same geometry: nothing dropped
			i += blockSlots
			continue
		}
		if s := &r.slots[i%n]; s.hist.TotalCount() > 0 {
			h.Merge(s.hist)
		}
		i++
	}
	for i := first; i <= r.cur; i++ {
		out.Count += r.slots[i%n].count
		out.Errors += r.slots[i%n].errors
	}
	if out.Count > 0 {
		out.ErrorRate = float64(out.Errors) / float64(out.Count)
	}
	if out.Span > 0 {
		out.Throughput = float64(out.Count) / out.Span.Seconds()
	}
	if h.TotalCount() > 0 {
		// p100 is the maximum, found in the same pass over the counts.
		v := h.ValueAtPercentilesSlice(append(percentiles[:len(percentiles):len(percentiles)], 100))
		for i := range out.Latency {
			out.Latency[i] = micros(v[i])
		}
		out.Max = micros(v[len(v)-1])
	}
	return out
}

// block returns the merge of block b's slots, which are complete and in
// the ring, merging them the first time.
func (r *slotRing) block(b int64) *hdrhistogram.Histogram {
	bl := &r.blocks[b%int64(len(r.blocks))]
	if bl.id == b {
		return bl.hist
	}
	if bl.hist == nil {
		bl.hist = newHist()
	} else if bl.hist.TotalCount() > 0 {
		bl.hist.Reset()
	}
	n := int64(len(r.slots))
	for i := b * blockSlots; i < (b+1)*blockSlots; i++ {
		if s := &r.slots[i%n]; s.hist.TotalCount() > 0 {
			bl.hist.Merge(s.hist)
		}
	}
	bl.id = b
	return bl.hist
}

func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
