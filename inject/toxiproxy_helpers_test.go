package inject_test

import (
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

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

	// late, when set, makes the API do each request and then never
	// answer it (until the client gives up): a server that hangs.
	late atomic.Bool
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
		if ts.late.Load() {
			routes.ServeHTTP(httptest.NewRecorder(), r)
			<-r.Context().Done()
			return
		}
		routes.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		hs.Close()
		srv.Collection.Clear() // stops the proxies
	})
	ts.URL = hs.URL
	ts.client = toxiclient.NewClient(hs.URL)
	p, err := ts.client.CreateProxy("echo", "127.0.0.1:0", newTCPServer(t, tcpEcho).Addr())
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
	return slices.Sorted(maps.Keys(ts.toxics(t)))
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

// freeAddr returns a loopback address that nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
