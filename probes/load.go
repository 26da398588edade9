package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for LoadConfig's zero values.
const (
	DefaultLoadTimeout     = 5 * time.Second
	DefaultLoadWindow      = 5 * time.Second
	DefaultLoadMaxInFlight = 10000
)

// maxResponseBody is how much of a response body a hit reads (and discards)
// so that its connection goes back to the pool; a longer body closes it.
const maxResponseBody = 64 << 10

// idleConnsPerHost is the default client's pool size per host: enough that
// keep-alive connections are reused rather than closed and redialled when
// hundreds of requests are in flight at once.
const idleConnsPerHost = 1024

// LoadConfig describes an HTTP load. Zero values take the defaults noted.
type LoadConfig struct {
	Name        string
	URL         string
	Method      string // default GET
	Header      http.Header
	Body        []byte
	Rate        float64       // requests per second (base rate)
	Timeout     time.Duration // per request, default 5s; a timeout counts as an error
	Window      time.Duration // the longest window anyone will ask Window for, and Collect's window; default 5s
	MaxInFlight int           // default 10000; a request that would exceed it is not sent and counts as an error (client saturated)
	Client      *http.Client  // optional; default: a client with a tuned Transport (keep-alive, enough idle conns per host)
	// BodyTemplate, instead of Body, makes each request's body from a
	// text/template with a request counter and random values (see
	// template.go); one that does not parse is an error from NewLoad.
	BodyTemplate string
	// OnResult, when set, is called after every request (from the
	// goroutine that sent it, so it must be safe for concurrent use) with
	// its outcome (OutcomeOK, OutcomeError, OutcomeTimeout) and its
	// latency from the intended send time; and with OutcomeNotSent for a
	// hit not sent.
	OnResult func(outcome string, latency time.Duration)
}

// Outcomes of a request, as OnResult reports them.
const (
	OutcomeOK      = "ok"       // a response below 500
	OutcomeError   = "error"    // a transport error or a 5xx
	OutcomeTimeout = "timeout"  // no response within Timeout
	OutcomeNotSent = "not_sent" // the client was saturated or too late
)

// Load is an open-loop HTTP load generator: requests are sent at a constant
// arrival rate whatever the latency of earlier ones (no coordinated
// omission); latency is measured from each request's intended send time into
// HDR histograms.
//
//	RatePacer ──due hits──▶ sender ──a worker per hit in flight──▶ target
//	   ▲ SetScale                                    │ outcome, latency from
//	   │                                             ▼ the intended send time
//	 caller ◀──── Collect, Window ◀──── ring of histograms, one per 250 ms
//
// The sender fires every hit that is due, catching up hit by hit when it
// falls behind (a starved CPU, say), so no hit is silently lost. A hit that
// is already more than Timeout late when the sender gets to it (the machine
// stalled) could not finish in time anyway: it is counted as an error
// without being sent, which also bounds the catching up.
type Load struct {
	cfg       LoadConfig
	client    *http.Client
	ownClient bool // client made here: close its idle connections after Run

	scale atomic.Uint64 // float64 bits
	wake  chan struct{} // nudges a sleeping sender after SetScale

	mu      sync.Mutex // guards the fields below
	pacer   *RatePacer // nil until Run
	started bool
	start   time.Time
	stop    time.Time

	inFlight atomic.Int64
	req      *requestTemplate
	tmpl     *bodyTemplate // nil without a BodyTemplate
	stats    *loadStats
}

// CheckLoad checks cfg as NewLoad does (its URL, rate, header, body
// template...), without building anything: what validates a file.
func CheckLoad(cfg LoadConfig) error {
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
	}
	err := checkLoadConfig(cfg)
	if err == nil {
		_, err = newRequestTemplate(cfg.Method, cfg.URL, cfg.Header, cfg.Body, cfg.Client == nil)
	}
	if err == nil {
		_, err = loadBodyTemplate(cfg)
	}
	return err
}

// NewLoad checks cfg, fills in its defaults and returns a Load ready to Run.
func NewLoad(cfg LoadConfig) (*Load, error) {
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
	}
	cfg.Header, cfg.Body = cfg.Header.Clone(), bytes.Clone(cfg.Body) // the caller may reuse them
	err := checkLoadConfig(cfg)
	var req *requestTemplate
	if err == nil {
		// Copies of the request share its header with the load's own
		// client, which has no cookie jar to write into it.
		req, err = newRequestTemplate(cfg.Method, cfg.URL, cfg.Header, cfg.Body, cfg.Client == nil)
	}
	var tmpl *bodyTemplate
	if err == nil {
		tmpl, err = loadBodyTemplate(cfg)
	}
	if err != nil {
		if cfg.Name != "" {
			return nil, fmt.Errorf("load %s: %w", cfg.Name, err)
		}
		return nil, fmt.Errorf("load: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultLoadTimeout
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultLoadWindow
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultLoadMaxInFlight
	}
	l := &Load{
		cfg:    cfg,
		client: cfg.Client,
		wake:   make(chan struct{}, 1),
		stats:  newLoadStats(cfg.Window, time.Now()),
		req:    req,
		tmpl:   tmpl,
	}
	if l.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 0 // no overall limit
		t.MaxIdleConnsPerHost = idleConnsPerHost
		l.client = &http.Client{Transport: t}
		l.ownClient = true
	}
	l.scale.Store(math.Float64bits(1))
	return l, nil
}

func checkLoadConfig(cfg LoadConfig) error {
	if err := checkHTTPURL(cfg.URL); err != nil {
		return err
	}
	switch {
	case math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) || cfg.Rate < 0:
		return fmt.Errorf("rate %v: want a finite number >= 0 (requests per second)", cfg.Rate)
	case cfg.Timeout < 0:
		return fmt.Errorf("timeout %v: want a duration >= 0 (0 for the default)", cfg.Timeout)
	case cfg.Window < 0:
		return fmt.Errorf("window %v: want a duration >= 0 (0 for the default)", cfg.Window)
	case cfg.MaxInFlight < 0:
		return fmt.Errorf("max in flight %d: want a number >= 0 (0 for the default)", cfg.MaxInFlight)
	}
	return nil
}

// Config returns the configuration with its defaults filled in.
func (l *Load) Config() LoadConfig { return l.cfg }

// errRan is returned by a second call to Run.
var errRan = errors.New("load: Run called twice")

// Run sends requests until ctx is done, then waits for the requests in
// flight (each is bounded by Timeout, and is not cancelled by ctx) and
// returns nil. Hits that fell due before Run saw ctx done are still sent
// (late, and timed from when they were due) if the sender was behind.
// A Load runs once; a second Run returns an error.
func (l *Load) Run(ctx context.Context) error {
	l.mu.Lock()
	if l.started {
		l.mu.Unlock()
		return errRan
	}
	start := time.Now()
	l.started, l.start = true, start
	l.pacer = NewRatePacer(l.TargetRate())
	pacer := l.pacer
	l.mu.Unlock()
	l.stats.begin(start)

	reqCtx := context.WithoutCancel(ctx)
	w := &workers{hits: make(chan time.Time)}
	timer := time.NewTimer(never)
	defer timer.Stop()
	var hits uint64
	stopAt := time.Duration(-1) // when the sender saw ctx done
	for {
		now := time.Now()
		elapsed := now.Sub(start)
		if stopAt < 0 && ctx.Err() != nil {
			stopAt = elapsed
		}
		if stopAt >= 0 {
			elapsed = stopAt // hits due by then still go: catch up, then stop
		}
		wait, stop := pacer.Pace(elapsed, hits)
		if stop {
			stopAt = elapsed
			break
		}
		if wait > 0 {
			if stopAt >= 0 {
				break
			}
			timer.Reset(wait)
			select {
			case <-ctx.Done():
			case <-timer.C:
			case <-l.wake:
			}
			continue
		}
		if -wait > l.cfg.Timeout {
			// Skip, as errors, every hit due before elapsed-Timeout.
			skip := max(uint64(math.Ceil(pacer.Hits(elapsed-l.cfg.Timeout))), hits+1)
			l.notSent(now, int64(skip-hits))
			hits = skip
			continue
		}
		hits++
		l.fire(reqCtx, w, now, start.Add(elapsed+wait))
	}
	l.mu.Lock()
	l.stop = start.Add(stopAt)
	l.mu.Unlock()
	close(w.hits)
	w.wg.Wait()
	if l.ownClient {
		l.client.CloseIdleConnections()
	}
	return nil
}

// notSent counts n hits that were due at about now but not sent.
func (l *Load) notSent(now time.Time, n int64) {
	l.stats.notSent(now, n)
	if l.cfg.OnResult != nil {
		for range n {
			l.cfg.OnResult(OutcomeNotSent, 0)
		}
	}
}

// maxIdleWorkers is how many workers may wait for a hit; one more ends.
const maxIdleWorkers = 256

// workers send the hits: a hit goes to a worker that waits for one, or
// else to a new worker; a worker done with its hit waits for the next,
// unless maxIdleWorkers wait already. Reusing goroutines spares making one
// per hit and growing its stack again through net/http's calls.
type workers struct {
	hits chan time.Time // unbuffered: a send succeeds only if a worker waits; closed at the end of Run
	idle atomic.Int64
	wg   sync.WaitGroup
}

// fire sends a hit due at intended, unless MaxInFlight requests are in
// flight already. Only the sender calls it.
func (l *Load) fire(ctx context.Context, w *workers, now, intended time.Time) {
	if l.inFlight.Load() >= int64(l.cfg.MaxInFlight) {
		l.notSent(now, 1)
		return
	}
	l.inFlight.Add(1)
	l.stats.sent()
	select {
	case w.hits <- intended:
	default:
		w.wg.Go(func() { l.work(ctx, w, intended) })
	}
}

// work sends the hit due at intended, then each hit handed to it, until
// there are too many idle workers or w.hits is closed.
func (l *Load) work(ctx context.Context, w *workers, intended time.Time) {
	for {
		l.hit(ctx, intended)
		l.inFlight.Add(-1)
		if w.idle.Add(1) > maxIdleWorkers {
			w.idle.Add(-1)
			return
		}
		next, ok := <-w.hits
		w.idle.Add(-1)
		if !ok {
			return
		}
		intended = next
	}
}

// hit sends one request and records its outcome and its latency from the
// intended send time.
func (l *Load) hit(ctx context.Context, intended time.Time) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	failed := true
	if req, err := l.newRequest(ctx); err == nil {
		if resp, err := l.client.Do(req); err == nil {
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
			resp.Body.Close()
			failed = err != nil || resp.StatusCode >= 500
		}
	}
	end := time.Now()
	lat := end.Sub(intended)
	l.stats.done(end, lat, failed)
	if l.cfg.OnResult != nil {
		outcome := OutcomeOK
		switch {
		case failed && ctx.Err() == context.DeadlineExceeded:
			outcome = OutcomeTimeout
		case failed:
			outcome = OutcomeError
		}
		l.cfg.OnResult(outcome, lat)
	}
}

func (l *Load) newRequest(ctx context.Context) (*http.Request, error) {
	if l.tmpl == nil {
		return l.req.new(ctx), nil
	}
	b, err := l.tmpl.render()
	if err != nil {
		return nil, err
	}
	return l.req.newWithBody(ctx, b), nil
}

// SetScale multiplies the base rate by f from now on (1 is the base rate; a
// negative, infinite or NaN f counts as 0). It is safe from any goroutine and wakes the
// sender, so it takes effect at once.
func (l *Load) SetScale(f float64) {
	if !(f > 0) || math.IsInf(f, 1) {
		f = 0
	}
	l.mu.Lock()
	l.scale.Store(math.Float64bits(f))
	if l.pacer != nil {
		l.pacer.SetRate(time.Since(l.start), l.TargetRate())
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Scale returns the scale set last.
func (l *Load) Scale() float64 { return math.Float64frombits(l.scale.Load()) }

// TargetRate returns the rate asked for now: the base rate times the scale.
func (l *Load) TargetRate() float64 { return l.cfg.Rate * l.Scale() }

// Span returns when Run started (the intended time of the first hit) and
// when it saw its ctx done; either is zero until it happens. Every hit due
// in between was sent or counted as an error.
func (l *Load) Span() (start, stop time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.start, l.stop
}

// Collect closes the current interval (since the previous Collect, or since
// Run started) and returns its figures with those of the rolling window of
// the load's Window that ends at now. now should come from the wall clock
// that the requests are timed with. Collect is safe from any goroutine and
// cheap enough to call several times a second.
func (l *Load) Collect(now time.Time) LoadSample {
	s := l.stats.collect(now)
	s.TargetRate = l.TargetRate()
	s.InFlight = int(l.inFlight.Load())
	return s
}

// Window returns the figures of the requests that completed in the last d
// before now (d rounded up to whole slots, capped at the load's Window), with
// the latency at each of the given percentiles (0..100; a value out of range
// is clamped), in the order given.
//
// Span says what was covered. The slots are 250 ms wide (wider for a Window
// over 60 s: Window/240 rounded up to a millisecond) and aligned on Run's
// start, so Span runs from the start of the slot that holds now-d, and is
// at least d and less than d plus one slot; unless d reaches back past the
// ring, which holds the load's Window (rounded up to whole slots), the slot
// now is in included: then Span is the whole ring, more than that less one
// slot. Nothing before Run's start is covered. A d of zero or less covers
// nothing.
//
// now should come from the wall clock that the requests are timed with, as
// for Collect; Window does not close Collect's interval. It is safe from any
// goroutine. It merges a histogram per slot read, or per block of 8
// completed slots once a query has merged the block: on a full ring of
// 2,000 req/s, about 40 µs for 1 s and 0.5 ms for 60 s (BenchmarkLoadWindow).
func (l *Load) Window(now time.Time, d time.Duration, percentiles ...float64) WindowStats {
	return l.stats.window(now, d, percentiles)
}
