package inject_test

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// TestTCPProxyOnError: errors are reported at most once a second per
// kind, with a count that adds up, and a hook that blocks never holds up
// the proxy.
func TestTCPProxyOnError(t *testing.T) {
	p := newTCPProxy(t, freeAddr(t)) // nothing listens there: every dial is refused
	var (
		mu      sync.Mutex
		reports []*inject.ProxyError
		release = make(chan struct{})
		once    sync.Once
	)
	p.OnError(func(err error) {
		var pe *inject.ProxyError
		if !errors.As(err, &pe) {
			t.Errorf("OnError got %T %v, want a *inject.ProxyError", err, err)
			return
		}
		mu.Lock()
		reports = append(reports, pe)
		mu.Unlock()
		once.Do(func() { <-release }) // the first call blocks for a while
	})
	start := time.Now()
	const n = 40
	for i := range n {
		c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
		if err != nil { // reset before connect returned
			continue
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("connection %d: %v, want a reset although the hook is blocked", i, err)
		}
		c.Close()
	}
	close(release)
	total := func() (count, calls int) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range reports {
			count += r.Count()
		}
		return count, len(reports)
	}
	waitCount(t, "errors reported", func() int { c, _ := total(); return c }, n)
	elapsed := time.Since(start)
	_, calls := total()
	mu.Lock()
	defer mu.Unlock()
	for _, r := range reports {
		if r.Op != "dial" || r.Proxy != p.Name() || !errors.Is(r, syscall.ECONNREFUSED) {
			t.Errorf("report %q: Op %q Proxy %q; want dial errors, connection refused", r, r.Op, r.Proxy)
		}
	}
	if limit := 2 + int(elapsed/time.Second); calls > limit {
		t.Errorf("%d reports in %v, want at most one a second (%d)", calls, elapsed, limit)
	}
	t.Logf("%d errors in %d reports over %v: %q", n, calls, elapsed.Round(time.Millisecond), reports)
}

// TestHTTPProxyOnError: a request the upstream does not answer is
// reported.
func TestHTTPProxyOnError(t *testing.T) {
	p, err := inject.NewHTTPProxy("http-errors", "", freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	got := make(chan *inject.ProxyError, 10)
	p.OnError(func(err error) {
		var pe *inject.ProxyError
		if errors.As(err, &pe) {
			got <- pe
		}
	})
	for range 3 {
		resp, err := http.Get(p.URL() + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d, want 502", resp.StatusCode)
		}
	}
	count := 0
	for count < 3 {
		select {
		case pe := <-got:
			if pe.Op != "upstream" || !errors.Is(pe, syscall.ECONNREFUSED) {
				t.Errorf("report %q: want an upstream error, connection refused", pe)
			}
			count += pe.Count()
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of 3 errors reported", count)
		}
	}
}
