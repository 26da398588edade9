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
