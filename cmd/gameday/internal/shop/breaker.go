package shop

import (
	"errors"
	"sync"
	"time"
)

// ErrBreakerOpen is returned by Breaker.Allow while the breaker rejects calls.
var ErrBreakerOpen = errors.New("circuit breaker open")

// BreakerState is the state of a Breaker.
type BreakerState int

// The states of a Breaker:
//
//	closed ──(failure ratio or run of failures)──▶ open
//	open ──(cool-down elapsed)──▶ half-open: one probe call at a time
//	half-open ──(probe succeeded)──▶ closed
//	half-open ──(probe failed)──▶ open
const (
	BreakerClosed BreakerState = iota
	BreakerOpen
	BreakerHalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return "unknown"
}

// CallResult is how a call that a Breaker let through went.
type CallResult int

// The results a caller reports.
const (
	CallSucceeded CallResult = iota // the dependency answered well
	CallFailed                      // an error, a 5xx or a timeout
	CallAbandoned                   // the caller gave up; says nothing about the dependency
)

// BreakerConfig sets when a Breaker opens and how long it stays open.
// Zero values take the defaults noted.
type BreakerConfig struct {
	Window              int           // recent calls kept for the failure ratio (20)
	MinCalls            int           // calls in the window before the ratio counts (Window/2)
	FailureRatio        float64       // open when failures/calls in the window reach it (0.5)
	ConsecutiveFailures int           // open after this many failures in a row (0: only the ratio)
	CoolDown            time.Duration // time open before a probe is let through (5 s)
	Now                 func() time.Time
	// OnStateChange, if set, is called after each transition, outside the
	// breaker's lock; calls from different goroutines may interleave.
	OnStateChange func(from, to BreakerState)
}

// Breaker is a circuit breaker over a count-based sliding window of recent
// calls. It is safe for concurrent use.
type Breaker struct {
	cfg BreakerConfig

	mu          sync.Mutex
	state       BreakerState
	gen         uint64 // bumped on every transition; older results are ignored
	window      []bool // ring of recent results, true = failure
	next, calls int
	failures    int
	consecutive int
	openedAt    time.Time
	probing     bool // half-open: the probe is in flight
}

// NewBreaker returns a closed breaker.
func NewBreaker(cfg BreakerConfig) *Breaker {
	if cfg.Window <= 0 {
		cfg.Window = 20
	}
	if cfg.MinCalls <= 0 {
		cfg.MinCalls = max(1, cfg.Window/2)
	}
	cfg.MinCalls = min(cfg.MinCalls, cfg.Window)
	if cfg.FailureRatio <= 0 {
		cfg.FailureRatio = 0.5
	}
	if cfg.CoolDown <= 0 {
		cfg.CoolDown = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Breaker{cfg: cfg, window: make([]bool, cfg.Window)}
}

type transition struct{ from, to BreakerState }

// Allow asks to make a call. When the breaker lets it through, the caller
// must report the call's result with done, once (later calls of done are
// ignored). Otherwise Allow returns ErrBreakerOpen.
func (b *Breaker) Allow() (done func(CallResult), err error) {
	b.mu.Lock()
	t := b.advance()
	switch {
	case b.state == BreakerOpen, b.state == BreakerHalfOpen && b.probing:
		err = ErrBreakerOpen
	case b.state == BreakerHalfOpen:
		b.probing = true
	}
	gen := b.gen
	b.mu.Unlock()
	b.notify(t)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func(r CallResult) { once.Do(func() { b.record(gen, r) }) }, nil
}

// State returns the breaker's state now.
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	t := b.advance()
	s := b.state
	b.mu.Unlock()
	b.notify(t)
	return s
}

// Wait returns how long a caller should wait before Allow can let a call
// through: 0 when closed or when a probe may go, the rest of the cool-down
// when open, and a short poll interval while a probe is in flight.
func (b *Breaker) Wait() time.Duration {
	b.mu.Lock()
	t := b.advance()
	var d time.Duration
	switch {
	case b.state == BreakerOpen:
		d = b.openedAt.Add(b.cfg.CoolDown).Sub(b.cfg.Now())
	case b.state == BreakerHalfOpen && b.probing:
		d = max(time.Millisecond, b.cfg.CoolDown/10)
	}
	b.mu.Unlock()
	b.notify(t)
	return max(d, 0)
}

func (b *Breaker) record(gen uint64, r CallResult) {
	b.mu.Lock()
	var t *transition
	if gen == b.gen {
		switch b.state {
		case BreakerClosed:
			if r != CallAbandoned {
				t = b.observe(r == CallFailed)
			}
		case BreakerHalfOpen:
			b.probing = false
			switch r {
			case CallSucceeded:
				t = b.moveTo(BreakerClosed)
			case CallFailed:
				t = b.moveTo(BreakerOpen)
			}
		}
	}
	b.mu.Unlock()
	b.notify(t)
}

// observe adds a result to the window and opens the breaker when the
// window says so. b.mu is held.
func (b *Breaker) observe(failed bool) *transition {
	if b.calls == len(b.window) {
		if b.window[b.next] {
			b.failures--
		}
	} else {
		b.calls++
	}
	b.window[b.next] = failed
	b.next = (b.next + 1) % len(b.window)
	if failed {
		b.failures++
		b.consecutive++
	} else {
		b.consecutive = 0
	}
	run := b.cfg.ConsecutiveFailures > 0 && b.consecutive >= b.cfg.ConsecutiveFailures
	ratio := b.calls >= b.cfg.MinCalls && float64(b.failures) >= b.cfg.FailureRatio*float64(b.calls)
	if run || ratio {
		return b.moveTo(BreakerOpen)
	}
	return nil
}

// advance moves an open breaker whose cool-down has elapsed to half-open.
// b.mu is held.
func (b *Breaker) advance() *transition {
	if b.state == BreakerOpen && !b.cfg.Now().Before(b.openedAt.Add(b.cfg.CoolDown)) {
		return b.moveTo(BreakerHalfOpen)
	}
	return nil
}

// moveTo changes state and starts a new generation. b.mu is held.
func (b *Breaker) moveTo(s BreakerState) *transition {
	t := &transition{from: b.state, to: s}
	b.state = s
	b.gen++
	b.probing = false
	switch s {
	case BreakerOpen:
		b.openedAt = b.cfg.Now()
	case BreakerClosed:
		clear(b.window)
		b.next, b.calls, b.failures, b.consecutive = 0, 0, 0, 0
	}
	return t
}

func (b *Breaker) notify(t *transition) {
	if t != nil && b.cfg.OnStateChange != nil {
		b.cfg.OnStateChange(t.from, t.to)
	}
}
