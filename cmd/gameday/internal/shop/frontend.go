package shop

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSKU is the SKU of a checkout that names none.
const DefaultSKU = "demo-widget"

// CheckoutRequest is the body of POST /checkout; the body and its fields
// are optional.
type CheckoutRequest struct {
	SKU      string `json:"sku,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
}

// CheckoutResponse is the frontend's 202 answer to POST /checkout.
type CheckoutResponse struct {
	OrderID        string `json:"order_id"`
	Status         string `json:"status"`          // "queued"
	StockConfirmed bool   `json:"stock_confirmed"` // false when the order was taken on the fallback
	Available      int    `json:"available,omitempty"`
}

// frontend takes checkouts: it asks inventory, queues the order and
// answers 202; its workers (workers.go) charge the queued orders. Payment
// is asynchronous: a 202 says the order is taken, and it is charged once
// a worker reaches it.
type frontend struct {
	log      *slog.Logger
	pol      policy
	workers  int
	inv, pay *dependency
	queue    *queue
	m        *metrics
	inflight atomic.Int64
	orders   atomic.Uint64
}

func newFrontend(cfg Config, log *slog.Logger) *frontend {
	f := &frontend{log: log, pol: policyFor(cfg.Resilience), workers: cfg.Workers}
	f.pol.queueCap = cfg.Queue
	f.queue = newQueue(f.pol.queueCap)
	invBreaker := f.newBreaker("inventory", f.pol.inventoryBreaker)
	payBreaker := f.newBreaker("payments", f.pol.paymentsBreaker)
	f.m = newMetrics(gauges{
		queueDepth: func() float64 { return float64(f.queue.len()) },
		inflight:   func() float64 { return float64(f.inflight.Load()) },
		breakerOpen: map[string]func() float64{
			"inventory": breakerOpen(invBreaker),
			"payments":  breakerOpen(payBreaker),
		},
		resilience: cfg.Resilience,
	})
	f.inv = newDependency("inventory", cfg.InventoryURL, f.pol.inventory, invBreaker,
		f.m.depCalls.MustCurryWith(prometheus.Labels{"dependency": "inventory"}))
	f.pay = newDependency("payments", cfg.PaymentsURL, f.pol.payments, payBreaker,
		f.m.depCalls.MustCurryWith(prometheus.Labels{"dependency": "payments"}))
	return f
}

// newBreaker returns a breaker for dependency dep that logs its
// transitions, or nil when cfg is nil.
func (f *frontend) newBreaker(dep string, cfg *BreakerConfig) *Breaker {
	if cfg == nil {
		return nil
	}
	c := *cfg
	c.OnStateChange = func(from, to BreakerState) {
		level := slog.LevelInfo
		if to == BreakerOpen {
			level = slog.LevelWarn
		}
		f.log.Log(context.Background(), level, "circuit breaker", "dependency", dep, "from", from.String(), "to", to.String())
	}
	return NewBreaker(c)
}

func breakerOpen(b *Breaker) func() float64 {
	return func() float64 {
		if b == nil || b.State() == BreakerClosed {
			return 0
		}
		return 1
	}
}

func (f *frontend) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /checkout", f.timed(routeCheckout, http.HandlerFunc(f.checkout)))
	mux.Handle("GET /healthz", f.timed(routeHealthz, healthz(Frontend)))
	mux.Handle("GET /metrics", f.m.handler())
	return mux
}

func (f *frontend) timed(route string, next http.Handler) http.Handler {
	h := f.m.duration.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		h.Observe(time.Since(start).Seconds())
	})
}

// checkout asks inventory for the stock, queues the order and answers 202.
func (f *frontend) checkout(w http.ResponseWriter, r *http.Request) {
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	// A full queue refuses at once when waiting is not the policy: no
	// inventory call for an order that cannot be taken.
	if f.pol.maxInflight > 0 && n > int64(f.pol.maxInflight) || f.pol.queueWait == 0 && f.queue.full() {
		f.shed(w)
		return
	}
	var req CheckoutRequest
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req)
	if err != nil && !errors.Is(err, io.EOF) {
		f.fail(w, http.StatusBadRequest, "bad checkout: "+err.Error())
		return
	}
	if req.SKU == "" {
		req.SKU = DefaultSKU
	}
	req.Quantity = max(req.Quantity, 1)
	order := Order{ID: "ord-" + strconv.FormatUint(f.orders.Add(1), 10), SKU: req.SKU, Quantity: req.Quantity}

	var stock Stock
	err = f.inv.call(r.Context(), http.MethodGet, "/stock?sku="+url.QueryEscape(req.SKU), nil, &stock)
	outcome := checkoutAccepted
	switch {
	case err == nil:
	case r.Context().Err() != nil: // the client went away: take no order
		f.m.checkouts.WithLabelValues(checkoutFailed).Inc()
		return
	case f.pol.inventoryFallback:
		outcome = checkoutFallback
		f.log.Debug("checkout on the fallback", "order", order.ID, "err", err)
	default:
		f.log.Debug("checkout failed", "order", order.ID, "err", err)
		f.fail(w, http.StatusBadGateway, "inventory unavailable")
		return
	}
	if !f.enqueue(r.Context(), order) {
		if r.Context().Err() != nil { // the client gave up waiting for room
			f.m.checkouts.WithLabelValues(checkoutFailed).Inc()
			return
		}
		f.shed(w)
		return
	}
	f.m.checkouts.WithLabelValues(outcome).Inc()
	writeJSON(w, http.StatusAccepted, CheckoutResponse{
		OrderID:        order.ID,
		Status:         "queued",
		StockConfirmed: outcome == checkoutAccepted,
		Available:      stock.Available,
	})
}

// enqueue puts the order on the queue, waiting for room in a full queue as
// the policy says. It reports false when the order was not taken.
func (f *frontend) enqueue(ctx context.Context, o Order) bool {
	switch {
	case f.pol.waitsForever():
		return f.queue.pushWait(ctx, o)
	case f.pol.queueWait > 0:
		ctx, cancel := context.WithTimeout(ctx, f.pol.queueWait)
		defer cancel()
		return f.queue.pushWait(ctx, o)
	}
	return f.queue.push(o)
}

// shed refuses a checkout quickly because the frontend is full.
func (f *frontend) shed(w http.ResponseWriter) {
	f.m.checkouts.WithLabelValues(checkoutShed).Inc()
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "too busy, try again later")
}

func (f *frontend) fail(w http.ResponseWriter, status int, msg string) {
	f.m.checkouts.WithLabelValues(checkoutFailed).Inc()
	writeError(w, status, msg)
}
