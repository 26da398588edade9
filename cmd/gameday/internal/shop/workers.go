package shop

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"
)

// queue is the frontend's in-memory order queue, FIFO, bounded when its
// capacity is above 0. It is safe for concurrent use.
type queue struct {
	capacity int
	ready    chan struct{} // holds a token while orders may be waiting

	mu    sync.Mutex
	items []Order
}

func newQueue(capacity int) *queue {
	return &queue{capacity: capacity, ready: make(chan struct{}, 1)}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *queue) full() bool {
	return q.capacity > 0 && q.len() >= q.capacity
}

// push adds o at the back; it reports false when the queue is full.
func (q *queue) push(o Order) bool { return q.add(o, false) }

// pushFront puts o back at the front; it reports false when the queue is full.
func (q *queue) pushFront(o Order) bool { return q.add(o, true) }

func (q *queue) add(o Order, front bool) bool {
	q.mu.Lock()
	if q.capacity > 0 && len(q.items) >= q.capacity {
		q.mu.Unlock()
		return false
	}
	if front {
		q.items = append([]Order{o}, q.items...)
	} else {
		q.items = append(q.items, o)
	}
	q.mu.Unlock()
	q.signal()
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
			if n > 1 {
				q.signal() // wake the next worker
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

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
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

// work charges queued orders one at a time. A failed order is dropped,
// except that under a policy that requeues, an order that meets an open
// payments breaker goes back to the front of the queue (or, when the queue
// has no room, stays with the worker) until payments can be tried again.
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
		case f.pol.requeue && f.paymentsBlocked(err):
			if !f.queue.pushFront(o) {
				held = &o
			}
			f.log.Debug("order put back while the payments breaker is open", "order", o.ID)
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

// paymentsBlocked reports whether a payment failed because the payments
// breaker is open (or opened during the call).
func (f *frontend) paymentsBlocked(err error) bool {
	b := f.pay.breaker
	return b != nil && (errors.Is(err, ErrBreakerOpen) || b.State() != BreakerClosed)
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
