package shop_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

// client is the tests' HTTP client; its timeout bounds every request.
var client = &http.Client{Timeout: 10 * time.Second}

// start runs cfg with shop.Run on 127.0.0.1:0 and returns its base URL.
// Cleanup cancels it and checks that Run returns nil, in time.
func start(t *testing.T, cfg shop.Config) string {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	addr, _ := run(t, cfg)
	return "http://" + addr
}

// run starts shop.Run(cfg) and returns the address it listens on, once it
// is ready, and stop, which cancels Run and checks that it returns nil
// within a generous bound. Cleanup calls stop if the test has not.
func run(t *testing.T, cfg shop.Config) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- shop.Run(ctx, cfg, func(addr string) { addrc <- addr }) }()
	select {
	case addr = <-addrc:
	case err := <-errc:
		cancel()
		t.Fatalf("Run(%s): %v", cfg.Role, err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("Run(%s) not ready within 10 s", cfg.Role)
	}
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("Run(%s) = %v, want nil after cancel", cfg.Role, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run(%s) did not return within 10 s of cancel", cfg.Role)
		}
	})
	t.Cleanup(stop)
	return addr, stop
}

// backends starts inventory and payments and returns their base URLs.
func backends(t *testing.T) (inventory, payments string) {
	t.Helper()
	return start(t, shop.Config{Role: shop.Inventory}), start(t, shop.Config{Role: shop.Payments})
}

// fault is a tiny fault-injecting reverse proxy: each request may be held
// (until released or the client gives up), delayed, or answered 503
// without being forwarded.
type fault struct {
	URL      string
	requests atomic.Int64 // requests seen

	mu        sync.Mutex
	gate      chan struct{} // non-nil: hold requests until it is closed
	delay     time.Duration
	errorRate float64
	rng       *rand.Rand
}

func newFault(t *testing.T, upstream string) *fault {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	f := &fault{rng: rand.New(rand.NewPCG(1, 2))}
	proxy := &httputil.ReverseProxy{
		Rewrite:  func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		gate, delay, fail := f.decide()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if fail {
			http.Error(w, "injected", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	f.URL = srv.URL
	t.Cleanup(srv.Close)
	t.Cleanup(func() { f.hang(false) }) // runs before srv.Close
	return f
}

func (f *fault) decide() (gate chan struct{}, delay time.Duration, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gate, f.delay, f.errorRate > 0 && f.rng.Float64() < f.errorRate
}

// hang starts or stops holding requests; stopping forwards those held.
func (f *fault) hang(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case on && f.gate == nil:
		f.gate = make(chan struct{})
	case !on && f.gate != nil:
		close(f.gate)
		f.gate = nil
	}
}

func (f *fault) setDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

func (f *fault) setErrorRate(p float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errorRate = p
}

// checkout posts a checkout; it is safe to call from any goroutine.
func checkout(base string) (status int, resp shop.CheckoutResponse, took time.Duration, err error) {
	begin := time.Now()
	r, err := client.Post(base+"/checkout", "application/json", strings.NewReader(`{"sku":"blue-mug"}`))
	if err != nil {
		return 0, resp, time.Since(begin), err
	}
	defer r.Body.Close()
	if r.StatusCode == http.StatusAccepted {
		err = json.NewDecoder(r.Body).Decode(&resp)
	}
	return r.StatusCode, resp, time.Since(begin), err
}

// mustAccept posts n checkouts and fails the test unless each is answered 202.
func mustAccept(t *testing.T, base string, n int) {
	t.Helper()
	for i := range n {
		if status, _, _ := mustCheckout(t, base); status != http.StatusAccepted {
			t.Fatalf("checkout %d: %d, want 202", i, status)
		}
	}
}

func mustCheckout(t *testing.T, base string) (int, shop.CheckoutResponse, time.Duration) {
	t.Helper()
	status, resp, took, err := checkout(base)
	if err != nil {
		t.Fatalf("POST /checkout: %v", err)
	}
	return status, resp, took
}

// scrape returns the series of base's /metrics, by name and labels as
// written, e.g. `shop_checkouts_total{outcome="shed"}`.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	r, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", r.Status)
	}
	series := make(map[string]float64)
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	return series
}

// value returns one series of base's /metrics.
func value(t *testing.T, base, series string) float64 {
	t.Helper()
	v, ok := scrape(t, base)[series]
	if !ok {
		t.Fatalf("/metrics has no series %s", series)
	}
	return v
}

// eventually polls cond every 50 ms for up to timeout and fails the test
// if it never holds.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func outcome(o string) string { return fmt.Sprintf("shop_checkouts_total{outcome=%q}", o) }
