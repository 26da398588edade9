package inject_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// tcpServer is a loopback server written for the tests: handle serves each
// connection. Close ends the listener, every connection and every handler.
type tcpServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	once  sync.Once
}

func newTCPServer(t testing.TB, handle func(c *net.TCPConn)) *tcpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tcpServer{ln: ln, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					s.mu.Lock()
					delete(s.conns, c)
					s.mu.Unlock()
					c.Close()
				}()
				handle(c.(*net.TCPConn))
			}()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

func (s *tcpServer) Addr() string { return s.ln.Addr().String() }

func (s *tcpServer) Close() {
	s.once.Do(func() {
		s.ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
}

// tcpEcho writes back what it reads and passes the client's FIN on.
func tcpEcho(c *net.TCPConn) {
	buf := make([]byte, 32<<10)
	io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, buf)
	c.CloseWrite()
}

// tcpSource sends data, closes its write side, and waits for the client
// to close.
func tcpSource(data []byte) func(c *net.TCPConn) {
	return func(c *net.TCPConn) {
		if _, err := c.Write(data); err != nil {
			return
		}
		c.CloseWrite()
		io.Copy(io.Discard, c)
	}
}

// tcpSinkResult is what a sink received on one connection before the
// client's FIN (err nil) or a read error.
type tcpSinkResult struct {
	data []byte
	err  error
}

// tcpSink reads until the client's FIN, reports what it got, answers
// "got N" and closes.
func tcpSink(got chan<- tcpSinkResult) func(c *net.TCPConn) {
	return func(c *net.TCPConn) {
		data, err := io.ReadAll(c)
		got <- tcpSinkResult{data, err}
		if err == nil {
			fmt.Fprintf(c, "got %d", len(data))
		}
	}
}

func newTCPProxy(t testing.TB, upstream string) *inject.TCPProxy {
	t.Helper()
	p, err := inject.NewTCPProxy("tcp-test", "", upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func tcpDial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func startTCPFault(t testing.TB, p *inject.TCPProxy, f inject.TCPFault) *inject.TCPFaultInjector {
	t.Helper()
	return started(t, inject.NewTCPFault(p, f))
}

// tcpPattern returns n reproducible pseudo-random bytes.
func tcpPattern(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6761_6d65_6461_79))
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n]
}

// tcpExchange writes data on c in writes of up to size bytes, closes its
// write side, and returns what it read until EOF, read concurrently.
func tcpExchange(c *net.TCPConn, data []byte, size int) ([]byte, error) {
	werr := make(chan error, 1)
	go func() {
		for b := data; len(b) > 0; {
			n := min(len(b), size)
			if _, err := c.Write(b[:n]); err != nil {
				werr <- err
				return
			}
			b = b[n:]
		}
		werr <- c.CloseWrite()
	}()
	got, rerr := io.ReadAll(c)
	return got, errors.Join(rerr, <-werr)
}

// tcpSameBytes reports where got and want first differ, or "" if they are
// the same.
func tcpSameBytes(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at byte %d", len(got), len(want), i)
}

// tcpRoundTrip sends msg on an echo connection and returns how long the echo
// took.
func tcpRoundTrip(t testing.TB, c *net.TCPConn, msg []byte) time.Duration {
	t.Helper()
	got := make([]byte, len(msg))
	c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo %q, want %q", got, msg)
	}
	return took
}

// tcpMedianRoundTrip returns the median of n round trips.
func tcpMedianRoundTrip(t testing.TB, c *net.TCPConn, n int) time.Duration {
	t.Helper()
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = tcpRoundTrip(t, c, []byte(fmt.Sprintf("ping %03d\n", i)))
	}
	slices.Sort(d)
	return d[n/2]
}

// tcpWaitConns waits until p has n connections open.
func tcpWaitConns(t testing.TB, p *inject.TCPProxy, n int) {
	t.Helper()
	waitCount(t, "connections open", p.Conns, n)
}
