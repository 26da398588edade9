package probes

import (
	"math"
	"sync"
	"time"
)

// A Pacer decides when the next hit is due: given the time elapsed since the
// start and the number of hits sent so far, it returns how long to wait
// before sending the next one (zero or negative: it is due, or overdue by
// that much) or stop to end the attack. It has the shape of vegeta's Pacer.
type Pacer interface {
	Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool)
}

// PacerFunc adapts a function to the Pacer interface.
type PacerFunc func(elapsed time.Duration, hits uint64) (time.Duration, bool)

// Pace calls f.
func (f PacerFunc) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return f(elapsed, hits)
}

var _ Pacer = PacerFunc(nil)

// never is the wait a RatePacer returns while its rate is zero; a rate
// change must wake the sender (Load does).
const never = time.Duration(math.MaxInt64)

// RatePacer paces hits at a rate that may change at any time. It integrates
// the rate over time: hit n (counting from 0) is due when the integral of
// the rate since the start reaches n, so hit 0 is due at once, and a rate
// change moves every later hit but never one that was already due.
//
//	rate ▲        ┌──────── SetRate(t1, 2r)
//	     │ r ─────┘
//	     └──────────────────▶ time
//	hits  0  1  2  3 4 5 6 7     (spacing 1/r, then 1/2r)
//
// RatePacer is safe for concurrent use: one goroutine calls Pace while
// others call SetRate.
type RatePacer struct {
	mu sync.Mutex
	// segs holds the rate's pieces, each starting where the previous one
	// ends; segs[0] is the piece that holds the next hit. Pace drops the
	// pieces it has passed, so the slice stays short.
	segs []segment
}

// segment is a piece of constant rate: from time at, where the integral of
// the rate equals hits, the rate is perSec.
type segment struct {
	at     time.Duration
	hits   float64
	perSec float64
}

// NewRatePacer returns a pacer at perSec hits per second from time zero.
// A negative or NaN rate counts as zero.
func NewRatePacer(perSec float64) *RatePacer {
	return &RatePacer{segs: []segment{{perSec: cleanRate(perSec)}}}
}

func cleanRate(r float64) float64 {
	if !(r > 0) || math.IsInf(r, 0) { // NaN, negative, zero, infinite
		return 0
	}
	return r
}

// SetRate changes the rate to perSec from time at (elapsed since the start)
// on. A time before the latest change counts as the latest change.
func (p *RatePacer) SetRate(at time.Duration, perSec float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := p.segs[len(p.segs)-1]
	at = max(at, last.at)
	p.segs = append(p.segs, segment{at: at, hits: last.integral(at), perSec: cleanRate(perSec)})
}

// Rate returns the latest rate set.
func (p *RatePacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.segs[len(p.segs)-1].perSec
}

// Hits returns the integral of the rate from time zero to elapsed: the
// number of hits due by then, as a real number.
func (p *RatePacer) Hits(elapsed time.Duration) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := len(p.segs) - 1
	for i > 0 && p.segs[i].at > elapsed {
		i--
	}
	return p.segs[i].integral(elapsed)
}

// Pace implements Pacer. It never stops; while the rate is zero the wait is
// effectively infinite.
func (p *RatePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := float64(hits)
	// Drop the pieces that end at or before hit n.
	for len(p.segs) > 1 && p.segs[1].hits <= n {
		p.segs = p.segs[1:]
	}
	// Now segs[0] holds hit n: either it is the last piece, or the next
	// piece starts past n, so segs[0] has a rate.
	s := p.segs[0]
	if s.perSec == 0 {
		return never, false
	}
	after := (n - s.hits) / s.perSec * float64(time.Second) // since s.at
	if after >= float64(never/2) {
		return never, false // a rate so low that hit n is centuries away
	}
	due := s.at + time.Duration(after)
	return due - elapsed, false
}

// integral returns the hits due by time t within s (t >= s.at).
func (s segment) integral(t time.Duration) float64 {
	return s.hits + s.perSec*max(t-s.at, 0).Seconds()
}
