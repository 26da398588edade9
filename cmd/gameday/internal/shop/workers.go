package shop

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// queue is the frontend's in-memory order queue, FIFO, bounded by its
// capacity. It is safe for concurrent use.
type queue struct {
	capacity int
	ready    chan struct{} // holds a token while orders may be waiting
	room     chan struct{} // holds a token while there may be room

	mu    sync.Mutex
	items []Order
}

func newQueue(capacity int) *queue {
	return &queue{capacity: capacity, ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *queue) full() bool { return q.len() >= q.capacity }

// push adds o at the back; it reports false when the queue is full.
func (q *queue) push(o Order) bool { return q.add(o, false) }

// pushFront puts o back at the front; it reports false when the queue is full.
func (q *queue) pushFront(o Order) bool { return q.add(o, true) }

// pushWait adds o at the back, waiting for room until ctx is done; it
// reports false when ctx is done first.
func (q *queue) pushWait(ctx context.Context, o Order) bool {
	for !q.push(o) {
		select {
		case <-q.room:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

func (q *queue) add(o Order, front bool) bool {
	q.mu.Lock()
	n := len(q.items)
	if n >= q.capacity {
		q.mu.Unlock()
		return false
	}
	if front {
		q.items = append([]Order{o}, q.items...)
	} else {
		q.items = append(q.items, o)
	}
	q.mu.Unlock()
	signal(q.ready)
	if n+1 < q.capacity {
		signal(q.room) // wake the next checkout waiting for room
	}
	return true
}

// pop takes the order at the front, waiting for one until ctx is done.
func (q *queue) pop(ctx context.Context) (Order, bool) {
	for {
		q.mu.Lock()
		if n := len(q.items); n > 0 {
			o := q.items[0]
			if n == 1 {
				q.items = nil // let the backing array go
			} else {
				q.items = q.items[1:]
			}
			q.mu.Unlock()
			signal(q.room)
			if n > 1 {
				signal(q.ready) // wake the next worker
			}
			return o, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
			return Order{}, false
		}
	}
}

// signal leaves a token in c, unless one is there already.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// breakerPoll bounds a worker's sleep while the payments breaker is open,
// so that it notices a half-open breaker soon.
const breakerPoll = 250 * time.Millisecond

// runWorkers runs the payment workers until ctx is done.
func (f *frontend) runWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	for range f.workers {
		wg.Go(func() { f.work(ctx) })
	}
	wg.Wait()
	f.inv.closeIdle()
	f.pay.closeIdle()
}

// work charges queued orders one at a time. Under a policy that requeues,
// an order whose payment failed for a passing reason goes back to the
// front of the queue (or, when the queue has no room, stays with the
// worker) to be tried again; otherwise a failed order is dropped. While
// the payments breaker is open, the workers wait instead of calling.
func (f *frontend) work(ctx context.Context) {
	var held *Order
	for {
		if !f.waitForPayments(ctx) {
			return
		}
		var o Order
		if held != nil {
			o, held = *held, nil
		} else {
			var ok bool
			if o, ok = f.queue.pop(ctx); !ok {
				return
			}
		}
		f.m.workersBusy.Inc()
		err := f.charge(ctx, o)
		f.m.workersBusy.Dec()
		switch {
		case err == nil:
			f.m.payments.WithLabelValues(paymentCharged).Inc()
		case ctx.Err() != nil:
			return
		case f.pol.requeue && passing(err):
			f.m.payments.WithLabelValues(paymentRequeued).Inc()
			if !f.queue.pushFront(o) {
				held = &o
			}
			f.log.Debug("payment failed; the order goes back on the queue", "order", o.ID, "err", err)
		default:
			f.m.payments.WithLabelValues(paymentFailed).Inc()
			f.log.Debug("order dropped: payment failed", "order", o.ID, "err", err)
		}
	}
}

func (f *frontend) charge(ctx context.Context, o Order) error {
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	var c Charge
	return f.pay.call(ctx, http.MethodPost, "/charge", body, &c)
}

// waitForPayments waits while the payments breaker would reject a call. It
// reports false when ctx is done.
func (f *frontend) waitForPayments(ctx context.Context) bool {
	b := f.pay.breaker
	if b == nil {
		return ctx.Err() == nil
	}
	for {
		d := b.Wait()
		if d <= 0 {
			return ctx.Err() == nil
		}
		if sleep(ctx, min(d, breakerPoll)) != nil {
			return false
		}
	}
}
