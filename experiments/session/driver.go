package session

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/inject"
)

// driver calls one block's injector, off the session's loop, so that a
// slow injector (a command, a remote API) only ever holds its own block:
//
//	session loop ──post──▶ driver mailbox ──▶ Start / Update / advance / Stop
//	     ▲                                              │
//	     └──────────────── results (with times) ◀───────┘
//
// The loop posts what it wants and never waits: the mailbox keeps the
// latest wish of each kind (a newer intensity replaces an older one, a
// stop drops the updates and a start not yet begun). Calls run one at a
// time, in the goroutine of run, each under a context that a halt
// cancels (but for Stop, which is bounded by the injector timeout only).
// A panic in an injector is an error of that call, not of gameday.
type driver struct {
	block   string
	inj     inject.Injector
	now     func() time.Time
	timeout time.Duration // bounds the Stop after a failed Start
	out     chan<- result

	wake chan struct{} // capacity 1: a post since the last look

	mu     sync.Mutex
	start  *op // a start to make
	stop   *op // a stop to make: wins over everything else
	update *op // the latest intensity to apply
	tick   *op // the latest time to advance a composite's clock to
}

// opKind is what a driver is asked to do.
type opKind int

const (
	opStart opKind = iota
	opStop
	opUpdate
	opTick
)

// op is one call the loop asks of a driver.
type op struct {
	kind      opKind
	gen       uint64 // the run of the block it belongs to (one per trigger)
	ctx       context.Context
	cancel    context.CancelFunc // releases ctx once the call is made, or dropped
	intensity float64            // start, update
	at        time.Time          // tick: the time to advance to
	asked     time.Time          // when it was asked for
	by        string             // who asked (operator, schedule, guardrail...)
	why       string             // stop: why
}

// result is how an op went, for the loop.
type result struct {
	block string
	op    op
	done  time.Time // when the call returned
	err   error
	// stopErr is a start's: the error of the Stop that followed a failed
	// Start (a fault that failed half-way must not stay half on).
	stopErr error
	// cancelled says a start was dropped, or cut short, by a halt.
	cancelled bool
	// finished and events are a tick's: the composite ran its course,
	// and what it says happened (a sequence's next step).
	finished bool
	events   []experiments.Event
}

func newDriver(block string, inj inject.Injector, now func() time.Time, timeout time.Duration, out chan<- result) *driver {
	return &driver{block: block, inj: inj, now: now, timeout: timeout, out: out, wake: make(chan struct{}, 1)}
}

// post leaves o in the mailbox; it never blocks. It returns how many
// ops it took out of the mailbox that will never have a result (an older
// intensity replaced by a newer one...), so that the loop can count the
// results it waits for.
func (d *driver) post(o op) (lost int) {
	d.mu.Lock()
	drop := func(p **op) {
		if *p != nil {
			(*p).cancel()
			lost++
		}
		*p = nil
	}
	switch o.kind {
	case opStart:
		drop(&d.start)
		drop(&d.update)
		drop(&d.tick)
		d.start = &o
	case opStop:
		drop(&d.stop)
		drop(&d.update)
		drop(&d.tick)
		d.stop = &o
	case opUpdate:
		drop(&d.update)
		d.update = &o
	case opTick:
		drop(&d.tick)
		d.tick = &o
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return lost
}

// next takes the next op from the mailbox: a stop first (dropping a start
// not yet begun, which is returned too), then a start, an update, a tick.
func (d *driver) next() (o *op, dropped *op) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.stop != nil:
		o, dropped = d.stop, d.start
		d.stop, d.start = nil, nil
	case d.start != nil:
		o, d.start = d.start, nil
	case d.update != nil:
		o, d.update = d.update, nil
	case d.tick != nil:
		o, d.tick = d.tick, nil
	}
	return o, dropped
}

// run serves the mailbox until quit is closed.
func (d *driver) run(quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case <-d.wake:
		}
		for {
			o, dropped := d.next()
			if o == nil {
				break
			}
			if dropped != nil {
				dropped.cancel()
				d.send(result{op: *dropped, done: d.now(), cancelled: true,
					err: fmt.Errorf("halted before its start began: %w", context.Canceled)}, quit)
			}
			r := d.do(*o)
			o.cancel()
			d.send(r, quit)
		}
	}
}

// send hands r to the loop, unless the session is gone.
func (d *driver) send(r result, quit <-chan struct{}) {
	r.block = d.block
	select {
	case d.out <- r:
	case <-quit:
	}
}

// do makes one call.
func (d *driver) do(o op) (r result) {
	r.op = o
	defer func() {
		if p := recover(); p != nil {
			r.err = fmt.Errorf("injector panic: %v\n%s", p, debug.Stack())
		}
		r.done = d.now()
	}()
	switch o.kind {
	case opStart:
		r.err = d.inj.Start(o.ctx)
		if r.err == nil {
			// Always set the intensity: an injector keeps the one of its
			// last run (an operator's 50 %), which must not carry over.
			r.err = d.inj.Update(o.ctx, o.intensity)
		}
		if r.err != nil {
			r.cancelled = o.ctx.Err() != nil && errors.Is(context.Cause(o.ctx), errHalted)
			ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
			r.stopErr = d.inj.Stop(ctx)
			cancel()
		}
	case opStop:
		r.err = d.inj.Stop(o.ctx)
	case opUpdate:
		r.err = d.inj.Update(o.ctx, o.intensity)
	case opTick:
		if a, ok := d.inj.(advancer); ok {
			r.finished, r.events, r.err = a.advance(o.ctx, o.at)
		}
	}
	return r
}

// errHalted is the cause of a block's run context when a halt ends it.
var errHalted = errors.New("halted")

// DefaultInjectorTimeout bounds one injector call (start, update, stop),
// and how long the end of a session waits for the stops, unless
// WithInjectorTimeout says otherwise.
const DefaultInjectorTimeout = 30 * time.Second
