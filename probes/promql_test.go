package probes_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// promAnswer is what the fake Prometheus answers to a query.
type promAnswer struct {
	status int
	body   string
}

// Answers in the shapes of the Prometheus HTTP API (2.x), by query.
var (
	instantAnswers = map[string]promAnswer{
		"scalar(up)": {200, `{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"42.5"]}}`},
		"sum(up)": {200, `{"status":"success","data":{"resultType":"vector","result":[` +
			`{"metric":{},"value":[1700000000.5,"7"]}]},"warnings":["query may be partial"],"infos":["an info"]}`},
		`up{job="none"}`: {200, `{"status":"success","data":{"resultType":"vector","result":[]}}`},
		"up": {200, `{"status":"success","data":{"resultType":"vector","result":[` +
			`{"metric":{"__name__":"up","instance":"a:9100","job":"node"},"value":[1700000000.5,"1"]},` +
			`{"metric":{"__name__":"up","instance":"b:9100","job":"node"},"value":[1700000000.5,"1"]},` +
			`{"metric":{"__name__":"up","instance":"c:9100","job":"node"},"value":[1700000000.5,"0"]}]}}`},
		"up[1m]": {200, `{"status":"success","data":{"resultType":"matrix","result":[` +
			`{"metric":{"__name__":"up"},"values":[[1700000000,"1"],[1700000015,"1"]]}]}}`},
		"0/0": {200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.5,"NaN"]}]}}`},
		"latency_histogram": {200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},` +
			`"histogram":[1700000000.5,{"count":"3","sum":"1.5","buckets":[[0,"0.25","0.5","3"]]}]}]}}`},
		"up +":     {400, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"}`},
		"overload": {503, "too many queries in flight\n"},
		"not json": {200, "<html>a login page</html>"},
	}
	rangeAnswers = map[string]promAnswer{
		"sum(up)": {200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":` +
			`[[1700000000,"3"],[1700000015,"NaN"],[1700000030,"2.5"],[1700000045,"3"]]}]}}`},
		"up": {200, `{"status":"success","data":{"resultType":"matrix","result":[` +
			`{"metric":{"instance":"a"},"values":[[1700000000,"1"]]},` +
			`{"metric":{"instance":"b"},"values":[[1700000000,"1"]]}]}}`},
		`up{job="none"}`: {200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`},
		"up +":           {400, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}`},
	}
)

// fakeProm answers /prom/api/v1/query and /prom/api/v1/query_range (a path
// prefix, as behind a reverse proxy) from the tables above, and remembers
// each request's method and form.
type fakeProm struct {
	*httptest.Server
	refusePost bool // answer POST with 405, as some proxies do

	mu       sync.Mutex
	methods  []string
	forms    []url.Values
	userPass string // from basic auth, "user:password"
}

func newFakeProm(t *testing.T) *fakeProm {
	t.Helper()
	f := &fakeProm{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeProm) serve(w http.ResponseWriter, r *http.Request) {
	if f.refusePost && r.Method == http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	r.ParseForm()
	f.mu.Lock()
	f.methods = append(f.methods, r.Method)
	f.forms = append(f.forms, r.Form)
	if u, p, ok := r.BasicAuth(); ok {
		f.userPass = u + ":" + p
	}
	f.mu.Unlock()
	answers := map[string]map[string]promAnswer{
		"/prom/api/v1/query": instantAnswers, "/prom/api/v1/query_range": rangeAnswers,
	}[r.URL.Path]
	a, ok := answers[r.Form.Get("query")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if strings.HasPrefix(a.body, "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.status)
	w.Write([]byte(a.body))
}

func (f *fakeProm) last() (string, url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.methods[len(f.methods)-1], f.forms[len(f.forms)-1]
}

func newPromQL(t *testing.T, server, query string) *probes.PromQL {
	t.Helper()
	p, err := probes.NewPromQL("q", server, query, 0)
	if err != nil {
		t.Fatalf("NewPromQL: %v", err)
	}
	return p
}

func TestPromQLSample(t *testing.T) {
	srv := newFakeProm(t)
	tests := []struct {
		query  string
		want   float64
		noData bool     // the error is ErrNoData
		errs   []string // in the error
	}{
		{query: "scalar(up)", want: 42.5},
		{query: "sum(up)", want: 7},
		{query: `up{job="none"}`, noData: true, errs: []string{"empty result"}},
		{query: "0/0", noData: true, errs: []string{"NaN"}},
		{query: "up", errs: []string{"3 series, want one", "sum(...) or max(...)", `instance="a:9100"`}},
		{query: "up[1m]", errs: []string{"matrix", "want a scalar or an instant vector"}},
		{query: "latency_histogram", errs: []string{"native histogram"}},
		{query: "up +", errs: []string{"400 Bad Request", "bad_data", "parse error: unexpected end of input"}},
		{query: "overload", errs: []string{"503 Service Unavailable", "too many queries in flight"}},
		{query: "not json", errs: []string{"not the Prometheus API's JSON", "a login page"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := newPromQL(t, srv.URL+"/prom/", tt.query)
			v, err := p.Sample(context.Background())
			if method, form := srv.last(); method != http.MethodPost || form.Get("query") != tt.query || form.Get("timeout") != "5" {
				t.Errorf("the server got %s %v; want a POST of the query with timeout 5", method, form)
			}
			if len(tt.errs) == 0 {
				if err != nil || v != tt.want {
					t.Errorf("Sample = %v, %v; want %v", v, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Sample = %v, want an error", v)
			}
			if errors.Is(err, probes.ErrNoData) != tt.noData {
				t.Errorf("error %q: ErrNoData %v, want %v", err, !tt.noData, tt.noData)
			}
			for _, sub := range append(tt.errs, "promql q", srv.URL+"/prom", strconv.Quote(tt.query)) {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not mention %q", err, sub)
				}
			}
		})
	}
}

func TestPromQLRange(t *testing.T) {
	srv := newFakeProm(t)
	start := time.Unix(1700000000, 0)
	end := start.Add(45 * time.Second)

	pts, err := newPromQL(t, srv.URL+"/prom", "sum(up)").Range(context.Background(), start, end, 15*time.Second)
	if err != nil {
		t.Fatalf("Range: %v", err)
	}
	_, form := srv.last()
	if form.Get("start") != "1700000000" || form.Get("end") != "1700000045" || form.Get("step") != "15" {
		t.Errorf("the server got start %q, end %q, step %q; want 1700000000, 1700000045, 15",
			form.Get("start"), form.Get("end"), form.Get("step"))
	}
	want := []probes.Point{{T: start, V: 3}, {T: start.Add(30 * time.Second), V: 2.5}, {T: end, V: 3}}
	if len(pts) != len(want) {
		t.Fatalf("Range = %v, want %v (the NaN left out)", pts, want)
	}
	for i := range want {
		if !pts[i].T.Equal(want[i].T) || pts[i].V != want[i].V {
			t.Errorf("point %d = %v, want %v", i, pts[i], want[i])
		}
	}

	tests := []struct {
		query  string
		noData bool
		errs   []string
	}{
		{"up", false, []string{"2 series, want one", "sum(...)"}},
		{`up{job="none"}`, true, []string{"empty result"}},
		{"up +", false, []string{"bad_data", "parse error"}},
	}
	for _, tt := range tests {
		_, err := newPromQL(t, srv.URL+"/prom", tt.query).Range(context.Background(), start, end, 15*time.Second)
		if err == nil || errors.Is(err, probes.ErrNoData) != tt.noData {
			t.Errorf("Range(%s) error %v, want ErrNoData %v", tt.query, err, tt.noData)
			continue
		}
		for _, sub := range tt.errs {
			if !strings.Contains(err.Error(), sub) {
				t.Errorf("Range(%s) error %q does not mention %q", tt.query, err, sub)
			}
		}
	}

	p := newPromQL(t, srv.URL+"/prom", "sum(up)")
	if _, err := p.Range(context.Background(), start, end, 0); err == nil {
		t.Error("Range with a zero step: no error")
	}
	if _, err := p.Range(context.Background(), end, start, time.Second); err == nil {
		t.Error("Range with end before start: no error")
	}
}

// TestPromQLGetFallback: a server that refuses POST gets a GET.
func TestPromQLGetFallback(t *testing.T) {
	srv := newFakeProm(t)
	srv.refusePost = true
	v, err := newPromQL(t, srv.URL+"/prom", "sum(up)").Sample(context.Background())
	if err != nil || v != 7 {
		t.Fatalf("Sample = %v, %v; want 7", v, err)
	}
	if method, form := srv.last(); method != http.MethodGet || form.Get("query") != "sum(up)" {
		t.Errorf("the server got %s %v, want a GET of the query", method, form)
	}
}

func TestPromQLTimeout(t *testing.T) {
	srv := hangingServer(t)
	p, err := probes.NewPromQL("q", srv.URL, "up", 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Sample(context.Background())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "within 100ms") {
		t.Errorf("Sample error %v, want a deadline error after 100ms", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Sample took %v with a 100ms timeout", took)
	}
}

func TestNewPromQL(t *testing.T) {
	tests := []struct {
		server, query string
		timeout       time.Duration
		want          string
	}{
		{"", "up", 0, "no URL"},
		{"localhost:9090", "up", 0, "http or https"},
		{"http://127.0.0.1:9090", " ", 0, "no query"},
		{"http://127.0.0.1:9090", "up", -time.Second, "timeout"},
	}
	for _, tt := range tests {
		_, err := probes.NewPromQL("q", tt.server, tt.query, tt.timeout)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewPromQL(%q, %q, %v) error %v, want one that mentions %q", tt.server, tt.query, tt.timeout, err, tt.want)
		}
	}
	p, err := probes.NewPromQL("q", "https://prom.example/prefix", "up", 0)
	if err != nil || p.Name() != "q" {
		t.Errorf("NewPromQL = %v, %v", p, err)
	}
}
