package inject

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPProxy is an HTTP reverse proxy put in the path between two services;
// faults are applied to requests that pass through it.
//
// A request goes through these stages:
//
//	client ─► serve ─┬─ no fault on (one atomic load) ───────────────────┬─► ReverseProxy ─► upstream
//	                 └─► hold (blackhole) ─► delay ─► abort? ─► error? ──┘
//	                                                    │         │
//	                                        connection reset   injected status
//
// The active faults are an immutable set behind an atomic pointer, replaced
// as a whole (copy on write) when a fault starts, changes or stops, so the
// request path takes no lock.
type HTTPProxy struct {
	name     string
	addr     string
	upstream *url.URL
	ln       net.Listener
	srv      *http.Server
	rp       *httputil.ReverseProxy
	tr       *http.Transport

	faults atomic.Pointer[faultSet] // nil when no fault has an effect
	mu     sync.Mutex               // serializes writers of faults
	held   atomic.Int64             // requests held by a blackhole now
	errs   *errorReporter           // to OnError's hook

	closeOnce sync.Once
	closed    chan struct{} // closed by Close: releases held and delayed requests
	served    chan struct{} // closed when Serve has returned
}

// NewHTTPProxy listens on listen (host:port; "" means 127.0.0.1 on a free
// port) and forwards every request to upstream ("http://host:port[/base]";
// a bare host:port means http). It serves in the background until Close.
// A listen address in use is an error returned here, wrapped with the
// proxy's name and the address.
func NewHTTPProxy(name, listen, upstream string) (*HTTPProxy, error) {
	if name == "" {
		return nil, errors.New("inject: http proxy: empty name")
	}
	target, err := parseUpstream(upstream)
	if err != nil {
		return nil, fmt.Errorf("inject: http proxy %q: %w", name, err)
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("inject: http proxy %q: listen on %s: %w", name, listen, err)
	}
	discard := log.New(io.Discard, "", 0) // never write to the cockpit's terminal
	p := &HTTPProxy{
		name:     name,
		addr:     ln.Addr().String(),
		upstream: target,
		ln:       ln,
		tr:       newTransport(),
		errs:     newErrorReporter(name),
		closed:   make(chan struct{}),
		served:   make(chan struct{}),
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:      p.rewrite,
		Transport:    p.tr,
		BufferPool:   &bufferPool{},
		ErrorLog:     discard,
		ErrorHandler: p.upstreamError,
	}
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.serve),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          discard,
	}
	go func() {
		defer close(p.served)
		_ = p.srv.Serve(reportingListener{ln, p}) // returns http.ErrServerClosed after Close
	}()
	return p, nil
}

// newTransport is tuned for hundreds of concurrent requests to one upstream
// and for passing requests through unchanged.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: nil, // never a proxy from the environment
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          2048,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // do not add Accept-Encoding nor decode bodies
	}
}

func parseUpstream(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("empty upstream")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("upstream %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("upstream %q: no host", s)
	}
	return u, nil
}

// Name returns the name the proxy was made with.
func (p *HTTPProxy) Name() string { return p.name }

// Addr returns the host:port actually listened on.
func (p *HTTPProxy) Addr() string { return p.addr }

// URL returns "http://" + Addr().
func (p *HTTPProxy) URL() string { return "http://" + p.addr }

// Upstream returns the URL requests are forwarded to.
func (p *HTTPProxy) Upstream() string { return p.upstream.String() }

// Held returns the number of requests a blackhole holds now.
func (p *HTTPProxy) Held() int { return int(p.held.Load()) }

// OnError sets f to hear of the errors the proxy meets while serving,
// each a *ProxyError: a connection it could not accept (Op "accept", such
// as EMFILE when the process is out of file descriptors; the server waits
// and tries again, up to 1 s between tries) and a request the upstream did
// not answer (Op "upstream"; the client gets a 502). Errors of one kind
// are reported at most once a second, with a count; see TCPProxy.OnError
// for how f is called.
func (p *HTTPProxy) OnError(f func(err error)) { p.errs.set(f) }

// reportingListener reports the errors of Accept, which http.Server then
// retries with its own backoff.
type reportingListener struct {
	net.Listener
	p *HTTPProxy
}

func (l reportingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil && !l.p.isClosed() && !errors.Is(err, net.ErrClosed) {
		l.p.errs.report("accept", err)
	}
	return c, err
}

// Close stops serving, closes client connections and releases held
// requests (they are answered 503, not forwarded). It is idempotent.
func (p *HTTPProxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		close(p.closed)
		err = p.srv.Close()
		<-p.served
		p.tr.CloseIdleConnections()
		p.errs.close()
		if err != nil {
			err = fmt.Errorf("inject: http proxy %q: close: %w", p.name, err)
		}
	})
	return err
}

func (p *HTTPProxy) isClosed() bool { return isClosed(p.closed) }

// serve is the request path. With no fault on it costs one atomic load.
func (p *HTTPProxy) serve(w http.ResponseWriter, r *http.Request) {
	if fs := p.faults.Load(); fs != nil && p.applyFaults(w, r, fs) {
		return
	}
	p.rp.ServeHTTP(w, r)
}

// forwardedHeaders are kept as the client sent them: the proxy stands in a
// network path and should be invisible to the upstream.
var forwardedHeaders = [...]string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

func (p *HTTPProxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.upstream)
	for _, k := range forwardedHeaders {
		if v, ok := pr.In.Header[k]; ok {
			pr.Out.Header[k] = v
		}
	}
}

// upstreamError answers 502 when the upstream cannot be reached. It is not
// an injected fault, so it carries no X-Gameday-Fault header.
func (p *HTTPProxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client has gone; nobody to answer
	}
	p.errs.report("upstream", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, "gameday proxy %s: upstream %s: %v\n", p.name, p.upstream.Host, err)
}

// FaultHeader is the response header that marks an answer made by a fault;
// its value is the proxy's name.
const FaultHeader = "X-Gameday-Fault"

// writeInjected answers status on behalf of a fault.
func (p *HTTPProxy) writeInjected(w http.ResponseWriter, status int, why string) {
	h := w.Header()
	h.Set(FaultHeader, p.name)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s: %s, injected by gameday (proxy %s)\n",
		status, http.StatusText(status), why, p.name)
}

// bufferPool lends ReverseProxy its copy buffers, which it would otherwise
// allocate (32 KiB) for every request.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.pool.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }
