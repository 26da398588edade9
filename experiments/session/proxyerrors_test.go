package session_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// lockedBuffer is a log sink safe for the proxies' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestProxyErrorsAreLogged: a proxy whose upstream does not answer says
// so in the session's log (rate-limited by the proxy), not in the
// timeline, where the loads' errors already say it.
func TestProxyErrorsAreLogged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now
	proxy, err := inject.NewHTTPProxy("api", "127.0.0.1:0", "http://"+dead)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	exp := &experiments.Experiment{Name: "dead upstream", Interval: 100 * time.Millisecond,
		Targets: experiments.Targets{Proxies: []experiments.ProxyTarget{{Name: "api", Upstream: "http://" + dead}}}}
	var logs lockedBuffer
	sess, err := session.NewSession(exp, session.Env{Proxies: map[string]*inject.HTTPProxy{"api": proxy}},
		session.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sess.Run(ctx) }()
	addr := proxy.Addr()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(logs.String(), `"proxy error"`); {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Read(make([]byte, 512))
			c.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if l := logs.String(); !strings.Contains(l, `"proxy error"`) || !strings.Contains(l, `"op":"upstream"`) {
		t.Fatalf("no proxy error in the log:\n%s", l)
	}
	cancel()
	<-sess.Done()
	for _, e := range sess.Final().Timeline {
		if e.Kind == experiments.EventError && e.Subject == "api" {
			t.Errorf("an upstream error in the timeline: %+v", e)
		}
	}
}
