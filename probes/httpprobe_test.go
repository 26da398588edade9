package probes_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// statusServer answers every request with status and body.
func statusServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPProbeChecks(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		cfg     probes.HTTPProbeConfig // URL filled in
		wantErr []string               // substrings of the error; none: no error
	}{
		{"200", 200, "ok", probes.HTTPProbeConfig{}, nil},
		{"204", 204, "", probes.HTTPProbeConfig{}, nil},
		{"503", 503, "down", probes.HTTPProbeConfig{}, []string{"503 Service Unavailable", "want 2xx"}},
		{"404 not expected", 404, "", probes.HTTPProbeConfig{}, []string{"404", "want 2xx"}},
		{"404 expected", 404, "", probes.HTTPProbeConfig{ExpectStatus: []int{404}}, nil},
		{"200 not in the list", 200, "", probes.HTTPProbeConfig{ExpectStatus: []int{201, 202}},
			[]string{"200 OK", "want one of 201, 202"}},
		{"body contains", 200, `{"status":"all ok"}`, probes.HTTPProbeConfig{ExpectBody: "all ok"}, nil},
		{"body lacks", 200, `{"status":"degraded"}`, probes.HTTPProbeConfig{ExpectBody: "all ok"},
			[]string{"does not contain", `all ok`, "degraded"}},
		{"status checked before body", 500, "all ok", probes.HTTPProbeConfig{ExpectBody: "all ok"},
			[]string{"500", "want 2xx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statusServer(t, tt.status, tt.body)
			cfg := tt.cfg
			cfg.URL = srv.URL + "/health"
			p, err := probes.NewHTTPProbe("web", cfg)
			if err != nil {
				t.Fatalf("NewHTTPProbe: %v", err)
			}
			v, err := p.Sample(context.Background())
			if len(tt.wantErr) == 0 {
				if err != nil || v <= 0 {
					t.Errorf("Sample = %v ms, %v; want a latency and no error", v, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Sample = %v ms, want an error", v)
			}
			for _, sub := range append(tt.wantErr, "http probe web", "GET", srv.URL+"/health") {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not mention %q", err, sub)
				}
			}
		})
	}
}

// TestHTTPProbeRequest: method, headers (Host included) and body reach the
// server as configured, on every sample.
func TestHTTPProbeRequest(t *testing.T) {
	type seen struct{ method, host, token, body string }
	got := make(chan seen, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Host, r.Header.Get("X-Token"), string(b)}
	}))
	defer srv.Close()
	header := http.Header{"X-Token": {"t1"}, "Host": {"shop.example"}}
	p, err := probes.NewHTTPProbe("order", probes.HTTPProbeConfig{
		URL: srv.URL + "/checkout", Method: http.MethodPost, Header: header, Body: []byte(`{"sku":1}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	header.Set("X-Token", "changed") // the probe keeps its own copy
	want := seen{"POST", "shop.example", "t1", `{"sku":1}`}
	for i := range 2 {
		if _, err := p.Sample(context.Background()); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if s := <-got; s != want {
			t.Errorf("sample %d: server saw %+v, want %+v", i, s, want)
		}
	}
}

// TestHTTPProbeTimeout: a server that does not answer in time; the sample
// ends at the probe's timeout with an error that says so.
func TestHTTPProbeTimeout(t *testing.T) {
	srv := hangingServer(t)
	p, err := probes.NewHTTPProbe("slow", probes.HTTPProbeConfig{URL: srv.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Sample(context.Background())
	took := time.Since(start)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "within 100ms") {
		t.Errorf("Sample error %v, want a deadline error that names the 100ms timeout", err)
	}
	if took < 100*time.Millisecond || took > 10*time.Second {
		t.Errorf("Sample took %v with a 100ms timeout", took)
	}

	// The caller's context is honoured too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Sample(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sample with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestHTTPProbeRefused(t *testing.T) {
	p, err := probes.NewHTTPProbe("gone", probes.HTTPProbeConfig{URL: "http://" + closedAddr(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Sample(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Sample error %v, want connection refused", err)
	}
}

func TestNewHTTPProbe(t *testing.T) {
	tests := []struct {
		name string
		cfg  probes.HTTPProbeConfig
		want string // in the error; "" for none
	}{
		{"minimal", probes.HTTPProbeConfig{URL: "http://127.0.0.1:8080/"}, ""},
		{"no URL", probes.HTTPProbeConfig{}, "no URL"},
		{"not http", probes.HTTPProbeConfig{URL: "ftp://127.0.0.1/"}, "http or https"},
		{"no host", probes.HTTPProbeConfig{URL: "http:///x"}, "no host"},
		{"negative timeout", probes.HTTPProbeConfig{URL: "http://127.0.0.1/", Timeout: -1}, "timeout"},
		{"bad status", probes.HTTPProbeConfig{URL: "http://127.0.0.1/", ExpectStatus: []int{42}}, "status 42"},
		{"bad method", probes.HTTPProbeConfig{URL: "http://127.0.0.1/", Method: "GET ME"}, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := probes.NewHTTPProbe("web", tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("NewHTTPProbe: %v", err)
			case tt.want == "":
				if p.Name() != "web" {
					t.Errorf("Name() = %q", p.Name())
				}
			case err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "http probe web"):
				t.Errorf("NewHTTPProbe error %v, want one that names the probe and mentions %q", err, tt.want)
			}
		})
	}
}
