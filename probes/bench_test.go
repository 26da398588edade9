package probes_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gameday-dev/gameday/probes"
)

// BenchmarkLoadCollect measures Collect over a window filled by a short run
// whose latencies spread over a few milliseconds. now stays fixed, so the
// window keeps its data: every call merges the window's histograms.
func BenchmarkLoadCollect(b *testing.B) {
	srv, _ := countingServer(b, func(http.ResponseWriter, *http.Request) {
		time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
	})
	l, err := probes.NewLoad(probes.LoadConfig{URL: srv.URL, Rate: 2000})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if s := l.Collect(now); s.Count == 0 {
		b.Fatal("the run recorded nothing")
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Collect(now)
	}
}

// BenchmarkLoadWindow reads windows of several lengths from a load whose
// ring is full: 2,000 requests a second with latencies spread over 1 to
// 50 ms (a few hundred distinct histogram buckets per slot), recorded at
// chosen times. now stays fixed, so every call merges the slots it needs.
func BenchmarkLoadWindow(b *testing.B) {
	for _, window := range []time.Duration{5 * time.Second, time.Minute} {
		l, err := probes.NewLoad(probes.LoadConfig{URL: "http://127.0.0.1:1/", Rate: 1, Window: window})
		if err != nil {
			b.Fatal(err)
		}
		l.BeginForTest(t0)
		rng := rand.New(rand.NewPCG(1, 2))
		for at := time.Duration(0); at < window; at += 500 * time.Microsecond {
			lat := time.Millisecond + time.Duration(rng.IntN(49_000))*time.Microsecond
			l.RecordForTest(t0.Add(at), lat, rng.IntN(100) == 0)
		}
		now := t0.Add(window)
		for _, d := range []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, time.Minute} {
			if d > window {
				continue
			}
			b.Run(fmt.Sprintf("load=%v/window=%v", window, d), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if w := l.Window(now, d, 50, 95, 99); w.Count == 0 {
						b.Fatal("an empty window")
					}
				}
			})
		}
	}
}

// BenchmarkNewLoad reports, as B/op, what one Load costs in memory: mostly
// its ring of histograms, 20 of them for a 5 s Window, 240 for 60 s.
func BenchmarkNewLoad(b *testing.B) {
	for _, window := range []time.Duration{5 * time.Second, time.Minute} {
		b.Run(fmt.Sprint("window=", window), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := probes.NewLoad(probes.LoadConfig{URL: "http://127.0.0.1:1/", Rate: 1, Window: window}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScrape reads one series out of an exposition of 200 series in
// each format.
func BenchmarkScrape(b *testing.B) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "series", Help: "Many."}, []string{"i"})
	reg.MustRegister(g)
	for i := range 200 {
		g.WithLabelValues(fmt.Sprint(i)).Set(float64(i))
	}
	srv := newMetricsServer(b, reg)
	for _, f := range formats {
		b.Run(f.name, func(b *testing.B) {
			s, err := probes.NewScrape("p", srv.URL, "series", map[string]string{"i": "7"}, f.opts...)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if v, err := s.Sample(context.Background()); err != nil || v != 7 {
					b.Fatalf("Sample = %v, %v", v, err)
				}
			}
		})
	}
}

// BenchmarkStore appends a point to each of 20 series and reads a
// 60-point window of one, as a session does each interval.
func BenchmarkStore(b *testing.B) {
	s := probes.NewStore(3600)
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprint("series-", i)
	}
	at := t0
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(250 * time.Millisecond)
		for _, n := range names {
			s.Append(n, probes.Point{T: at, V: 1})
		}
		s.Window(names[0], at.Add(-15*time.Second))
	}
}
