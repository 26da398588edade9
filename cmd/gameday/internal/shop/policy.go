package shop

import "time"

// policy is what a resilience level means for the frontend.
type policy struct {
	inventory, payments               RetryPolicy
	inventoryBreaker, paymentsBreaker *BreakerConfig // nil: no breaker

	// inventoryFallback accepts a checkout with its stock unconfirmed when
	// inventory fails, instead of answering 502.
	inventoryFallback bool
	// requeue puts an order back on the queue while the payments breaker
	// is open, instead of dropping it.
	requeue bool
	// queueCap bounds the order queue and maxInflight the checkouts being
	// served; beyond them a checkout is shed with 503. 0 means unbounded.
	queueCap, maxInflight int
}

// policyFor returns the parameters of a resilience level:
//
//	                    none        basic           hardened
//	inventory timeout   -           1 s             150 ms a try, 200 ms in all
//	inventory retries   -           2, 25 ms base   2, 20 ms base (within the budget)
//	inventory breaker   -           -               50 % of 20 calls or 5 in a row; 2 s cool-down
//	inventory failure   502         502             fallback: 202, stock unconfirmed
//	payments timeout    -           2 s             1 s a try, 3 s in all
//	payments retries    -           2, 25 ms base   2, 50 ms base
//	payments breaker    -           -               50 % of 20 calls or 5 in a row; 5 s cool-down
//	payment failure     dropped     dropped         dropped; put back while the breaker is open
//	queue, in flight    unbounded   unbounded       50 orders, 64 checkouts; then 503
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
				CoolDown: 5 * time.Second,
			},
			inventoryFallback: true,
			requeue:           true,
			queueCap:          50,
			maxInflight:       64,
		}
	}
	return policy{inventory: RetryPolicy{Attempts: 1}, payments: RetryPolicy{Attempts: 1}}
}
