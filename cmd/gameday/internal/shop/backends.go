package shop

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
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

// newPayments serves POST /charge and /healthz.
func newPayments() http.Handler {
	var charges atomic.Uint64
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
		if !paymentsTime.work(r) {
			return
		}
		id := "ch-" + strconv.FormatUint(charges.Add(1), 10)
		writeJSON(w, http.StatusOK, Charge{OrderID: o.ID, ChargeID: id, Status: "charged"})
	})
	mux.HandleFunc("GET /healthz", healthz(Payments))
	return mux
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
