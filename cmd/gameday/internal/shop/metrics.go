package shop

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Label values; every label of the frontend's metrics takes one of a fixed
// few values.
const (
	checkoutAccepted = "accepted" // queued after inventory confirmed the stock
	checkoutFallback = "fallback" // queued with the stock unconfirmed
	checkoutShed     = "shed"     // refused with 503: queue or in-flight cap full
	checkoutFailed   = "failed"   // refused: inventory failed, bad request, client gone

	paymentCharged  = "charged"
	paymentRequeued = "requeued" // failed for now; back on the queue
	paymentFailed   = "failed"   // dropped

	routeCheckout = "/checkout"
	routeHealthz  = "/healthz"
	routeOther    = "other"
)

// metrics are the frontend's metrics, on a registry of their own.
type metrics struct {
	reg         *prometheus.Registry
	duration    *prometheus.HistogramVec // route
	checkouts   *prometheus.CounterVec   // outcome
	depCalls    *prometheus.CounterVec   // dependency, outcome
	payments    *prometheus.CounterVec   // outcome
	workersBusy prometheus.Gauge
}

// gauges are read when /metrics is scraped.
type gauges struct {
	queueDepth, inflight func() float64
	breakerOpen          map[string]func() float64 // by dependency
	resilience           Resilience
}

func newMetrics(g gauges) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shop_request_duration_seconds",
			Help:    "Time the frontend took to answer a request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .15, .2, .25, .3, .4, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		checkouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shop_checkouts_total",
			Help: "Checkouts answered, by outcome: accepted (202), fallback (202, stock unconfirmed), shed (503), failed (4xx/5xx).",
		}, []string{"outcome"}),
		depCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shop_dependency_calls_total",
			Help: "Tries of calls to a dependency, by outcome: ok, error, timeout, rejected (by the circuit breaker).",
		}, []string{"dependency", "outcome"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shop_payments_total",
			Help: "Payments the workers tried, by outcome: charged, requeued (failed for now, the order is back on the queue) or failed (the order is dropped).",
		}, []string{"outcome"}),
		workersBusy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shop_workers_busy",
			Help: "Payment workers busy charging an order.",
		}),
	}
	m.reg.MustRegister(m.duration, m.checkouts, m.depCalls, m.payments, m.workersBusy,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shop_queue_depth",
			Help: "Orders waiting on the queue for a payment worker.",
		}, g.queueDepth),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shop_inflight_requests",
			Help: "Checkout requests being served.",
		}, g.inflight),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "shop_resilience",
			Help:        "The frontend's resilience setting (1 for the level in use).",
			ConstLabels: prometheus.Labels{"level": string(g.resilience)},
		}, func() float64 { return 1 }),
	)
	for _, dep := range []string{"inventory", "payments"} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "shop_breaker_open",
			Help:        "1 while the dependency's circuit breaker is not closed (open or half-open), else 0.",
			ConstLabels: prometheus.Labels{"dependency": dep},
		}, g.breakerOpen[dep]))
		for _, o := range []string{outcomeOK, outcomeError, outcomeTimeout, outcomeRejected} {
			m.depCalls.WithLabelValues(dep, o)
		}
	}
	// Expose every series from the start, so that rates and ratios exist
	// before the first event.
	for _, r := range []string{routeCheckout, routeHealthz} {
		m.duration.WithLabelValues(r)
	}
	for _, o := range []string{checkoutAccepted, checkoutFallback, checkoutShed, checkoutFailed} {
		m.checkouts.WithLabelValues(o)
	}
	for _, o := range []string{paymentCharged, paymentRequeued, paymentFailed} {
		m.payments.WithLabelValues(o)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
