package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// proxiedService starts a service that answers 200 and a fault proxy
// named "svc" in front of it, both closed when the test ends.
func proxiedService(t *testing.T) *inject.HTTPProxy {
	t.Helper()
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(svc.Close)
	proxy, err := inject.NewHTTPProxy("svc", "127.0.0.1:0", svc.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	return proxy
}

// waitFor reads the session's snapshots until cond holds, and returns
// that snapshot.
func waitFor(t *testing.T, sess *session.Session, what string, timeout time.Duration, cond func(s *session.Snapshot) bool) session.Snapshot {
	t.Helper()
	deadline := time.After(timeout)
	var last session.Snapshot
	for {
		select {
		case s, ok := <-sess.Snapshots():
			if !ok {
				t.Fatalf("waiting for %s: the session ended", what)
			}
			last = s
			if cond(&s) {
				return s
			}
		case <-deadline:
			t.Fatalf("timed out after %v waiting for %s; last timeline: %v", timeout, what, last.Timeline)
		}
	}
}

// timedGet sends a GET to url and returns how long the answer took.
func timedGet(t *testing.T, url string) time.Duration {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	start := time.Now()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return time.Since(start)
}
