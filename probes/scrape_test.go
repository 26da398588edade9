package probes_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gameday-dev/gameday/probes"
)

// metricsServer serves the registry that reg points to (so a test can swap
// it, as a restarted process would) through promhttp, and remembers the
// Content-Type of its last answer.
type metricsServer struct {
	*httptest.Server
	reg         atomic.Pointer[prometheus.Registry]
	contentType atomic.Value // string
}

func newMetricsServer(t testing.TB, reg *prometheus.Registry) *metricsServer {
	t.Helper()
	m := &metricsServer{}
	m.reg.Store(reg)
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := promhttp.HandlerFor(m.reg.Load(), promhttp.HandlerOpts{EnableOpenMetrics: true})
		h.ServeHTTP(w, r)
		m.contentType.Store(w.Header().Get("Content-Type"))
	}))
	t.Cleanup(m.Close)
	return m
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// formats are the two exposition formats a Scrape negotiates.
var formats = []struct {
	name        string
	opts        []probes.ScrapeOption
	contentType string
}{
	{"text", nil, "text/plain"},
	{"openmetrics", []probes.ScrapeOption{probes.WithOpenMetrics()}, "application/openmetrics-text"},
}

func gaugeRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	depth := prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", Help: "Orders waiting."})
	depth.Set(7)
	inflight := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "inflight", Help: "Calls in flight."},
		[]string{"service", "method"})
	inflight.WithLabelValues("inventory", "GET").Set(2)
	inflight.WithLabelValues("inventory", "POST").Set(3)
	inflight.WithLabelValues("payments", "GET").Set(5)
	temp := prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: "temperature", Help: "Room."},
		func() float64 { return 21.5 })
	hist := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "duration_seconds", Help: "Latency."})
	hist.Observe(0.2)
	reg.MustRegister(depth, inflight, temp, hist)
	return reg
}

func TestScrapeValues(t *testing.T) {
	srv := newMetricsServer(t, gaugeRegistry())
	tests := []struct {
		name    string
		metric  string
		labels  map[string]string
		want    float64
		wantErr []string // substrings of the error
	}{
		{name: "gauge", metric: "queue_depth", want: 7},
		{name: "one labelled series", metric: "inflight", labels: map[string]string{"service": "inventory", "method": "POST"}, want: 3},
		{name: "sum of matching series", metric: "inflight", labels: map[string]string{"service": "inventory"}, want: 5},
		{name: "sum of all series", metric: "inflight", want: 10},
		{name: "absent label matches empty", metric: "inflight", labels: map[string]string{"service": "payments", "zone": ""}, want: 5},
		{name: "untyped", metric: "temperature", want: 21.5},
		{name: "missing metric", metric: "queue_length", wantErr: []string{`"queue_length"`, "not found"}},
		{name: "no matching series", metric: "inflight", labels: map[string]string{"service": "search"},
			wantErr: []string{`"inflight"`, `service="search"`}},
		{name: "histogram", metric: "duration_seconds", wantErr: []string{"histogram", "gauge, counter and untyped"}},
	}
	for _, f := range formats {
		for _, tt := range tests {
			t.Run(f.name+"/"+tt.name, func(t *testing.T) {
				s, err := probes.NewScrape("p", srv.URL+"/metrics", tt.metric, tt.labels, f.opts...)
				if err != nil {
					t.Fatalf("NewScrape: %v", err)
				}
				got, err := s.Sample(context.Background())
				if ct, _ := srv.contentType.Load().(string); !strings.HasPrefix(ct, f.contentType) {
					t.Errorf("server answered %q, want %s", ct, f.contentType)
				}
				if len(tt.wantErr) > 0 {
					if err == nil {
						t.Fatalf("Sample = %v, want an error", got)
					}
					for _, sub := range tt.wantErr {
						if !strings.Contains(err.Error(), sub) {
							t.Errorf("error %q does not mention %s", err, sub)
						}
					}
					return
				}
				if err != nil || got != tt.want {
					t.Errorf("Sample = %v, %v; want %v", got, err, tt.want)
				}
			})
		}
	}
}

func TestScrapeCounterRate(t *testing.T) {
	for _, f := range formats {
		for _, metric := range []string{"requests_total", "requests"} {
			t.Run(f.name+"/"+metric, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "requests_total", Help: "Requests."})
				reg.MustRegister(requests)
				requests.Add(10)
				srv := newMetricsServer(t, reg)
				clock := &fakeClock{now: t0}
				opts := append([]probes.ScrapeOption{probes.WithScrapeClock(clock.Now)}, f.opts...)
				s, err := probes.NewScrape("rps", srv.URL, metric, nil, opts...)
				if err != nil {
					t.Fatal(err)
				}

				if _, err := s.Sample(context.Background()); !errors.Is(err, probes.ErrNoData) {
					t.Fatalf("first sample of a counter: error %v, want ErrNoData", err)
				}
				steps := []struct {
					name    string
					advance time.Duration
					change  func()
					want    float64
				}{
					{"20 more in 2 s", 2 * time.Second, func() { requests.Add(20) }, 10},
					{"none in 1 s", time.Second, func() {}, 0},
					{"reset to 4 in 1 s counts 4", time.Second, func() {
						fresh := prometheus.NewRegistry()
						requests = prometheus.NewCounter(prometheus.CounterOpts{Name: "requests_total", Help: "Requests."})
						fresh.MustRegister(requests)
						requests.Add(4)
						srv.reg.Store(fresh)
					}, 4},
					{"then 6 more in 2 s", 2 * time.Second, func() { requests.Add(6) }, 3},
				}
				for _, st := range steps {
					st.change()
					clock.Advance(st.advance)
					got, err := s.Sample(context.Background())
					if err != nil || got != st.want {
						t.Errorf("%s: rate %v, %v; want %v", st.name, got, err, st.want)
					}
				}
			})
		}
	}
}

// TestScrapeCounterNewSeries: a series that appears between two samples
// adds nothing to the rate (its earlier value is unknown), then counts.
func TestScrapeCounterNewSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	responses := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "responses_total", Help: "By code."}, []string{"code"})
	reg.MustRegister(responses)
	responses.WithLabelValues("200").Add(10)
	srv := newMetricsServer(t, reg)
	clock := &fakeClock{now: t0}
	s, err := probes.NewScrape("rps", srv.URL, "responses_total", nil, probes.WithScrapeClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sample(context.Background()); !errors.Is(err, probes.ErrNoData) {
		t.Fatalf("first sample: %v, want ErrNoData", err)
	}
	for _, st := range []struct {
		add200, add500 float64
		want           float64
	}{
		{5, 100, 5},  // 500 appears with 100: not an increase seen
		{10, 20, 30}, // both count now
	} {
		responses.WithLabelValues("200").Add(st.add200)
		responses.WithLabelValues("500").Add(st.add500)
		clock.Advance(time.Second)
		if got, err := s.Sample(context.Background()); err != nil || got != st.want {
			t.Errorf("rate %v, %v; want %v", got, err, st.want)
		}
	}
}

func TestScrapeEndpointErrors(t *testing.T) {
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	closedURL := "http://" + closedAddr(t)

	tests := []struct {
		name, url, want string
	}{
		{"404", notFound.URL + "/metrics", "404"},
		{"nothing listening", closedURL + "/metrics", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := probes.NewScrape("p", tt.url, "up", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Sample(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sample error %v, want one that mentions %q", err, tt.want)
			}
		})
	}
}

func TestScrapeHonoursContext(t *testing.T) {
	srv := hangingServer(t)
	s, err := probes.NewScrape("p", srv.URL, "up", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Sample(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sample against a hung server: %v, want a deadline error", err)
	}
}

func TestNewScrape(t *testing.T) {
	tests := []struct {
		name, url, metric string
		labels            map[string]string
		wantErr           bool
	}{
		{"ok", "http://127.0.0.1:9090/metrics", "up", map[string]string{"job": "x"}, false},
		{"no URL", "", "up", nil, true},
		{"not http", "unix:///run/x.sock", "up", nil, true},
		{"no host", "http:///metrics", "up", nil, true},
		{"no metric", "http://127.0.0.1/metrics", "", nil, true},
		{"empty label name", "http://127.0.0.1/metrics", "up", map[string]string{"": "x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := probes.NewScrape("my-probe", tt.url, tt.metric, tt.labels)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewScrape error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && s.Name() != "my-probe" {
				t.Errorf("Name() = %q", s.Name())
			}
		})
	}
}
