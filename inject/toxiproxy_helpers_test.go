package inject_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// toxiServer is a Toxiproxy server run in this process: its API on
// 127.0.0.1, and a proxy "echo" in front of a loopback echo server.
type toxiServer struct {
	URL    string // the API
	Listen string // the echo proxy's address
	client *toxiclient.Client

	mu   sync.Mutex
	reqs []string // "METHOD PATH" of every API request
}

func newToxiServer(t testing.TB) *toxiServer {
	t.Helper()
	zerolog.SetGlobalLevel(zerolog.Disabled) // the toxics log through zerolog's global logger
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	ts := &toxiServer{}
	routes := srv.Routes()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.reqs = append(ts.reqs, r.Method+" "+r.URL.Path)
		ts.mu.Unlock()
		routes.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		hs.Close()
		srv.Collection.Clear() // stops the proxies
	})
	ts.URL = hs.URL
	ts.client = toxiclient.NewClient(hs.URL)
	p, err := ts.client.CreateProxy("echo", "127.0.0.1:0", toxiEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	ts.Listen = p.Listen
	return ts
}

// requests returns the API requests made since the last call.
func (ts *toxiServer) requests() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	r := ts.reqs
	ts.reqs = nil
	return r
}

// toxics returns the echo proxy's toxics by name.
func (ts *toxiServer) toxics(t testing.TB) map[string]toxiclient.Toxic {
	t.Helper()
	p := ts.client.NewProxy()
	p.Name = "echo"
	list, err := p.Toxics()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]toxiclient.Toxic{}
	for _, x := range list {
		m[x.Name] = x
	}
	return m
}

// toxicNames returns the names of the echo proxy's toxics, sorted.
func (ts *toxiServer) toxicNames(t testing.TB) []string {
	t.Helper()
	var names []string
	for n := range ts.toxics(t) {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// addToxic puts a toxic on the echo proxy as someone else would.
func (ts *toxiServer) addToxic(t testing.TB, name, typ, stream string, attrs toxiclient.Attributes) {
	t.Helper()
	p := ts.client.NewProxy()
	p.Name = "echo"
	if _, err := p.AddToxic(name, typ, stream, 1, attrs); err != nil {
		t.Fatal(err)
	}
}

// toxiEcho serves TCP echo on 127.0.0.1 until the test ends.
func toxiEcho(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// toxiDial dials addr; the connection is closed when the test ends.
func toxiDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// toxiRoundTrip returns the median time of n echoed messages on c.
func toxiRoundTrip(t testing.TB, c net.Conn, n int) time.Duration {
	t.Helper()
	msg := []byte("ping gameday\n")
	buf := make([]byte, len(msg))
	var took []time.Duration
	for range n {
		start := time.Now()
		c.SetDeadline(start.Add(20 * time.Second))
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return took[n/2]
}

// toxiFreeAddr returns a loopback address that nothing listens on.
func toxiFreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
