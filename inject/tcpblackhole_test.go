package inject_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// tcpNothingFor checks that nothing arrives on c for d.
func tcpNothingFor(t *testing.T, c *net.TCPConn, d time.Duration, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	if n, err := c.Read(make([]byte, 64)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: read %d bytes, %v; want nothing", what, n, err)
	}
}

// tcpReadExactly reads len(want) bytes from c and compares them to want.
func tcpReadExactly(t *testing.T, c *net.TCPConn, want []byte, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	got := make([]byte, len(want))
	n, err := io.ReadFull(c, got)
	if d := tcpSameBytes(got[:n], want); d != "" || err != nil {
		t.Fatalf("%s: %s, %v", what, d, err)
	}
}

// TestTCPBlackholeHoldsInOrder writes many small pieces into a blackhole
// on a connection that was on the fast path; after the halt they all come
// back from the echo server, in order, and the connection carries on.
func TestTCPBlackholeHoldsInOrder(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	tcpRoundTrip(t, c, []byte("fast path first"))
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole})
	data := tcpPattern(11, 200*97)
	for b := data; len(b) > 0; b = b[97:] {
		if _, err := c.Write(b[:97]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond / 2)
	}
	tcpNothingFor(t, c, 200*time.Millisecond, "during the blackhole")
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	tcpReadExactly(t, c, data, "after the halt")
	tcpRoundTrip(t, c, []byte("and then as before"))
}

// TestTCPBlackholeDirection: a blackhole holds only its direction; what it
// held flows at the halt.
func TestTCPBlackholeDirection(t *testing.T) {
	for _, dir := range []inject.Direction{inject.Upstream, inject.Downstream, inject.Both} {
		t.Run(string(dir), func(t *testing.T) {
			got := make(chan []byte, 4)
			srv := newTCPServer(t, func(c *net.TCPConn) {
				// Greets at once, then echoes, telling the test what it read.
				c.Write([]byte("hi"))
				buf := make([]byte, 64)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						got <- append([]byte(nil), buf[:n]...)
						c.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			})
			p := newTCPProxy(t, srv.Addr())
			h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole, Direction: dir})
			c := tcpDial(t, p.Addr())
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			switch dir {
			case inject.Upstream: // the greeting comes, the ping waits
				tcpReadExactly(t, c, []byte("hi"), "greeting")
				select {
				case b := <-got:
					t.Fatalf("the server got %q through an upstream blackhole", b)
				case <-time.After(200 * time.Millisecond):
				}
			case inject.Downstream: // the ping arrives, nothing comes back
				select {
				case <-got:
				case <-time.After(10 * time.Second):
					t.Fatal("the ping did not reach the server")
				}
				tcpNothingFor(t, c, 200*time.Millisecond, "downstream blackhole")
			case inject.Both:
				tcpNothingFor(t, c, 200*time.Millisecond, "blackhole both ways")
			}
			if err := h.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := "hiping"
			if dir == inject.Upstream {
				want = "ping"
			}
			tcpReadExactly(t, c, []byte(want), "after the halt")
			tcpRoundTrip(t, c, []byte("same connection"))
		})
	}
}

// TestTCPBlackholeBackpressure writes far more into a blackhole than
// kernel buffers take: the writer blocks (the proxy stopped reading, it
// does not buffer), and after the halt every byte arrives, in order.
func TestTCPBlackholeBackpressure(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole, Direction: inject.Upstream})
	data := tcpPattern(12, 24<<20)
	var written atomic.Int64
	werr := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(60 * time.Second))
		for b := data; len(b) > 0; {
			n, err := c.Write(b[:min(len(b), 64<<10)])
			written.Add(int64(n))
			if err != nil {
				werr <- err
				return
			}
			b = b[n:]
		}
		werr <- nil
	}()
	// Wait until the writer is stuck: no progress for 300 ms.
	var last int64 = -1
	for w := written.Load(); w != last; w = written.Load() {
		last = w
		time.Sleep(300 * time.Millisecond)
	}
	if last >= int64(len(data)) {
		t.Fatalf("the whole %d MiB went into the blackhole: it read and buffered them", len(data)>>20)
	}
	t.Logf("the writer blocked after %.1f MiB of %d (the kernel's buffers)", float64(last)/(1<<20), len(data)>>20)
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	tcpReadExactly(t, c, data, "after the halt")
	if err := <-werr; err != nil {
		t.Fatal("writer:", err)
	}
	tcpRoundTrip(t, c, []byte("after"))
}

// TestTCPBlackholeAfterSlowPath starts a blackhole while data waits in
// the slow path (under latency): the data read before the blackhole goes
// first, then what was sent during it, in order.
func TestTCPBlackholeAfterSlowPath(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPLatency, Direction: inject.Upstream, Latency: 300 * time.Millisecond})
	tcpRoundTrip(t, c, []byte("slow path")) // the connection is in the slow path now
	c.Write([]byte("read-before;"))
	time.Sleep(50 * time.Millisecond) // read by the proxy, waiting out its latency
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole, Direction: inject.Upstream})
	c.Write([]byte("sent-during;"))
	tcpNothingFor(t, c, 500*time.Millisecond, "blackhole on latency")
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	tcpReadExactly(t, c, []byte("read-before;sent-during;"), "after the halt")
}

// TestTCPBlackholeFIN: a FIN sent into a blackhole is held, then passed on
// after the data.
func TestTCPBlackholeFIN(t *testing.T) {
	got := make(chan tcpSinkResult, 1)
	srv := newTCPServer(t, tcpSink(got))
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole})
	c.Write([]byte("last words"))
	c.CloseWrite()
	select {
	case r := <-got:
		t.Fatalf("the server saw the end through a blackhole: %q, %v", r.data, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.err != nil || string(r.data) != "last words" {
			t.Fatalf("the server got %q, %v", r.data, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server never saw the end")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := io.ReadAll(c); err != nil || string(b) != "got 10" {
		t.Fatalf("answer %q, %v", b, err)
	}
}

// TestTCPBlackholeDrop: with Drop, what is sent during the blackhole is
// gone; what comes after flows on the same connection.
func TestTCPBlackholeDrop(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	tcpRoundTrip(t, c, []byte("before"))
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole, Drop: true})
	c.Write([]byte("lost"))
	tcpNothingFor(t, c, 300*time.Millisecond, "dropping blackhole")
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	tcpRoundTrip(t, c, []byte("after"))
}

// TestTCPBlackholeIntensity: the blackhole's intensity is its probability
// per connection; at 0 it lets go of what it held, at 1 it holds again.
func TestTCPBlackholeIntensity(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole})
	c.Write([]byte("one"))
	tcpNothingFor(t, c, 200*time.Millisecond, "at 1")
	update(t, h, 0)
	tcpReadExactly(t, c, []byte("one"), "at 0")
	update(t, h, 1)
	c.Write([]byte("two"))
	tcpNothingFor(t, c, 200*time.Millisecond, "at 1 again")
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	tcpReadExactly(t, c, []byte("two"), "after the halt")
}
