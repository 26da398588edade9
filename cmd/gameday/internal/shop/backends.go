package shop

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// serviceTime is a lognormal service time: median m, and about 95 % of the
// draws within m·e^(±2σ); clamped to [m/4, 4m].
type serviceTime struct {
	median time.Duration
	sigma  float64
}

var (
	inventoryTime = serviceTime{median: 4 * time.Millisecond, sigma: 0.35} // ~2–8 ms
	paymentsTime  = serviceTime{median: 9 * time.Millisecond, sigma: 0.25} // ~5–15 ms
)

func (s serviceTime) draw() time.Duration {
	d := time.Duration(float64(s.median) * math.Exp(s.sigma*rand.NormFloat64()))
	return min(max(d, s.median/4), 4*s.median)
}

// work spends a service time, or less when the client goes away. It
// reports whether the request is still wanted.
func (s serviceTime) work(r *http.Request) bool {
	return sleep(r.Context(), s.draw()) == nil
}

// Stock is inventory's answer to GET /stock.
type Stock struct {
	SKU       string `json:"sku"`
	Available int    `json:"available"`
}

// Order is what the frontend queues and payments charges.
type Order struct {
	ID       string `json:"order_id"`
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// Charge is payments' answer to POST /charge.
type Charge struct {
	OrderID  string `json:"order_id"`
	ChargeID string `json:"charge_id"`
	Status   string `json:"status"`
}

// newInventory serves GET /stock?sku=... and /healthz.
func newInventory() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock", func(w http.ResponseWriter, r *http.Request) {
		sku := r.URL.Query().Get("sku")
		if sku == "" {
			writeError(w, http.StatusBadRequest, "missing sku")
			return
		}
		if !inventoryTime.work(r) {
			return
		}
		h := fnv.New32a()
		h.Write([]byte(sku))
		writeJSON(w, http.StatusOK, Stock{SKU: sku, Available: 20 + int(h.Sum32()%80)})
	})
	mux.HandleFunc("GET /healthz", healthz(Inventory))
	return mux
}

// newPayments serves POST /charge and /healthz. A charge is idempotent:
// the order id is its key, so an order the frontend charges again (a
// retry after a timeout, an order put back on the queue) is charged once
// and answered with the same charge.
func newPayments() http.Handler {
	l := newLedger(ledgerSize)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /charge", func(w http.ResponseWriter, r *http.Request) {
		var o Order
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&o); err != nil {
			writeError(w, http.StatusBadRequest, "bad order: "+err.Error())
			return
		}
		if o.ID == "" {
			writeError(w, http.StatusBadRequest, "missing order_id")
			return
		}
		if id, ok := l.lookup(o.ID); ok {
			writeJSON(w, http.StatusOK, Charge{OrderID: o.ID, ChargeID: id, Status: "charged"})
			return
		}
		if !paymentsTime.work(r) {
			return
		}
		writeJSON(w, http.StatusOK, Charge{OrderID: o.ID, ChargeID: l.charge(o.ID), Status: "charged"})
	})
	mux.HandleFunc("GET /healthz", healthz(Payments))
	return mux
}

// ledgerSize is how many recent charges payments remembers for
// idempotency: over 20 minutes of the demo's load, far longer than an
// order is retried.
const ledgerSize = 1 << 16

// ledger holds the charges of the most recent orders, by order id; the
// oldest are forgotten beyond its size. It is safe for concurrent use.
type ledger struct {
	mu      sync.Mutex
	charges map[string]string // order id -> charge id
	order   []string          // ring of order ids, oldest at next
	next    int
	n       uint64
}

func newLedger(size int) *ledger {
	return &ledger{charges: make(map[string]string), order: make([]string, size)}
}

func (l *ledger) lookup(orderID string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id, ok := l.charges[orderID]
	return id, ok
}

// charge returns the order's charge id, making a new charge unless the
// order was charged already (by a call that raced this one).
func (l *ledger) charge(orderID string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if id, ok := l.charges[orderID]; ok {
		return id
	}
	l.n++
	id := "ch-" + strconv.FormatUint(l.n, 10)
	if old := l.order[l.next]; old != "" {
		delete(l.charges, old)
	}
	l.order[l.next] = orderID
	l.next = (l.next + 1) % len(l.order)
	l.charges[orderID] = id
	return id
}

func healthz(role Role) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": string(role)})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
