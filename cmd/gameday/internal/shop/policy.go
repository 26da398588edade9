package shop

import "time"

// policy is what a resilience level means for the frontend.
type policy struct {
	inventory, payments               RetryPolicy
	inventoryBreaker, paymentsBreaker *BreakerConfig // nil: no breaker

	// inventoryFallback accepts a checkout with its stock unconfirmed when
	// inventory fails, instead of answering 502.
	inventoryFallback bool
	// requeue puts an order whose payment failed for a passing reason (a
	// timeout, a 5xx, an open breaker) back on the queue, to be charged
	// later, instead of dropping it. A refused order (4xx) is dropped.
	requeue bool

	// queueCap bounds the order queue. queueWait is how long a checkout
	// waits for room in a full queue before it is shed with 503; below 0,
	// it waits as long as its client does.
	queueCap  int
	queueWait time.Duration
	// maxInflight sheds a checkout with 503 beyond this many being served;
	// 0 means no bound.
	maxInflight int
}

// waitsForever reports whether a checkout waits for room in a full queue
// for as long as its client does.
func (p policy) waitsForever() bool { return p.queueWait < 0 }

// The queue's capacity at each level: none and basic keep the buffer a
// service starts with (5 s of checkouts at the demo's 50 a second);
// hardened sizes it for a payments outage of a minute at that rate, so
// that checkouts go on being taken while payments is down.
const (
	smallQueue  = 250
	outageQueue = 3000
)

// policyFor returns the parameters of a resilience level:
//
//	                    none           basic               hardened
//	inventory timeout   -              1 s                 150 ms a try, 200 ms in all
//	inventory retries   -              2, 25 ms base       2, 20 ms base (within the budget)
//	inventory breaker   -              -                   50 % of 20 calls or 5 in a row; 2 s cool-down
//	inventory failure   502            502                 fallback: 202, stock unconfirmed
//	payments timeout    -              2 s                 1 s a try, 3 s in all
//	payments retries    -              2, 25 ms base       2, 50 ms base
//	payments breaker    -              -                   50 % of 20 calls or 5 in a row; 2 s cool-down
//	payment failure     dropped        back on the queue   back on the queue; workers wait while the breaker is open
//	queue               250            250                 3,000
//	queue full          wait for room  wait 50 ms, 503     503 at once
//	checkouts served    unbounded      unbounded           64, then 503
//
// Retries use exponential backoff with full jitter.
func policyFor(r Resilience) policy {
	switch r {
	case Basic:
		return policy{
			inventory: RetryPolicy{
				Attempts:       3,
				AttemptTimeout: time.Second,
				Backoff:        Backoff{Base: 25 * time.Millisecond, Max: time.Second},
			},
			payments: RetryPolicy{
				Attempts:       3,
				AttemptTimeout: 2 * time.Second,
				Backoff:        Backoff{Base: 25 * time.Millisecond, Max: time.Second},
			},
			requeue:   true,
			queueCap:  smallQueue,
			queueWait: 50 * time.Millisecond,
		}
	case Hardened:
		return policy{
			inventory: RetryPolicy{
				Attempts:       3,
				AttemptTimeout: 150 * time.Millisecond,
				Budget:         200 * time.Millisecond,
				Backoff:        Backoff{Base: 20 * time.Millisecond, Max: 100 * time.Millisecond},
			},
			payments: RetryPolicy{
				Attempts:       3,
				AttemptTimeout: time.Second,
				Budget:         3 * time.Second,
				Backoff:        Backoff{Base: 50 * time.Millisecond, Max: 500 * time.Millisecond},
			},
			inventoryBreaker: &BreakerConfig{
				Window: 20, MinCalls: 10, FailureRatio: 0.5, ConsecutiveFailures: 5,
				CoolDown: 2 * time.Second,
			},
			paymentsBreaker: &BreakerConfig{
				Window: 20, MinCalls: 10, FailureRatio: 0.5, ConsecutiveFailures: 5,
				CoolDown: 2 * time.Second,
			},
			inventoryFallback: true,
			requeue:           true,
			queueCap:          outageQueue,
			maxInflight:       64,
		}
	}
	return policy{
		inventory: RetryPolicy{Attempts: 1},
		payments:  RetryPolicy{Attempts: 1},
		queueCap:  smallQueue,
		queueWait: -1,
	}
}
