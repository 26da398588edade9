package probes_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// Secrets that no error text may show.
const (
	secretUser     = "opsuser"
	secretPassword = "s3cr3t-pw"
	secretToken    = "t0k3n"
)

// withSecrets returns base (http://127.0.0.1:PORT) with a user, a password
// and a token in its query, as a user may write it in an experiment file.
func withSecrets(base, path string) string {
	return strings.Replace(base, "http://", "http://"+secretUser+":"+secretPassword+"@", 1) +
		path + "?token=" + secretToken
}

// TestErrorsHideURLSecrets makes each probe fail in each way it reports a
// URL, with a URL that carries a password, and checks that the error never
// shows the user, the password or the token, while it still names the
// server.
func TestErrorsHideURLSecrets(t *testing.T) {
	closedBase := "http://" + closedAddr(t)

	var sawAuth atomic.Value // string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok {
			sawAuth.Store(u + ":" + p)
		}
		if strings.HasPrefix(r.URL.Path, "/api/v1/") {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
			return
		}
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()

	sample := func(p probes.Probe, err error) error {
		if err != nil {
			return err
		}
		_, err = p.Sample(context.Background())
		return err
	}
	httpProbe := func(url string) error {
		return sample(probes.NewHTTPProbe("p", probes.HTTPProbeConfig{URL: url, Timeout: 200 * time.Millisecond}))
	}
	scrape := func(url string) error { return sample(probes.NewScrape("p", url, "up", nil)) }
	promql := func(url string) error { return sample(probes.NewPromQL("p", url, "up", time.Second)) }
	newLoad := func(url string) error { _, err := probes.NewLoad(probes.LoadConfig{URL: url}); return err }

	tests := []struct {
		name  string
		err   error
		names string // the server, as the error should name it
	}{
		{"http, refused", httpProbe(withSecrets(closedBase, "/health")), closedBase + "/health?…"},
		{"http, status", httpProbe(withSecrets(srv.URL, "/health")), srv.URL + "/health?…"},
		{"http, timeout", httpProbe(withSecrets(srv.URL, "/slow")), srv.URL + "/slow?…"},
		{"scrape, refused", scrape(withSecrets(closedBase, "/metrics")), closedBase + "/metrics?…"},
		{"scrape, status", scrape(withSecrets(srv.URL, "/metrics")), srv.URL + "/metrics?…"},
		{"promql, refused", promql(withSecrets(closedBase, "")), closedBase + "?…"},
		{"promql, bad query", promql(withSecrets(srv.URL, "")), srv.URL + "?…"},
		{"load, bad port", newLoad(withSecrets("http://127.0.0.1:port", "/")), "http://127.0.0.1:port/?…"},
		{"http, not http", httpProbe(withSecrets("ftp://127.0.0.1", "/")), "ftp://127.0.0.1/?…"},
		{"scrape, bad escape", scrape(withSecrets("http://127.0.0.1:1", "/%zz")), "http://127.0.0.1:1/%zz?…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			msg := tt.err.Error()
			t.Log(msg)
			for _, secret := range []string{secretUser, secretPassword, secretToken} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q shows %q", msg, secret)
				}
			}
			if !strings.Contains(msg, tt.names) {
				t.Errorf("error %q does not name %s", msg, tt.names)
			}
		})
	}
	if got, _ := sawAuth.Load().(string); got != secretUser+":"+secretPassword {
		t.Errorf("the server saw basic auth %q; want the URL's userinfo sent", got)
	}
}

// TestCommandErrorsHideArgs: a command's arguments and environment may
// hold secrets; its errors name the program only.
func TestCommandErrorsHideArgs(t *testing.T) {
	for _, cfg := range []probes.CommandProbeConfig{
		{Argv: []string{"sh", "-c", "exit 2", "--password=" + secretPassword}},
		{Argv: []string{"exit 2 # " + secretPassword}, Shell: true, Env: []string{"PW=" + secretToken}},
		{Argv: []string{"sleep 30 # " + secretPassword}, Shell: true, Timeout: 100 * time.Millisecond},
	} {
		p, err := probes.NewCommandProbe("p", cfg)
		if err == nil {
			_, err = p.Sample(context.Background())
		}
		if err == nil {
			t.Errorf("%v: no error", cfg.Argv[0])
			continue
		}
		if msg := err.Error(); strings.Contains(msg, secretPassword) || strings.Contains(msg, secretToken) {
			t.Errorf("error %q shows a secret", msg)
		}
	}
}
