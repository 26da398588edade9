package shop_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

// frontend starts a frontend whose dependencies are reached through
// fault proxies, and returns its base URL and the proxies.
func frontend(t *testing.T, res shop.Resilience, workers int) (base string, inv, pay *fault) {
	t.Helper()
	return frontendWith(t, shop.Config{Resilience: res, Workers: workers})
}

// frontendWith is frontend with more of the Config; the URLs, the role
// and the address are filled in.
func frontendWith(t *testing.T, cfg shop.Config) (base string, inv, pay *fault) {
	t.Helper()
	invURL, payURL := backends(t)
	inv, pay = newFault(t, invURL), newFault(t, payURL)
	cfg.Role, cfg.InventoryURL, cfg.PaymentsURL = shop.Frontend, inv.URL, pay.URL
	return start(t, cfg), inv, pay
}

func TestNoneInventoryErrorsFailCheckouts(t *testing.T) {
	base, inv, _ := frontend(t, shop.None, 2)
	inv.setErrorRate(1)
	const n = 5
	for range n {
		if status, _, _ := mustCheckout(t, base); status < 500 {
			t.Errorf("checkout with inventory answering 503: %d, want 5xx", status)
		}
	}
	if got := inv.requests.Load(); got != n {
		t.Errorf("inventory saw %d requests for %d checkouts, want no retries", got, n)
	}
	m := scrape(t, base)
	if got := m[outcome("failed")]; got != n {
		t.Errorf("failed checkouts = %v, want %d", got, n)
	}
	if got := m[`shop_dependency_calls_total{dependency="inventory",outcome="error"}`]; got != n {
		t.Errorf("inventory errors = %v, want %d", got, n)
	}
}

func TestNonePaymentsHangingGrowsQueue(t *testing.T) {
	const workers, n = 2, 30
	base, _, pay := frontend(t, shop.None, workers)
	pay.hang(true)
	mustAccept(t, base, n)
	// Every worker holds one order, with no deadline; the rest wait.
	eventually(t, 10*time.Second, "queue depth reaches n - workers", func() bool {
		return value(t, base, "shop_queue_depth") == n-workers
	})
	if got := value(t, base, "shop_workers_busy"); got != workers {
		t.Errorf("busy workers = %v, want %d", got, workers)
	}
}

// Without resilience a full queue makes a checkout wait for room with no
// deadline of its own: as long as its client waits. The order of a client
// that gave up is not taken; a checkout still waiting when room appears is.
func TestNoneFullQueueMakesCheckoutsWait(t *testing.T) {
	const workers, capacity = 1, 5
	base, _, pay := frontendWith(t, shop.Config{Resilience: shop.None, Workers: workers, Queue: capacity})
	pay.hang(true)
	mustAccept(t, base, workers+capacity)
	eventually(t, 10*time.Second, "the queue is full", func() bool {
		return value(t, base, "shop_queue_depth") == capacity
	})

	impatient := &http.Client{Timeout: 300 * time.Millisecond}
	if r, err := impatient.Post(base+"/checkout", "application/json", strings.NewReader(`{}`)); err == nil {
		r.Body.Close()
		t.Fatalf("a checkout on a full queue answered %s within 300 ms; want it to wait for room", r.Status)
	}
	eventually(t, 10*time.Second, "the abandoned checkout counts as failed", func() bool {
		return value(t, base, outcome("failed")) == 1
	})

	answered := make(chan int, 1)
	go func() {
		status, _, _, _ := checkout(base)
		answered <- status
	}()
	select {
	case status := <-answered:
		t.Fatalf("a checkout on a full queue answered %d; want it to wait", status)
	case <-time.After(300 * time.Millisecond):
	}
	pay.hang(false)
	select {
	case status := <-answered:
		if status != http.StatusAccepted {
			t.Errorf("the waiting checkout answered %d once payments came back, want 202", status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting checkout was not taken once payments came back")
	}
	eventually(t, 10*time.Second, "every taken order is charged", func() bool {
		return value(t, base, `shop_payments_total{outcome="charged"}`) == workers+capacity+1
	})
}

// With basic resilience a full queue sheds a checkout with 503 after a
// short wait for room (50 ms), instead of holding it.
func TestBasicFullQueueShedsQuickly(t *testing.T) {
	const workers, capacity, n = 1, 5, 5
	base, _, pay := frontendWith(t, shop.Config{Resilience: shop.Basic, Workers: workers, Queue: capacity})
	pay.hang(true)
	mustAccept(t, base, workers+capacity)
	eventually(t, 10*time.Second, "the queue is full", func() bool {
		return value(t, base, "shop_queue_depth") == capacity
	})
	for range n {
		status, _, took := mustCheckout(t, base)
		if status != http.StatusServiceUnavailable {
			t.Fatalf("checkout on a full queue: %d, want 503", status)
		}
		// A timer never fires early; the upper bound is for a loaded machine.
		if took < 50*time.Millisecond || took > time.Second {
			t.Errorf("shedding took %v, want the 50 ms wait for room", took)
		}
	}
	if got := value(t, base, outcome("shed")); got != n {
		t.Errorf("shed checkouts = %v, want %d", got, n)
	}
}

// A payments outage that outlasts the small queue: basic sheds what its
// 250 orders cannot hold, hardened's queue, sized for a minute of
// outage, takes every checkout. No order is dropped at either level.
func TestPaymentsOutageByResilience(t *testing.T) {
	t.Parallel() // counts only
	const workers, n = 2, 300
	for _, tc := range []struct {
		res      shop.Resilience
		accepted int
	}{
		{shop.Basic, 250 + workers}, // each worker holds one order
		{shop.Hardened, n},
	} {
		t.Run(string(tc.res), func(t *testing.T) {
			base, _, pay := frontend(t, tc.res, workers)
			pay.hang(true)
			accepted, shed := 0, 0
			for _, s := range pacedCheckouts(t, base, n, 4, 0) {
				switch s {
				case http.StatusAccepted:
					accepted++
				case http.StatusServiceUnavailable:
					shed++
				default:
					t.Fatalf("checkout: %d, want 202 or 503", s)
				}
			}
			t.Logf("%s: %d accepted, %d shed", tc.res, accepted, shed)
			if accepted != tc.accepted || shed != n-tc.accepted {
				t.Errorf("%d accepted, %d shed; want %d accepted", accepted, shed, tc.accepted)
			}
			pay.hang(false)
			eventually(t, 30*time.Second, "every accepted order is charged", func() bool {
				return value(t, base, `shop_payments_total{outcome="charged"}`) == float64(accepted)
			})
			if got := value(t, base, `shop_payments_total{outcome="failed"}`); got != 0 {
				t.Errorf("%v orders dropped, want none", got)
			}
		})
	}
}

// With basic resilience a payment that times out three times is tried
// again later: the order goes back on the queue instead of being dropped,
// and is charged once payments answers.
func TestBasicPaymentTimeoutsRequeue(t *testing.T) {
	t.Parallel() // mostly waits
	if testing.Short() {
		t.Skip("waits for three 2 s payment timeouts")
	}
	const workers, n = 2, 6
	base, _, pay := frontend(t, shop.Basic, workers)
	pay.hang(true)
	mustAccept(t, base, n)
	eventually(t, 30*time.Second, "a payment goes back on the queue", func() bool {
		return value(t, base, `shop_payments_total{outcome="requeued"}`) >= 1
	})
	pay.hang(false)
	eventually(t, 30*time.Second, "every order is charged", func() bool {
		return value(t, base, `shop_payments_total{outcome="charged"}`) == n
	})
	m := scrape(t, base)
	if got := m[`shop_payments_total{outcome="failed"}`]; got != 0 {
		t.Errorf("%v orders dropped, want none", got)
	}
	if d := m["shop_queue_depth"]; d != 0 {
		t.Errorf("queue depth %v after recovery, want 0", d)
	}
}

// With half of inventory's answers 503, retries cut the failed checkouts
// and the fallback removes them. Counts, not timings; the bounds are
// several standard deviations away from the expected 50 %, 12.5 % and 0 %.
func TestInventoryErrorRateByResilience(t *testing.T) {
	t.Parallel() // counts only
	const n = 150
	for _, tc := range []struct {
		res              shop.Resilience
		minFail, maxFail int
		tries            func(got int) bool // inventory requests seen for n checkouts
	}{
		{shop.None, 45, n, func(got int) bool { return got == n }},
		{shop.Basic, 0, 44, func(got int) bool { return got > n }},
		// The inventory breaker may be open for much of the run: no bound.
		{shop.Hardened, 0, 0, func(int) bool { return true }},
	} {
		t.Run(string(tc.res), func(t *testing.T) {
			base, inv, _ := frontend(t, tc.res, shop.DefaultWorkers)
			inv.setErrorRate(0.5)
			// About 200 checkouts a second, well within what the payment
			// workers drain, so that the hardened queue never fills.
			failed, statuses := 0, pacedCheckouts(t, base, n, 3, 15*time.Millisecond)
			for _, s := range statuses {
				switch {
				case s == http.StatusAccepted:
				case s >= 500:
					failed++
				default:
					t.Errorf("checkout: %d, want 202 or 5xx", s)
				}
			}
			tries := int(inv.requests.Load())
			t.Logf("%s: %d of %d checkouts failed; inventory saw %d requests", tc.res, failed, n, tries)
			if failed < tc.minFail || failed > tc.maxFail {
				t.Errorf("%d of %d checkouts failed, want %d..%d", failed, n, tc.minFail, tc.maxFail)
			}
			if !tc.tries(tries) {
				t.Errorf("inventory saw %d requests for %d checkouts", tries, n)
			}
			if got := value(t, base, outcome("failed")); int(got) != failed {
				t.Errorf("failed checkouts metric = %v, want %d", got, failed)
			}
		})
	}
}

// pacedCheckouts posts n checkouts from c goroutines, each pausing between
// its checkouts, and returns their statuses.
func pacedCheckouts(t *testing.T, base string, n, c int, pause time.Duration) []int {
	t.Helper()
	jobs := make(chan int)
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for i := range jobs {
				statuses[i], _, _, errs[i] = checkout(base)
				time.Sleep(pause)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("POST /checkout: %v", err)
		}
	}
	return statuses
}

// A slow or hanging inventory costs a hardened checkout at most its
// deadline budget (~200 ms), then the breaker answers at once; every
// order is taken on the fallback.
func TestHardenedSlowInventoryFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
		hang  bool
		n     int
	}{
		{"slow 300ms", 300 * time.Millisecond, false, 20},
		{"hanging", 0, true, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, inv, _ := frontend(t, shop.Hardened, 4)
			inv.setDelay(tc.delay)
			inv.hang(tc.hang)
			var took []time.Duration
			for range tc.n {
				status, resp, d := mustCheckout(t, base)
				if status != http.StatusAccepted || resp.StockConfirmed {
					t.Fatalf("checkout: %d %+v, want 202 with the stock unconfirmed", status, resp)
				}
				took = append(took, d)
			}
			slices.Sort(took)
			median, longest := took[len(took)/2], took[len(took)-1]
			t.Logf("checkout durations: median %v, max %v", median, longest)
			// Generous bounds for a loaded machine; without the budget and
			// the breaker every checkout would take 300 ms or forever.
			if median >= 150*time.Millisecond {
				t.Errorf("median checkout took %v, want well under the inventory's 300 ms", median)
			}
			if longest >= time.Second {
				t.Errorf("slowest checkout took %v, want about the 200 ms budget", longest)
			}
			m := scrape(t, base)
			if got := m[outcome("fallback")]; int(got) != tc.n {
				t.Errorf("fallback checkouts = %v, want %d", got, tc.n)
			}
			if got := m[`shop_breaker_open{dependency="inventory"}`]; got != 1 {
				t.Errorf("inventory breaker open = %v, want 1", got)
			}
			if got := m[`shop_dependency_calls_total{dependency="inventory",outcome="rejected"}`]; got == 0 {
				t.Error("the inventory breaker rejected no call")
			}
		})
	}
}

// With payments hanging, a hardened frontend whose queue is full sheds
// the checkouts it cannot queue quickly with 503. (A queue of 50 here; the
// default holds a minute of the demo's load.)
func TestHardenedPaymentsHangingSheds(t *testing.T) {
	const workers, capacity, n = 2, 50, 80
	base, _, pay := frontendWith(t, shop.Config{Resilience: shop.Hardened, Workers: workers, Queue: capacity})
	pay.hang(true)
	accepted, shed := 0, 0
	for i := range n {
		status, _, took := mustCheckout(t, base)
		switch status {
		case http.StatusAccepted:
			accepted++
		case http.StatusServiceUnavailable:
			shed++
			if took > time.Second {
				t.Errorf("shedding took %v, want a quick 503", took)
			}
		default:
			t.Fatalf("checkout %d: %d, want 202 or 503", i, status)
		}
		if i%10 == 9 {
			if d := value(t, base, "shop_queue_depth"); d > capacity {
				t.Fatalf("queue depth %v after %d checkouts, want <= %d", d, i+1, capacity)
			}
		}
	}
	t.Logf("%d accepted, %d shed", accepted, shed)
	if shed < n-capacity-workers-2 {
		t.Errorf("%d of %d checkouts shed, want at least %d", shed, n, n-capacity-workers-2)
	}
	m := scrape(t, base)
	if got := m[outcome("shed")]; int(got) != shed {
		t.Errorf("shed checkouts metric = %v, want %d", got, shed)
	}
	if d := m["shop_queue_depth"]; d > capacity {
		t.Errorf("queue depth %v, want <= %d", d, capacity)
	}
}

// Once payments hangs long enough, its breaker opens: the workers wait
// instead of calling, and the orders whose payment failed go back on the
// queue instead of being dropped. When payments comes back, the queue
// drains and every order is charged.
func TestHardenedPaymentsRecover(t *testing.T) {
	t.Parallel() // mostly waits
	if testing.Short() {
		t.Skip("waits for the payments breaker's cool-down (seconds)")
	}
	const workers, n = 2, 20
	base, _, pay := frontend(t, shop.Hardened, workers)
	pay.hang(true)
	mustAccept(t, base, n)
	eventually(t, 20*time.Second, "the payments breaker opens", func() bool {
		return value(t, base, `shop_breaker_open{dependency="payments"}`) == 1
	})
	pay.hang(false)
	eventually(t, 30*time.Second, "every order is charged", func() bool {
		return value(t, base, `shop_payments_total{outcome="charged"}`) == n
	})
	m := scrape(t, base)
	if failed := m[`shop_payments_total{outcome="failed"}`]; failed != 0 {
		t.Errorf("%v orders dropped, want none", failed)
	}
	if got := m[`shop_payments_total{outcome="requeued"}`]; got == 0 {
		t.Error("no order went back on the queue while payments hung")
	}
	if d := m["shop_queue_depth"]; d != 0 {
		t.Errorf("queue depth %v after recovery, want 0", d)
	}
	if got := m[`shop_breaker_open{dependency="payments"}`]; got != 0 {
		t.Errorf("payments breaker open = %v after recovery, want 0", got)
	}
}
