package probes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxProbeBody is how much of a response an HTTP probe searches for
// ExpectBody.
const maxProbeBody = 1 << 20

// HTTPProbeConfig describes an HTTP probe. Zero values take the defaults
// noted.
type HTTPProbeConfig struct {
	URL          string
	Method       string      // default GET
	Header       http.Header // a Host header sets the request's Host
	Body         []byte
	ExpectStatus []int         // statuses that pass; empty: any 2xx
	ExpectBody   string        // a substring the body must contain; "" = no check
	Timeout      time.Duration // per sample, default 5s
	// Client is optional; by default http.DefaultClient, which follows
	// redirects: to expect a 3xx, pass a Client whose CheckRedirect returns
	// http.ErrUseLastResponse.
	Client *http.Client
}

// HTTPProbe sends one request per sample; the value is its latency in
// milliseconds, from sending it to the end of its body (read up to 64 KiB,
// or up to 1 MiB when ExpectBody is checked). A transport error, a timeout,
// a status not expected or a body that does not contain ExpectBody is an
// error. Error texts show the URL without its userinfo and query.
// HTTPProbe is safe for concurrent use.
type HTTPProbe struct {
	name   string
	cfg    HTTPProbeConfig
	shown  string // the URL redacted
	client *http.Client
	req    *requestTemplate
}

var _ Probe = (*HTTPProbe)(nil)

// NewHTTPProbe checks cfg, fills in its defaults and returns a probe named
// name.
func NewHTTPProbe(name string, cfg HTTPProbeConfig) (*HTTPProbe, error) {
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
	}
	err := checkHTTPProbe(cfg)
	var req *requestTemplate
	if err == nil {
		cfg.Header, cfg.Body = cfg.Header.Clone(), bytes.Clone(cfg.Body)
		// The client may be the caller's, with a cookie jar: each request
		// gets its own header.
		req, err = newRequestTemplate(cfg.Method, cfg.URL, cfg.Header, cfg.Body, false)
	}
	if err != nil {
		return nil, fmt.Errorf("http probe %s: %w", name, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultProbeTimeout
	}
	cfg.ExpectStatus = slices.Clone(cfg.ExpectStatus)
	p := &HTTPProbe{name: name, cfg: cfg, shown: redactURL(cfg.URL), client: cfg.Client, req: req}
	if p.client == nil {
		p.client = http.DefaultClient
	}
	return p, nil
}

func checkHTTPProbe(cfg HTTPProbeConfig) error {
	if err := checkHTTPURL(cfg.URL); err != nil {
		return err
	}
	if cfg.Timeout < 0 {
		return fmt.Errorf("timeout %v: want a duration >= 0 (0 for the default)", cfg.Timeout)
	}
	for _, s := range cfg.ExpectStatus {
		if s < 100 || s > 599 {
			return fmt.Errorf("expected status %d: want an HTTP status, 100 to 599", s)
		}
	}
	return nil
}

// Name returns the probe's name.
func (p *HTTPProbe) Name() string { return p.name }

// Sample sends the request and returns its latency in milliseconds.
func (p *HTTPProbe) Sample(ctx context.Context) (float64, error) {
	ctx, cancel := withSampleTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	start := time.Now()
	resp, err := p.client.Do(p.req.new(ctx))
	if err != nil {
		return 0, p.transportError(ctx, err)
	}
	defer resp.Body.Close()
	limit := int64(maxResponseBody)
	if p.cfg.ExpectBody != "" {
		limit = maxProbeBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	took := time.Since(start)
	if err != nil {
		return 0, p.transportError(ctx, fmt.Errorf("reading the body: %w", err))
	}
	if !p.statusOK(resp.StatusCode) {
		return 0, p.errorf("status %s, want %s", resp.Status, p.wantStatus())
	}
	if p.cfg.ExpectBody != "" && !bytes.Contains(body, []byte(p.cfg.ExpectBody)) {
		return 0, p.errorf("the body (%d bytes, ends %q) does not contain %q",
			len(body), excerpt(string(body), 80), p.cfg.ExpectBody)
	}
	return float64(took) / float64(time.Millisecond), nil
}

func (p *HTTPProbe) statusOK(code int) bool {
	if len(p.cfg.ExpectStatus) == 0 {
		return code >= 200 && code <= 299
	}
	return slices.Contains(p.cfg.ExpectStatus, code)
}

// wantStatus says which statuses pass: "2xx", "200" or "one of 200, 204".
func (p *HTTPProbe) wantStatus() string {
	switch len(p.cfg.ExpectStatus) {
	case 0:
		return "2xx"
	case 1:
		return strconv.Itoa(p.cfg.ExpectStatus[0])
	}
	s := make([]string, len(p.cfg.ExpectStatus))
	for i, c := range p.cfg.ExpectStatus {
		s[i] = strconv.Itoa(c)
	}
	return "one of " + strings.Join(s, ", ")
}

// transportError describes err, which net/http wraps in a *url.Error that
// names the URL with its user name: the probe names it redacted instead.
func (p *HTTPProbe) transportError(ctx context.Context, err error) error {
	err = urlErrorCause(err)
	if timedOut(ctx) {
		return p.errorf("no complete answer within %v: %w", p.cfg.Timeout, err)
	}
	return p.errorf("%w", err)
}

// errorf returns an error that names the probe, the method and the URL.
func (p *HTTPProbe) errorf(format string, a ...any) error {
	return fmt.Errorf("http probe %s: %s %s: %w", p.name, p.cfg.Method, p.shown, fmt.Errorf(format, a...))
}
