package shop_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

func TestParseResilience(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want shop.Resilience
	}{
		{"none", shop.None},
		{"Basic", shop.Basic},
		{" hardened ", shop.Hardened},
	} {
		got, err := shop.ParseResilience(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseResilience(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	_, err := shop.ParseResilience("bulletproof")
	if err == nil {
		t.Fatal(`ParseResilience("bulletproof") succeeded`)
	}
	for _, v := range []string{"bulletproof", "none", "basic", "hardened"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error %q does not mention %q", err, v)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range []shop.Role{shop.Frontend, shop.Inventory, shop.Payments} {
		if got, err := shop.ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := shop.ParseRole("warehouse"); err == nil || !strings.Contains(err.Error(), "frontend") {
		t.Errorf(`ParseRole("warehouse") error = %v, want one that lists the roles`, err)
	}
}

func TestServicesAnswer(t *testing.T) {
	inv, pay := backends(t)
	front := start(t, shop.Config{Role: shop.Frontend, InventoryURL: inv, PaymentsURL: pay, Workers: 2})

	var stock shop.Stock
	getJSON(t, inv+"/stock?sku=blue-mug", http.StatusOK, &stock)
	if stock.SKU != "blue-mug" || stock.Available <= 0 {
		t.Errorf("GET /stock = %+v, want sku blue-mug with some available", stock)
	}
	getJSON(t, inv+"/stock", http.StatusBadRequest, nil)

	r, err := client.Post(pay+"/charge", "application/json", strings.NewReader(`{"order_id":"ord-1","sku":"blue-mug","quantity":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var charge shop.Charge
	err = json.NewDecoder(r.Body).Decode(&charge)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || err != nil || charge.OrderID != "ord-1" || charge.Status != "charged" {
		t.Errorf("POST /charge = %s %+v (%v), want 200 charged ord-1", r.Status, charge, err)
	}

	for _, base := range []string{inv, pay, front} {
		getJSON(t, base+"/healthz", http.StatusOK, nil)
	}

	status, resp, _ := mustCheckout(t, front)
	if status != http.StatusAccepted || resp.OrderID == "" || !resp.StockConfirmed {
		t.Fatalf("POST /checkout = %d %+v, want 202 with an order id and stock confirmed", status, resp)
	}
	eventually(t, 10*time.Second, "the order is charged", func() bool {
		return value(t, front, `shop_payments_total{outcome="charged"}`) == 1
	})
	if got := value(t, front, outcome("accepted")); got != 1 {
		t.Errorf("accepted checkouts = %v, want 1", got)
	}
}

// A charge is idempotent on its order id: charging an order again (a retry,
// an order put back on the queue) answers the first charge.
func TestPaymentsChargeOnce(t *testing.T) {
	_, pay := backends(t)
	charge := func(order string) shop.Charge {
		t.Helper()
		r, err := client.Post(pay+"/charge", "application/json", strings.NewReader(`{"order_id":"`+order+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var c shop.Charge
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("POST /charge %s: %s (%v)", order, r.Status, err)
		}
		return c
	}
	first, again, other := charge("ord-7"), charge("ord-7"), charge("ord-8")
	if again != first {
		t.Errorf("charging ord-7 again = %+v, want the first charge %+v", again, first)
	}
	if other.ChargeID == first.ChargeID {
		t.Errorf("ord-8 got ord-7's charge %s", first.ChargeID)
	}
}

func getJSON(t *testing.T, url string, wantStatus int, out any) {
	t.Helper()
	r, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != wantStatus {
		t.Fatalf("GET %s: %s, want %d", url, r.Status, wantStatus)
	}
	if out != nil {
		if err := json.NewDecoder(r.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
}

func TestMetricsExposeNames(t *testing.T) {
	inv, pay := backends(t)
	for _, res := range []shop.Resilience{shop.None, shop.Hardened} {
		front := start(t, shop.Config{Role: shop.Frontend, InventoryURL: inv, PaymentsURL: pay, Resilience: res})
		series := scrape(t, front)
		want := []string{
			`shop_queue_depth`,
			`shop_inflight_requests`,
			`shop_workers_busy`,
			`shop_resilience{level="` + string(res) + `"}`,
			`shop_request_duration_seconds_bucket{route="/checkout",le="0.25"}`,
			`shop_request_duration_seconds_count{route="/checkout"}`,
			`shop_payments_total{outcome="charged"}`,
			`shop_payments_total{outcome="requeued"}`,
			`shop_payments_total{outcome="failed"}`,
		}
		for _, o := range []string{"accepted", "failed", "shed", "fallback"} {
			want = append(want, outcome(o))
		}
		for _, dep := range []string{"inventory", "payments"} {
			want = append(want, `shop_breaker_open{dependency="`+dep+`"}`)
			for _, o := range []string{"ok", "error", "timeout", "rejected"} {
				want = append(want, `shop_dependency_calls_total{dependency="`+dep+`",outcome="`+o+`"}`)
			}
		}
		for _, s := range want {
			if _, ok := series[s]; !ok {
				t.Errorf("%s: /metrics has no series %s", res, s)
			}
		}
	}
}

func TestRunAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	for _, role := range []shop.Role{shop.Frontend, shop.Inventory, shop.Payments} {
		cfg := shop.Config{Role: role, Addr: addr, InventoryURL: "http://127.0.0.1:1", PaymentsURL: "http://127.0.0.1:1"}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := shop.Run(ctx, cfg, func(string) { t.Errorf("%s: ready called on a listen error", role) })
		cancel()
		if err == nil {
			t.Fatalf("%s: Run on an address in use returned nil", role)
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("%s: error %q does not wrap EADDRINUSE", role, err)
		}
		if msg := err.Error(); !strings.Contains(msg, string(role)) || !strings.Contains(msg, addr) {
			t.Errorf("%s: error %q does not name the role and the address %s", role, msg, addr)
		}
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  shop.Config
		want string
	}{
		{"unknown role", shop.Config{Role: "warehouse"}, "warehouse"},
		{"frontend without URLs", shop.Config{Role: shop.Frontend}, "InventoryURL"},
		{"bad resilience", shop.Config{Role: shop.Frontend, InventoryURL: "http://a", PaymentsURL: "http://b", Resilience: "extreme"}, "hardened"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Addr = "127.0.0.1:0"
			err := shop.Run(context.Background(), tc.cfg, func(string) { t.Error("ready called") })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	inv, pay := backends(t)
	for _, role := range []shop.Role{shop.Frontend, shop.Inventory, shop.Payments} {
		t.Run(string(role), func(t *testing.T) {
			cfg := shop.Config{Role: role, Addr: "127.0.0.1:0", InventoryURL: inv, PaymentsURL: pay}
			addr := runUntilCancelled(t, cfg, func(addr string) {
				getJSON(t, "http://"+addr+"/healthz", http.StatusOK, nil)
			})
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections after Run returned", addr)
			}
		})
	}
}

// A checkout stuck on a hanging inventory and a worker stuck on a hanging
// payments service do not keep Run from returning.
func TestRunStopsWithWorkInFlight(t *testing.T) {
	t.Parallel() // mostly waits for the grace period
	inv, pay := backends(t)
	invFault, payFault := newFault(t, inv), newFault(t, pay)
	payFault.hang(true)
	cfg := shop.Config{Role: shop.Frontend, Addr: "127.0.0.1:0", InventoryURL: invFault.URL, PaymentsURL: payFault.URL, Workers: 1}
	runUntilCancelled(t, cfg, func(addr string) {
		base := "http://" + addr
		if status, _, _ := mustCheckout(t, base); status != http.StatusAccepted {
			t.Fatalf("first checkout: %d, want 202", status)
		}
		eventually(t, 10*time.Second, "the worker is stuck on payments", func() bool {
			return payFault.requests.Load() == 1
		})
		invFault.hang(true)
		go checkout(base) // stuck on inventory until Run gives up on it
		eventually(t, 10*time.Second, "a checkout is stuck on inventory", func() bool {
			return invFault.requests.Load() == 2
		})
	})
}

// runUntilCancelled runs cfg, calls use with its address, cancels Run and
// checks that it returns nil within a generous bound. It returns the address.
func runUntilCancelled(t *testing.T, cfg shop.Config, use func(addr string)) string {
	t.Helper()
	addr, stop := run(t, cfg)
	use(addr)
	stop()
	return addr
}
