package inject

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// HTTPFault describes what to do to the requests that pass through an
// HTTPProxy and match Method and PathPrefix. For a matching request the
// stages run in this order: hold (Blackhole), wait (Delay ± Jitter), reset
// (AbortProbability), answer an error (ErrorStatus, ErrorProbability), and
// otherwise forward. Delays of several matching faults add up.
type HTTPFault struct {
	Method           string        // "" matches any method
	PathPrefix       string        // "" matches any path
	Header           http.Header   // each header listed must be present with one of its values (names are canonicalized)
	Delay, Jitter    time.Duration // added before forwarding: Delay ± uniform Jitter (never negative)
	ErrorStatus      int           // when >0, answer this status without forwarding, with ErrorProbability
	ErrorProbability float64       // 0..1
	Blackhole        bool          // hold the request (do not forward) until the fault is removed, the proxy closes, or the client gives up; once the fault is removed, held requests are forwarded upstream (the network "recovers")
	AbortProbability float64       // 0..1: reset the client connection mid-request (panic(http.ErrAbortHandler))
}

// Validate reports whether f is a fault that can be applied.
func (f HTTPFault) Validate() error {
	var errs []error
	if f.Delay < 0 {
		errs = append(errs, fmt.Errorf("delay %v is negative", f.Delay))
	}
	if f.Jitter < 0 {
		errs = append(errs, fmt.Errorf("jitter %v is negative", f.Jitter))
	}
	if !isProbability(f.ErrorProbability) {
		errs = append(errs, fmt.Errorf("error probability %v is not within 0..1", f.ErrorProbability))
	}
	if !isProbability(f.AbortProbability) {
		errs = append(errs, fmt.Errorf("abort probability %v is not within 0..1", f.AbortProbability))
	}
	switch {
	case f.ErrorStatus < 0 || f.ErrorStatus > 0 && (f.ErrorStatus < 200 || f.ErrorStatus > 599):
		errs = append(errs, fmt.Errorf("error status %d is not within 200..599", f.ErrorStatus))
	case f.ErrorStatus > 0 && f.ErrorProbability == 0:
		errs = append(errs, fmt.Errorf("error status %d with error probability 0 never fires", f.ErrorStatus))
	case f.ErrorStatus == 0 && f.ErrorProbability > 0:
		errs = append(errs, errors.New("error probability without an error status"))
	}
	if len(errs) == 0 && f.Delay == 0 && f.Jitter == 0 && f.ErrorStatus == 0 &&
		!f.Blackhole && f.AbortProbability == 0 {
		errs = append(errs, errors.New("the fault has no effect: set a delay, an error, a blackhole or an abort"))
	}
	return errors.Join(errs...)
}

func isProbability(v float64) bool { return v >= 0 && v <= 1 } // false for NaN

// activeFault is an HTTPFault at a given intensity, as installed in a
// proxy's fault set. It is never changed once installed.
type activeFault struct {
	owner      *HTTPFaultInjector // identity of the fault within the set
	method     string
	prefix     string
	headers    []headerMatch
	delay      time.Duration
	jitter     time.Duration
	errStatus  int
	errProb    float64
	abortProb  float64
	release    chan struct{} // non-nil while the blackhole is on; closed when lifted
	hasEffects bool
}

func (a *activeFault) matches(r *http.Request) bool {
	if (a.method != "" && a.method != r.Method) || (a.prefix != "" && !strings.HasPrefix(r.URL.Path, a.prefix)) {
		return false
	}
	for _, h := range a.headers {
		if !h.matches(r.Header[h.name]) {
			return false
		}
	}
	return true
}

// headerMatch is one header of HTTPFault.Header, its name canonicalized
// once rather than at every request.
type headerMatch struct {
	name string   // canonical
	want []string // any value when empty
}

func headerMatches(h http.Header) []headerMatch {
	var out []headerMatch
	for name, want := range h {
		out = append(out, headerMatch{http.CanonicalHeaderKey(name), want})
	}
	return out
}

// matches reports whether one of the values got is one of h.want (any
// value when want is empty).
func (h headerMatch) matches(got []string) bool {
	if len(h.want) == 0 {
		return len(got) > 0
	}
	return slices.ContainsFunc(got, func(g string) bool { return slices.Contains(h.want, g) })
}

// pickDelay returns delay ± uniform jitter, never negative.
func (a *activeFault) pickDelay() time.Duration {
	d := a.delay
	if a.jitter > 0 {
		d += time.Duration((rand.Float64()*2 - 1) * float64(a.jitter))
	}
	return max(d, 0)
}

// faultSet is the immutable set of faults on a proxy.
type faultSet struct{ list []*activeFault }

func (fs *faultSet) blackhole(r *http.Request) *activeFault {
	for _, f := range fs.list {
		if f.release != nil && f.matches(r) {
			return f
		}
	}
	return nil
}

// setFault installs a as owner's entry in the fault set, replacing the one
// it had, or removes owner's entry when a is nil.
func (p *HTTPProxy) setFault(owner *HTTPFaultInjector, a *activeFault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var list []*activeFault
	if old := p.faults.Load(); old != nil {
		list = old.list
	}
	list = withFault(list, func(f *activeFault) bool { return f.owner == owner }, a)
	if len(list) == 0 {
		p.faults.Store(nil)
		return
	}
	p.faults.Store(&faultSet{list: list})
}

// applyFaults runs the faults of fs that match r and reports whether it
// has dealt with the request (answered it, reset it, or seen the client go);
// false means: forward it.
func (p *HTTPProxy) applyFaults(w http.ResponseWriter, r *http.Request, fs *faultSet) bool {
	ctx := r.Context()
	for hole := fs.blackhole(r); hole != nil; hole = fs.blackhole(r) {
		p.held.Add(1)
		select {
		case <-hole.release:
		case <-ctx.Done():
		case <-p.closed:
		}
		p.held.Add(-1)
		if ctx.Err() != nil {
			return true
		}
		if p.isClosed() {
			p.writeInjected(w, http.StatusServiceUnavailable, "proxy closed while holding the request")
			return true
		}
		// Lifted: look again, with the faults on now.
		if fs = p.faults.Load(); fs == nil {
			return false
		}
	}

	var delay time.Duration
	for _, f := range fs.list {
		if f.delay > 0 || f.jitter > 0 {
			if f.matches(r) {
				delay += f.pickDelay()
			}
		}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return true
		case <-p.closed:
			t.Stop()
			p.writeInjected(w, http.StatusServiceUnavailable, "proxy closed while delaying the request")
			return true
		}
	}

	for _, f := range fs.list {
		if !f.matches(r) {
			continue
		}
		if f.abortProb > 0 && rand.Float64() < f.abortProb {
			panic(http.ErrAbortHandler) // the server closes the connection, no response
		}
		if f.errStatus > 0 && f.errProb > 0 && rand.Float64() < f.errProb {
			p.writeInjected(w, f.errStatus, "error")
			return true
		}
	}
	return false
}

// HTTPFaultInjector applies one HTTPFault on one HTTPProxy while started.
type HTTPFaultInjector struct {
	proxy   *HTTPProxy
	fault   HTTPFault
	headers []headerMatch // fault.Header's
	proxyFault
	release chan struct{} // the blackhole's, while it is on
}

// NewHTTPFault returns the injector that applies f on p while started.
// Several faults can be on the same proxy at once, each with its own
// identity. Update(intensity) scales Delay, Jitter and both probabilities;
// a blackhole is on while intensity > 0. Stop removes the fault: new
// requests are clean at once and held requests are forwarded. Start
// returns f.Validate's error when f cannot be applied.
func NewHTTPFault(p *HTTPProxy, f HTTPFault) *HTTPFaultInjector {
	f.Method = strings.ToUpper(f.Method)
	return &HTTPFaultInjector{proxy: p, fault: f, headers: headerMatches(f.Header), proxyFault: newProxyFault("http", p.name)}
}

// Start puts the fault on the proxy at the current intensity (1 unless an
// Update said otherwise).
func (h *HTTPFaultInjector) Start(ctx context.Context) error {
	return h.start(ctx, h.fault.Validate, h.proxy.isClosed, h.apply)
}

// Update sets the intensity, 0..1.
func (h *HTTPFaultInjector) Update(ctx context.Context, intensity float64) error {
	return h.update(intensity, h.apply)
}

// Stop removes the fault from the proxy and releases held requests.
func (h *HTTPFaultInjector) Stop(context.Context) error {
	return h.stop(func() {
		h.proxy.setFault(h, nil)
		h.lift()
	})
}

// apply installs the fault at h.intensity. Called with h.mu held.
func (h *HTTPFaultInjector) apply() {
	a := h.scaled()
	if h.fault.Blackhole && h.intensity > 0 {
		if h.release == nil {
			h.release = make(chan struct{})
		}
		a.release = h.release
		a.hasEffects = true
	}
	if a.hasEffects {
		h.proxy.setFault(h, a)
	} else {
		h.proxy.setFault(h, nil) // keep the no-fault path for an idle fault
	}
	if a.release == nil {
		h.lift() // after the set changed, so released requests see the new one
	}
}

// lift ends the blackhole, if on. Called with h.mu held.
func (h *HTTPFaultInjector) lift() {
	if h.release != nil {
		close(h.release)
		h.release = nil
	}
}

func (h *HTTPFaultInjector) scaled() *activeFault {
	f, i := h.fault, h.intensity
	a := &activeFault{
		owner:     h,
		method:    f.Method,
		prefix:    f.PathPrefix,
		headers:   h.headers,
		delay:     time.Duration(math.Round(float64(f.Delay) * i)),
		jitter:    time.Duration(math.Round(float64(f.Jitter) * i)),
		errProb:   f.ErrorProbability * i,
		abortProb: f.AbortProbability * i,
	}
	if a.errProb > 0 {
		a.errStatus = f.ErrorStatus
	}
	a.hasEffects = a.delay > 0 || a.jitter > 0 || a.errProb > 0 || a.abortProb > 0
	return a
}
