package inject_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

func TestTCPPassThrough(t *testing.T) {
	data := tcpPattern(1, 1<<20)
	got := make(chan tcpSinkResult, 1)
	tests := []struct {
		name    string
		handle  func(*net.TCPConn)
		send    []byte // written by the client, then its FIN
		receive string // "" means data
	}{
		{"echo both ways", tcpEcho, data, ""},
		{"downstream", tcpSource(data), nil, ""},
		{"upstream", tcpSink(got), data, "got 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTCPServer(t, tt.handle)
			p := newTCPProxy(t, srv.Addr())
			if p.Name() != "tcp-test" || p.Upstream() != srv.Addr() || !strings.HasPrefix(p.Addr(), "127.0.0.1:") {
				t.Fatalf("Name %q Upstream %q Addr %q", p.Name(), p.Upstream(), p.Addr())
			}
			c := tcpDial(t, p.Addr())
			tcpWaitConns(t, p, 1)
			b, err := tcpExchange(c, tt.send, 16<<10)
			if err != nil {
				t.Fatal(err)
			}
			want := data
			if tt.receive != "" {
				want = []byte(tt.receive)
				if r := <-got; r.err != nil || tcpSameBytes(r.data, data) != "" {
					t.Errorf("server got: %s, %v", tcpSameBytes(r.data, data), r.err)
				}
			}
			if d := tcpSameBytes(b, want); d != "" {
				t.Error("client got:", d)
			}
			c.Close()
			tcpWaitConns(t, p, 0)
		})
	}
}

// TestTCPHalfClose sends a request, closes the write side, and reads the
// answer to the end: each FIN must cross the proxy, on the fast path and
// on the slow one.
func TestTCPHalfClose(t *testing.T) {
	got := make(chan tcpSinkResult, 1)
	srv := newTCPServer(t, tcpSink(got))
	p := newTCPProxy(t, srv.Addr())
	tests := []struct {
		name  string
		fault *inject.TCPFault
	}{
		{"no fault", nil},
		{"latency both ways", &inject.TCPFault{Kind: inject.TCPLatency, Direction: inject.Both, Latency: 5 * time.Millisecond}},
		{"slicing", &inject.TCPFault{Kind: inject.TCPSlicing, Direction: inject.Both, SliceSize: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				h := startTCPFault(t, p, *tt.fault)
				defer h.Stop(context.Background())
			}
			c := tcpDial(t, p.Addr())
			c.SetDeadline(time.Now().Add(10 * time.Second))
			req := []byte("GET /stock/42\n")
			answer, err := tcpExchange(c, req, 4)
			if err != nil {
				t.Fatal(err)
			}
			if r := <-got; r.err != nil || string(r.data) != string(req) {
				t.Errorf("server got %q, %v", r.data, r.err)
			}
			if string(answer) != "got 14" {
				t.Errorf("client got %q", answer)
			}
		})
	}
}

func TestTCPManyConns(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	const n = 64
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			data := tcpPattern(uint64(100+i), 256<<10)
			got, err := tcpExchange(c.(*net.TCPConn), data, 8<<10)
			if d := tcpSameBytes(got, data); err != nil || d != "" {
				errs <- errors.Join(err, errors.New(d))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tcpWaitConns(t, p, 0)
}

func TestTCPProxyErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	tests := []struct {
		name, proxy, listen, upstream string
		want                          []string // in the error
	}{
		{"port in use", "payments", addr, "127.0.0.1:9", []string{`"payments"`, addr}},
		{"empty name", "", "", "127.0.0.1:9", []string{"empty name"}},
		{"upstream without port", "payments", "", "127.0.0.1", []string{"host:port"}},
		{"no upstream", "payments", "", "", []string{"upstream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := inject.NewTCPProxy(tt.proxy, tt.listen, tt.upstream)
			if err == nil {
				p.Close()
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestTCPUpstreamDown: a client of a proxy whose upstream refuses
// connections is reset, as it would be by the upstream itself.
func TestTCPUpstreamDown(t *testing.T) {
	p := newTCPProxy(t, freeAddr(t))
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err == nil { // else reset before connect returned
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = c.Read(make([]byte, 1))
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("%v, want ECONNRESET", err)
	}
}

func TestTCPProxyClose(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	fast := tcpDial(t, p.Addr())
	tcpRoundTrip(t, fast, []byte("hello"))
	slow := tcpDial(t, p.Addr())
	startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole})
	slow.Write([]byte("held"))
	tcpWaitConns(t, p, 2)

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := p.Conns(); n != 0 {
		t.Errorf("%d connections after Close", n)
	}
	for _, c := range []*net.TCPConn{fast, slow} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadAll(c); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Error("connection still open after Close")
		}
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("the proxy still accepts after Close")
	}
	h := inject.NewTCPFault(p, inject.TCPFault{Kind: inject.TCPLatency, Latency: time.Millisecond})
	if err := h.Start(context.Background()); err == nil {
		t.Error("Start on a closed proxy: no error")
	}
}

// TestTCPNoGoroutineLeak closes a proxy with connections on both paths and
// in every wait, and counts goroutines before and after.
func TestTCPNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := newTCPServer(t, tcpEcho)
	p, err := inject.NewTCPProxy("leak", "", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	dial := func() *net.TCPConn {
		c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		return c.(*net.TCPConn)
	}
	for range 4 {
		tcpRoundTrip(t, dial(), []byte("fast"))
	}
	faults := []inject.TCPFault{
		{Kind: inject.TCPLatency, Direction: inject.Both, Latency: time.Hour},
		{Kind: inject.TCPBandwidth, Rate: 1},
		{Kind: inject.TCPSlowClose, Delay: time.Hour},
		{Kind: inject.TCPReset, Delay: time.Hour},
	}
	var hs []*inject.TCPFaultInjector
	for _, f := range faults {
		h := inject.NewTCPFault(p, f)
		if err := h.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	for range 4 {
		c := dial()
		c.Write(tcpPattern(7, 64<<10))
	}
	tcpWaitConns(t, p, 8)
	time.Sleep(50 * time.Millisecond) // let them reach their waits
	p.Close()
	for _, h := range hs {
		h.Stop(context.Background())
	}
	for _, c := range conns {
		c.Close()
	}
	srv.Close()

	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before+2 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
