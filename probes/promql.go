package probes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	"github.com/prometheus/common/model"
)

// Endpoints of the Prometheus HTTP API.
const (
	epQuery      = "/api/v1/query"
	epQueryRange = "/api/v1/query_range"
)

// PromQL runs an instant query against a Prometheus server each sample. The
// result must be a scalar or an instant vector of one element: an empty
// vector (or a NaN value, as 0/0 gives) is ErrNoData; a vector of more is an
// error that says how many and suggests aggregating them. Range fills in the
// history of the same query.
//
// The HTTP round trip is client_golang's api.Client; the envelope and the
// result ({"status", "data": {"resultType", "result"}}) are decoded here with
// prometheus/common/model, as api/prometheus/v1 would, which needs a module
// (json-iterator) that gameday does not have. Queries are POSTed as a form,
// with a fallback to GET where a server refuses POST (403, 405, 501), as v1
// does. A server URL's userinfo is sent as basic auth and never shown in
// error texts. PromQL is safe for concurrent use.
type PromQL struct {
	name, query string
	shown       string // the server's URL redacted
	timeout     time.Duration
	client      api.Client
}

var _ Probe = (*PromQL)(nil)

// NewPromQL returns a probe named name that evaluates query on the
// Prometheus server at server (http or https, with any path prefix), each
// call bounded by timeout (0 for DefaultProbeTimeout).
func NewPromQL(name, server, query string, timeout time.Duration) (*PromQL, error) {
	if err := checkPromQL(server, query, timeout); err != nil {
		return nil, fmt.Errorf("promql %s: %w", name, err)
	}
	client, err := api.NewClient(api.Config{Address: server})
	if err != nil {
		return nil, fmt.Errorf("promql %s: %w", name, urlErrorCause(err))
	}
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	return &PromQL{name: name, query: query, shown: redactURL(strings.TrimRight(server, "/")), timeout: timeout, client: client}, nil
}

func checkPromQL(server, query string, timeout time.Duration) error {
	if err := checkHTTPURL(server); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(query) == "":
		return errors.New("no query")
	case timeout < 0:
		return fmt.Errorf("timeout %v: want a duration >= 0 (0 for the default)", timeout)
	}
	return nil
}

// Name returns the probe's name.
func (p *PromQL) Name() string { return p.name }

// Sample evaluates the query at the server's current time.
func (p *PromQL) Sample(ctx context.Context) (float64, error) {
	ctx, cancel := withSampleTimeout(ctx, p.timeout)
	defer cancel()
	data, err := p.call(ctx, epQuery, url.Values{"query": {p.query}, "timeout": {seconds(p.timeout)}})
	if err != nil {
		return 0, err
	}
	switch data.ResultType {
	case model.ValScalar:
		var s model.Scalar
		if err := json.Unmarshal(data.Result, &s); err != nil {
			return 0, p.errorf("decoding a scalar: %w", err)
		}
		return p.value(float64(s.Value))
	case model.ValVector:
		var v model.Vector
		if err := json.Unmarshal(data.Result, &v); err != nil {
			return 0, p.errorf("decoding a vector: %w", err)
		}
		if err := p.oneSeries(len(v), func(i int) model.Metric { return v[i].Metric }); err != nil {
			return 0, err
		}
		if v[0].Histogram != nil {
			return 0, p.errorf(nativeHistogram)
		}
		return p.value(float64(v[0].Value))
	}
	return 0, p.errorf("the result is a %s, want a scalar or an instant vector", data.ResultType)
}

// Range evaluates the query over [start, end] at step, for a chart's
// history. The result must be one series, as for Sample; its NaN points are
// left out.
func (p *PromQL) Range(ctx context.Context, start, end time.Time, step time.Duration) ([]Point, error) {
	switch {
	case step <= 0:
		return nil, p.errorf("range step %v: want a duration > 0", step)
	case end.Before(start):
		return nil, p.errorf("range end %v is before its start %v", end, start)
	}
	ctx, cancel := withSampleTimeout(ctx, p.timeout)
	defer cancel()
	data, err := p.call(ctx, epQueryRange, url.Values{
		"query": {p.query}, "start": {unixSeconds(start)}, "end": {unixSeconds(end)},
		"step": {seconds(step)}, "timeout": {seconds(p.timeout)},
	})
	if err != nil {
		return nil, err
	}
	if data.ResultType != model.ValMatrix {
		return nil, p.errorf("the range result is a %s, want a matrix", data.ResultType)
	}
	var m model.Matrix
	if err := json.Unmarshal(data.Result, &m); err != nil {
		return nil, p.errorf("decoding a matrix: %w", err)
	}
	if err := p.oneSeries(len(m), func(i int) model.Metric { return m[i].Metric }); err != nil {
		return nil, err
	}
	if len(m[0].Values) == 0 && len(m[0].Histograms) > 0 {
		return nil, p.errorf(nativeHistogram)
	}
	pts := make([]Point, 0, len(m[0].Values))
	for _, sp := range m[0].Values {
		if v := float64(sp.Value); !math.IsNaN(v) {
			pts = append(pts, Point{T: sp.Timestamp.Time(), V: v})
		}
	}
	if len(pts) == 0 {
		return nil, p.errorf("every value in the range is NaN: %w", ErrNoData)
	}
	return pts, nil
}

// nativeHistogram is the error text of a result that is not a number.
const nativeHistogram = "the result is a native histogram, not a number: take a histogram_quantile() or histogram_count() of it"

// oneSeries checks that a result of n series, whose i-th has labels
// metric(i), holds exactly one.
func (p *PromQL) oneSeries(n int, metric func(i int) model.Metric) error {
	switch {
	case n == 0:
		return p.errorf("empty result: %w", ErrNoData)
	case n > 1:
		shown := make([]string, 0, 4)
		for i := range min(n, 3) {
			shown = append(shown, metric(i).String())
		}
		if n > 3 {
			shown = append(shown, "…")
		}
		return p.errorf("%d series, want one: aggregate them with sum(...) or max(...) (the series: %s)",
			n, strings.Join(shown, ", "))
	}
	return nil
}

func (p *PromQL) value(v float64) (float64, error) {
	if math.IsNaN(v) {
		return 0, p.errorf("the value is NaN: %w", ErrNoData)
	}
	return v, nil
}

// queryData is the data of a query's answer.
type queryData struct {
	ResultType model.ValueType `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// apiResponse is the envelope of every answer of the Prometheus HTTP API.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// call sends args to endpoint ep and returns the data of a successful
// answer; any other answer is an error that says what the server said.
func (p *PromQL) call(ctx context.Context, ep string, args url.Values) (queryData, error) {
	u := p.client.URL(ep, nil)
	form := args.Encode()
	resp, body, err := p.do(ctx, http.MethodPost, u.String(), form)
	if err == nil && (resp.StatusCode == http.StatusForbidden ||
		resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		u.RawQuery = form
		resp, body, err = p.do(ctx, http.MethodGet, u.String(), "")
	}
	if err != nil {
		if timedOut(ctx) {
			return queryData{}, p.errorf("no answer within %v: %w", p.timeout, urlErrorCause(err))
		}
		return queryData{}, p.errorf("%w", urlErrorCause(err))
	}
	var r apiResponse
	jsonErr := json.Unmarshal(body, &r)
	switch {
	case jsonErr == nil && r.Status == "error":
		return queryData{}, p.errorf("the server answered %s: %s: %s", resp.Status, r.ErrorType, r.Error)
	case resp.StatusCode/100 != 2:
		return queryData{}, p.errorf("the server answered %s: %q", resp.Status, excerpt(string(body), 200))
	case jsonErr != nil:
		return queryData{}, p.errorf("the server's answer is not the Prometheus API's JSON: %v (body %q)",
			jsonErr, excerpt(string(body), 200))
	case r.Status != "success":
		return queryData{}, p.errorf("the server's answer has status %q, want success", r.Status)
	}
	var d queryData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return queryData{}, p.errorf("the server's answer has no query result: %w", err)
	}
	return d, nil
}

func (p *PromQL) do(ctx context.Context, method, rawURL, form string) (*http.Response, []byte, error) {
	var req *http.Request
	var err error
	if method == http.MethodPost {
		req, err = http.NewRequestWithContext(ctx, method, rawURL, strings.NewReader(form))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, method, rawURL, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	return p.client.Do(ctx, req)
}

// errorf returns an error that names the probe, its query and the server.
func (p *PromQL) errorf(format string, a ...any) error {
	return fmt.Errorf("promql %s: query %q on %s: %w", p.name, p.query, p.shown, fmt.Errorf(format, a...))
}

// seconds formats d as the API's float seconds.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// unixSeconds formats t as the API's float Unix time.
func unixSeconds(t time.Time) string {
	return strconv.FormatFloat(float64(t.Unix())+float64(t.Nanosecond())/1e9, 'f', -1, 64)
}
