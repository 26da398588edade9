package inject_test

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// slack is how much a loaded 2-core machine may add to a delayed request.
const slack = 500 * time.Millisecond

// started starts h and stops it at the end of the test.
func started[I inject.Injector](t testing.TB, h I) I {
	t.Helper()
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Stop(context.Background()) })
	return h
}

func startFault(t testing.TB, p *inject.HTTPProxy, f inject.HTTPFault) *inject.HTTPFaultInjector {
	t.Helper()
	return started(t, inject.NewHTTPFault(p, f))
}

func update(t testing.TB, h inject.Injector, i float64) {
	t.Helper()
	if err := h.Update(context.Background(), i); err != nil {
		t.Fatal(err)
	}
}

func stop(t testing.TB, h inject.Injector) {
	t.Helper()
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// minTook returns the shortest of n GETs, which all must take at least atLeast.
func minTook(t testing.TB, c *http.Client, url string, n int, atLeast time.Duration) time.Duration {
	t.Helper()
	best := time.Duration(math.MaxInt64)
	for range n {
		r := get(t, c, url)
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if r.took < atLeast {
			t.Errorf("took %v, want at least %v", r.took, atLeast)
		}
		best = min(best, r.took)
	}
	return best
}

func TestHTTPDelay(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	for _, d := range []time.Duration{100 * time.Millisecond, 300 * time.Millisecond} {
		h := startFault(t, p, inject.HTTPFault{Delay: d})
		if took := minTook(t, c, p.URL()+"/slow", 3, d); took >= d+slack {
			t.Errorf("delay %v: took %v", d, took)
		}
		stop(t, h)
	}
}

func TestHTTPJitter(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	const delay, jitter, n = 200 * time.Millisecond, 100 * time.Millisecond, 20
	startFault(t, p, inject.HTTPFault{Delay: delay, Jitter: jitter})
	took := make([]result, n)
	var wg sync.WaitGroup
	for i := range took {
		wg.Go(func() { took[i] = do(context.Background(), c, http.MethodGet, p.URL()+"/", "") })
	}
	wg.Wait()
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for _, r := range took {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.took < delay-jitter || r.took > delay+jitter+slack {
			t.Errorf("took %v, want within %v ± %v", r.took, delay, jitter)
		}
		lo, hi = min(lo, r.took), max(hi, r.took)
	}
	if hi-lo < 10*time.Millisecond { // 20 uniform draws over 200 ms
		t.Errorf("%d requests all took %v..%v: no jitter", n, lo, hi)
	}
}

// countErrors sends n GETs from 8 workers and counts injected 503s.
func countErrors(t testing.TB, c *http.Client, url string, n int) int {
	t.Helper()
	var mu sync.Mutex
	errs, fails := 0, []error{}
	var wg sync.WaitGroup
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range 8 {
		wg.Go(func() {
			for range next {
				r := do(context.Background(), c, http.MethodGet, url, "")
				mu.Lock()
				switch {
				case r.err != nil:
					fails = append(fails, r.err)
				case r.status == http.StatusServiceUnavailable:
					errs++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("%d requests failed, first: %v", len(fails), fails[0])
	}
	return errs
}

func TestHTTPErrorProbability(t *testing.T) {
	tests := []struct {
		name      string
		prob      float64
		intensity float64
	}{
		{"p=0.3", 0.3, 1},
		{"p=0.6 at intensity 0.5", 0.6, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t)
			p := newProxy(t, up)
			c := newClient(t)
			h := inject.NewHTTPFault(p, inject.HTTPFault{ErrorStatus: 503, ErrorProbability: tt.prob})
			update(t, h, tt.intensity) // before Start: the intensity it starts with
			if err := h.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer stop(t, h)
			// The 99% binomial interval; a miss is retried once with a fresh
			// sample, so a correct proxy fails 1 run in 10,000, not 1 in 100.
			const n, z = 2000, 2.5758
			q := tt.prob * tt.intensity
			mean, sd := n*q, math.Sqrt(n*q*(1-q))
			lo, hi := int(math.Ceil(mean-z*sd)), int(math.Floor(mean+z*sd))
			got := countErrors(t, c, p.URL()+"/", n)
			if got < lo || got > hi {
				t.Logf("%d errors of %d, outside [%d, %d]; sampling again", got, n, lo, hi)
				got = countErrors(t, c, p.URL()+"/", n)
			}
			if got < lo || got > hi {
				t.Errorf("%d errors of %d at p=%v, want within [%d, %d]", got, n, q, lo, hi)
			}
			if sent := up.hits.Load(); sent == 0 || sent == 2*n {
				t.Errorf("upstream got %d requests", sent)
			}
		})
	}
}

func TestHTTPErrorResponse(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	startFault(t, p, inject.HTTPFault{ErrorStatus: 500, ErrorProbability: 1})
	r := get(t, newClient(t), p.URL()+"/x")
	if r.status != 500 || r.header.Get(inject.FaultHeader) != "inventory" ||
		!strings.Contains(r.body, "injected by gameday") {
		t.Errorf("got %d %v %q", r.status, r.header, r.body)
	}
	if up.hits.Load() != 0 {
		t.Error("an injected error was forwarded")
	}
}

func TestHTTPMatching(t *testing.T) {
	tests := []struct {
		name  string
		fault inject.HTTPFault
		hit   []string // "METHOD /path" that get the error
		miss  []string // that pass
	}{
		{"method", inject.HTTPFault{Method: "post"},
			[]string{"POST /x"}, []string{"GET /x", "PUT /x"}},
		{"path", inject.HTTPFault{PathPrefix: "/api/"},
			[]string{"GET /api/v1", "POST /api/"}, []string{"GET /apix", "GET /", "GET /v1/api/"}},
		{"both", inject.HTTPFault{Method: "POST", PathPrefix: "/api/"},
			[]string{"POST /api/orders"}, []string{"GET /api/orders", "POST /orders"}},
	}
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault.ErrorStatus, tt.fault.ErrorProbability = 503, 1
			h := startFault(t, p, tt.fault)
			defer stop(t, h)
			for _, req := range append(tt.hit, tt.miss...) {
				method, path, _ := strings.Cut(req, " ")
				r := do(context.Background(), c, method, p.URL()+path, "")
				if r.err != nil {
					t.Fatal(r.err)
				}
				want := http.StatusOK
				if slices.Contains(tt.hit, req) {
					want = http.StatusServiceUnavailable
				}
				if r.status != want {
					t.Errorf("%s: status %d, want %d", req, r.status, want)
				}
			}
		})
	}
}
