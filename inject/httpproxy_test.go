package inject_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// upstream is an httptest server that echoes what it received and counts
// requests.
type upstream struct {
	*httptest.Server
	hits atomic.Int64
}

type echo struct {
	Method, Path, Query, Body, Header, Host string
}

func newUpstream(t testing.TB) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "yes")
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("status") == "418" {
			w.WriteHeader(http.StatusTeapot)
		}
		json.NewEncoder(w).Encode(echo{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Body: string(body), Header: r.Header.Get("X-Test"), Host: r.Host,
		})
	}))
	t.Cleanup(u.Close)
	return u
}

func newProxy(t testing.TB, up *upstream) *inject.HTTPProxy {
	t.Helper()
	p, err := inject.NewHTTPProxy("inventory", "127.0.0.1:0", up.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// newClient returns a client that never uses a proxy from the environment.
func newClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

type result struct {
	status int
	header http.Header
	body   string
	took   time.Duration
	err    error
}

// do sends one request; safe to call from any goroutine.
func do(ctx context.Context, c *http.Client, method, url, body string) result {
	start := time.Now()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("X-Test", "hello")
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), took: time.Since(start), err: err}
}

func get(t testing.TB, c *http.Client, url string) result {
	t.Helper()
	r := do(context.Background(), c, http.MethodGet, url, "")
	if r.err != nil {
		t.Fatalf("GET %s: %v", url, r.err)
	}
	return r
}

func TestProxyPassThrough(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	if p.Name() != "inventory" || p.URL() != "http://"+p.Addr() {
		t.Fatalf("Name %q URL %q Addr %q", p.Name(), p.URL(), p.Addr())
	}
	tests := []struct {
		method, path, body string
		status             int
	}{
		{http.MethodGet, "/items/42?color=red&size=L", "", http.StatusOK},
		{http.MethodPost, "/orders", `{"item":42}`, http.StatusOK},
		{http.MethodPut, "/items/7?status=418", "new", http.StatusTeapot},
		{http.MethodDelete, "/items/7", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			r := do(context.Background(), c, tt.method, p.URL()+tt.path, tt.body)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			if r.header.Get("X-Upstream") != "yes" || r.header.Get(inject.FaultHeader) != "" {
				t.Errorf("headers %v", r.header)
			}
			var e echo
			if err := json.Unmarshal([]byte(r.body), &e); err != nil {
				t.Fatalf("body %q: %v", r.body, err)
			}
			path, query, _ := strings.Cut(tt.path, "?")
			want := echo{Method: tt.method, Path: path, Query: query, Body: tt.body, Header: "hello",
				Host: strings.TrimPrefix(up.URL, "http://")}
			if e != want {
				t.Errorf("upstream saw %+v, want %+v", e, want)
			}
		})
	}
}

func TestProxyPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p, err := inject.NewHTTPProxy("payments", ln.Addr().String(), "http://127.0.0.1:9")
	if err == nil {
		p.Close()
		t.Fatal("no error for an address in use")
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v is not EADDRINUSE", err)
	}
	for _, s := range []string{"payments", ln.Addr().String()} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
}

func TestProxyBadUpstream(t *testing.T) {
	for _, u := range []string{"", "ftp://host:21", "http://"} {
		if p, err := inject.NewHTTPProxy("x", "", u); err == nil {
			p.Close()
			t.Errorf("upstream %q: no error", u)
		}
	}
}

func TestProxyUpstreamDown(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	up.Close()
	r := get(t, newClient(t), p.URL()+"/")
	if r.status != http.StatusBadGateway || r.header.Get(inject.FaultHeader) != "" {
		t.Errorf("status %d, headers %v; want 502 without the fault header", r.status, r.header)
	}
}

func TestProxyCloseReleasesHeld(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	startFault(t, p, inject.HTTPFault{Blackhole: true})
	c := newClient(t)
	done := make(chan result, 1)
	go func() { done <- do(context.Background(), c, http.MethodGet, p.URL()+"/held", "") }()
	waitHeld(t, p, 1)

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err == nil && r.status != http.StatusServiceUnavailable {
			t.Errorf("held request got %d %q", r.status, r.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the held request")
	}
	if n := up.hits.Load(); n != 0 {
		t.Errorf("upstream got %d requests, want 0", n)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Error("proxy still accepts connections after Close")
	}
}

// waitHeld waits until p holds n requests.
func waitHeld(t testing.TB, p *inject.HTTPProxy, n int) {
	t.Helper()
	waitCount(t, "requests held", p.Held, n)
}

// waitCount waits up to 5 s until count returns n.
func waitCount(t testing.TB, what string, count func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for count() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d, want %d", what, count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
