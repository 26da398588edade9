package shop_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

// frontend starts a frontend whose dependencies are reached through
// fault proxies, and returns its base URL and the proxies.
func frontend(t *testing.T, res shop.Resilience, workers int) (base string, inv, pay *fault) {
	t.Helper()
	invURL, payURL := backends(t)
	inv, pay = newFault(t, invURL), newFault(t, payURL)
	base = start(t, shop.Config{
		Role: shop.Frontend, InventoryURL: inv.URL, PaymentsURL: pay.URL,
		Resilience: res, Workers: workers,
	})
	return base, inv, pay
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
	// Every worker holds one order; the rest wait, without bound.
	eventually(t, 10*time.Second, "queue depth reaches n - workers", func() bool {
		return value(t, base, "shop_queue_depth") == n-workers
	})
	if got := value(t, base, "shop_workers_busy"); got != workers {
		t.Errorf("busy workers = %v, want %d", got, workers)
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

// With payments hanging, a hardened frontend keeps at most 50 orders
// waiting and sheds the rest quickly with 503.
func TestHardenedPaymentsHangingSheds(t *testing.T) {
	const workers, n = 2, 80
	base, _, pay := frontend(t, shop.Hardened, workers)
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
			if d := value(t, base, "shop_queue_depth"); d > 50 {
				t.Fatalf("queue depth %v after %d checkouts, want <= 50", d, i+1)
			}
		}
	}
	t.Logf("%d accepted, %d shed", accepted, shed)
	if shed < n-50-workers-2 {
		t.Errorf("%d of %d checkouts shed, want at least %d", shed, n, n-50-workers-2)
	}
	m := scrape(t, base)
	if got := m[outcome("shed")]; int(got) != shed {
		t.Errorf("shed checkouts metric = %v, want %d", got, shed)
	}
	if d := m["shop_queue_depth"]; d > 50 {
		t.Errorf("queue depth %v, want <= 50", d)
	}
}

// Once payments hangs long enough, its breaker opens and the workers put
// orders back instead of dropping them; when payments comes back, the
// queue drains.
func TestHardenedPaymentsRecover(t *testing.T) {
	t.Parallel() // mostly waits
	if testing.Short() {
		t.Skip("waits for the payments breaker's cool-down (several seconds)")
	}
	const workers, n = 2, 20
	base, _, pay := frontend(t, shop.Hardened, workers)
	pay.hang(true)
	mustAccept(t, base, n)
	eventually(t, 20*time.Second, "the payments breaker opens", func() bool {
		return value(t, base, `shop_breaker_open{dependency="payments"}`) == 1
	})
	pay.hang(false)
	eventually(t, 30*time.Second, "every order is charged or dropped", func() bool {
		m := scrape(t, base)
		return m[`shop_payments_total{outcome="charged"}`]+m[`shop_payments_total{outcome="failed"}`] == n
	})
	m := scrape(t, base)
	// Only an order whose last try failed before the breaker opened may
	// have been dropped.
	if failed := m[`shop_payments_total{outcome="failed"}`]; failed > workers {
		t.Errorf("%v orders dropped, want at most %d", failed, workers)
	}
	if d := m["shop_queue_depth"]; d != 0 {
		t.Errorf("queue depth %v after recovery, want 0", d)
	}
	if got := m[`shop_breaker_open{dependency="payments"}`]; got != 0 {
		t.Errorf("payments breaker open = %v after recovery, want 0", got)
	}
}
