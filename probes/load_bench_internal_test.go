package probes

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkLoadHit measures what one hit costs the load: its request made,
// sent and answered by a local server, and its outcome recorded, from
// parallel goroutines as the hits of a busy load run. The server shares
// the CPU, so read allocs/op and the ratio between runs.
func BenchmarkLoadHit(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		cfg  LoadConfig
	}{
		{"get", LoadConfig{URL: srv.URL + "/orders?page=1"}},
		{"post+header", LoadConfig{URL: srv.URL + "/orders", Method: http.MethodPost,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"sku":"gd-1","qty":2}`)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l, err := NewLoad(tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer l.client.CloseIdleConnections()
			l.stats.begin(time.Now())
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.hit(context.Background(), time.Now())
				}
			})
			b.StopTimer()
			if s := l.Collect(time.Now()); s.Errors != 0 {
				b.Fatalf("%d errors", s.Errors)
			}
		})
	}
}

// BenchmarkLoadFire measures the sender's side of a hit: fire starts it,
// as Run does, and the benchmark waits for every hit at the end.
func BenchmarkLoadFire(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	l, err := NewLoad(LoadConfig{URL: srv.URL, MaxInFlight: 64})
	if err != nil {
		b.Fatal(err)
	}
	defer l.client.CloseIdleConnections()
	l.stats.begin(time.Now())
	w := &workers{hits: make(chan time.Time)}
	b.ReportAllocs()
	for b.Loop() {
		for l.inFlight.Load() >= 64 {
			time.Sleep(10 * time.Microsecond)
		}
		now := time.Now()
		l.fire(context.Background(), w, now, now)
	}
	close(w.hits)
	w.wg.Wait()
}
