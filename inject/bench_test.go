package inject_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gameday-dev/gameday/inject"
)

// BenchmarkHTTPProxy compares requests straight to an upstream with the
// same requests through an HTTPProxy with no fault on, and with a fault on
// that matches none of them, in a closed loop of parallel clients
// (GOMAXPROCS×8 goroutines). Client, proxy and upstream share the CPUs, so
// ns/op measures the whole machine's cost per request:
//
//	go test -run xxx -bench HTTPProxy -benchtime 3s ./inject/
func BenchmarkHTTPProxy(b *testing.B) {
	body := []byte("ok\n")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	defer up.Close()
	p, err := inject.NewHTTPProxy("bench", "127.0.0.1:0", up.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()

	run := func(b *testing.B, url string) {
		tr := &http.Transport{Proxy: nil, MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		b.ReportAllocs()
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := c.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, up.URL+"/item") })
	b.Run("proxy", func(b *testing.B) { run(b, p.URL()+"/item") })
	b.Run("proxy-unmatched-fault", func(b *testing.B) {
		f := inject.NewHTTPFault(p, inject.HTTPFault{PathPrefix: "/elsewhere", ErrorStatus: 503, ErrorProbability: 1})
		if err := f.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		defer f.Stop(context.Background())
		run(b, p.URL()+"/item")
	})
}

// BenchmarkTCPProxy compares request-response exchanges (64 bytes each
// way) on connections straight to a TCP echo server with the same
// exchanges through a TCPProxy with no fault on (the fast path: io.Copy,
// which splices), and with a latency fault of 0 on both directions (the
// slow path with nothing to wait for: what the fault machinery costs).
// One connection per parallel client (GOMAXPROCS×8 goroutines); client,
// proxy and server share the CPUs, so ns/op is the whole machine's cost
// per exchange:
//
//	go test -run xxx -bench TCPProxy -benchtime 3s ./inject/
func BenchmarkTCPProxy(b *testing.B) {
	srv := newTCPServer(b, tcpEcho)
	p := newTCPProxy(b, srv.Addr())
	b.Run("tcp-direct", func(b *testing.B) { benchTCPEcho(b, srv.Addr()) })
	b.Run("tcp-proxy", func(b *testing.B) { benchTCPEcho(b, p.Addr()) })
	b.Run("tcp-proxy-latency-0", func(b *testing.B) {
		f := inject.NewTCPFault(p, inject.TCPFault{Kind: inject.TCPLatency, Direction: inject.Both})
		if err := f.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		defer f.Stop(context.Background())
		benchTCPEcho(b, p.Addr())
	})
}
