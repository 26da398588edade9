package shop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// dependency calls one of the frontend's dependencies:
//
//	call ──▶ retry policy ──▶ each try: breaker? ──▶ HTTP ──▶ classify
//	                              │                            ├─ count outcome
//	                              └─ rejected                  └─ report to breaker
type dependency struct {
	name    string // "inventory" or "payments"
	baseURL string
	client  *http.Client
	retry   RetryPolicy
	breaker *Breaker               // nil: no breaker
	calls   *prometheus.CounterVec // by outcome, curried with the dependency
}

// Outcomes of a single try, the values of the outcome label.
const (
	outcomeOK       = "ok"
	outcomeError    = "error"
	outcomeTimeout  = "timeout"
	outcomeRejected = "rejected"
)

func newDependency(name, baseURL string, retry RetryPolicy, breaker *Breaker, calls *prometheus.CounterVec) *dependency {
	return &dependency{
		name:    name,
		baseURL: strings.TrimRight(baseURL, "/"),
		// No client timeout: deadlines come from the retry policy's contexts.
		client: &http.Client{Transport: &http.Transport{
			Proxy:               nil, // the URL is the proxy that matters
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
		}},
		retry:   retry,
		breaker: breaker,
		calls:   calls,
	}
}

// statusError is an answer with a status other than 2xx.
type statusError struct {
	dependency string
	code       int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.dependency, e.code, http.StatusText(e.code))
}

// retryable reports whether the status says the dependency is in trouble
// (5xx, 429) rather than that the request was wrong.
func (e *statusError) retryable() bool {
	return e.code >= 500 || e.code == http.StatusTooManyRequests
}

// passing reports whether a call's error says the dependency is in trouble
// for now (a timeout, a 5xx or 429, a refused connection, an open breaker),
// so that the same request may succeed later, rather than that the request
// itself was refused (4xx).
func passing(err error) bool {
	var se *statusError
	return err != nil && (!errors.As(err, &se) || se.retryable())
}

// call sends method path with body (JSON, may be nil) and decodes a 2xx
// answer into out (may be nil), retrying as the policy says.
func (d *dependency) call(ctx context.Context, method, path string, body []byte, out any) error {
	err := d.retry.Do(ctx, func(tctx context.Context, _ int) error {
		return d.try(ctx, tctx, method, path, body, out)
	})
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", d.name, method, path, err)
	}
	return nil
}

// try makes one attempt. ctx is the caller's context and tctx the try's,
// which also carries the policy's deadlines.
func (d *dependency) try(ctx, tctx context.Context, method, path string, body []byte, out any) error {
	done := func(CallResult) {}
	if d.breaker != nil {
		var err error
		if done, err = d.breaker.Allow(); err != nil {
			d.calls.WithLabelValues(outcomeRejected).Inc()
			return Permanent(err)
		}
	}
	err := d.roundTrip(tctx, method, path, body, out)
	var se *statusError
	switch {
	case err == nil:
		done(CallSucceeded)
		d.calls.WithLabelValues(outcomeOK).Inc()
	case ctx.Err() != nil: // the caller gave up: not the dependency's fault
		done(CallAbandoned)
		return Permanent(err)
	case tctx.Err() != nil:
		done(CallFailed)
		d.calls.WithLabelValues(outcomeTimeout).Inc()
	case errors.As(err, &se) && !se.retryable():
		done(CallSucceeded) // the dependency is healthy; the request was wrong
		d.calls.WithLabelValues(outcomeError).Inc()
		return Permanent(err)
	default:
		done(CallFailed)
		d.calls.WithLabelValues(outcomeError).Inc()
	}
	return err
}

func (d *dependency) roundTrip(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.baseURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Drain what is left so that the connection can be reused.
	defer func() { _, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &statusError{dependency: d.name, code: resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}

// closeIdle closes the client's idle connections.
func (d *dependency) closeIdle() { d.client.CloseIdleConnections() }
