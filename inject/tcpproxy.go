package inject

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// TCPProxy is a TCP proxy put in the path between two components; faults
// act on the byte streams of the connections through it.
//
// Each connection is two pipes, upstream (client → server) and downstream
// (server → client); each pipe copies its source to its destination on
// one of two paths:
//
//	src ─┬─ fast: splice in bursts (Linux; io.Copy elsewhere) while no fault applies ─┬─► dst
//	     └─ slow: read ─► queue ─► blackhole ─► latency ─► slicing ─► pace ───────────┘
//	             (goroutine)       (hold: stop   (wait)     bandwidth, data-limit
//	                               reading; or drop)
//
// In the slow path a reset arms a timer that resets the whole connection,
// and a slow close holds the FIN.
//
// An idle connection holds its two sockets and two goroutines, no pipe
// and no buffer (see tcpproxy_splice_linux.go), so that a proxy serves
// about as many connections as half its file descriptors.
//
// A pipe takes the fast path while no fault applies to it. The active
// faults are an immutable set behind an atomic pointer, replaced as a
// whole when a fault starts, changes or stops. A replacement closes the old
// set's changed channel, which wakes the pipes in the slow path, and gives a
// read deadline in the past to each pipe in the fast path that a fault now
// applies to: the copy returns without losing a byte (the deadline stops
// only the next read from the source; what was read is written first) and
// the pipe continues in the slow path. When no fault applies any more, the
// slow path delivers what it holds, stops its reader the same way, and the
// pipe goes back to the fast path. Bytes are never reordered and only a
// dropping blackhole or a data limit drops them.
//
// When it cannot accept a connection (out of file descriptors, say), the
// proxy waits before it tries again, 5 ms doubling up to 1 s, while the
// open connections carry on; OnError hears of such errors.
//
// A FIN is passed on as a FIN (CloseWrite), so half-closed connections
// work; a connection reset by one side is reset on the other.
type TCPProxy struct {
	name     string
	addr     string
	upstream string
	ln       *net.TCPListener
	dialer   net.Dialer

	faults atomic.Pointer[tcpFaultSet] // never nil
	mu     sync.Mutex                  // serializes writers of faults; guards conns
	conns  map[*tcpConn]struct{}
	pipes  tcpPipes       // lent to the fast paths
	errs   *errorReporter // to OnError's hook

	ctx       context.Context // canceled by Close: ends dials in progress
	cancel    context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup // the accept loop and every connection's goroutines
}

// NewTCPProxy listens on listen (host:port; "" means 127.0.0.1 on a free
// port) and forwards every connection to upstream (host:port). It serves in
// the background until Close. A listen address in use is an error returned
// here, wrapped with the proxy's name and the address.
func NewTCPProxy(name, listen, upstream string) (*TCPProxy, error) {
	if name == "" {
		return nil, errors.New("inject: tcp proxy: empty name")
	}
	if _, _, err := net.SplitHostPort(upstream); err != nil {
		return nil, fmt.Errorf("inject: tcp proxy %q: upstream %q: want host:port: %w", name, upstream, err)
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("inject: tcp proxy %q: listen on %s: %w", name, listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &TCPProxy{
		name:     name,
		addr:     ln.Addr().String(),
		upstream: upstream,
		ln:       ln.(*net.TCPListener),
		dialer:   net.Dialer{Timeout: 5 * time.Second},
		conns:    make(map[*tcpConn]struct{}),
		errs:     newErrorReporter(name),
		ctx:      ctx,
		cancel:   cancel,
	}
	p.faults.Store(&tcpFaultSet{changed: make(chan struct{})})
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Name returns the name the proxy was made with.
func (p *TCPProxy) Name() string { return p.name }

// Addr returns the host:port actually listened on.
func (p *TCPProxy) Addr() string { return p.addr }

// Upstream returns the host:port connections are forwarded to.
func (p *TCPProxy) Upstream() string { return p.upstream }

// Conns returns the number of connections open now.
func (p *TCPProxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// OnError sets f to hear of the errors the proxy meets while serving,
// each a *ProxyError: a connection it could not accept (Op "accept", such
// as EMFILE when the process is out of file descriptors) and an upstream
// it could not dial (Op "dial"; the client is then reset). Errors of one
// kind are reported at most once a second, the others counted in the next
// report's Suppressed. f runs on a goroutine of the proxy's, one call at a
// time, never on the accept loop nor on a connection's: a slow f delays
// only later reports (folded into counts, not lost), and may still be
// running when Close returns. Set it before traffic; nil stops reports.
func (p *TCPProxy) OnError(f func(err error)) { p.errs.set(f) }

// Close stops listening and closes every connection, and returns once all
// of the proxy's goroutines have ended. It is idempotent.
func (p *TCPProxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.cancel()
		if e := p.ln.Close(); e != nil {
			err = fmt.Errorf("inject: tcp proxy %q: close: %w", p.name, e)
		}
		p.mu.Lock()
		conns := make([]*tcpConn, 0, len(p.conns))
		for c := range p.conns {
			conns = append(conns, c)
		}
		p.mu.Unlock()
		for _, c := range conns {
			c.close()
		}
		p.wg.Wait()
		p.pipes.release(true)
		p.errs.close()
	})
	return err
}

func (p *TCPProxy) isClosed() bool { return p.ctx.Err() != nil }

func (p *TCPProxy) serve() {
	defer p.wg.Done()
	var backoff time.Duration
	for {
		c, err := p.ln.AcceptTCP()
		if err != nil {
			if p.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors or the like: report it, and wait as
			// net/http does, while the open connections carry on.
			p.errs.report("accept", err)
			if isOutOfFiles(err) {
				p.pipes.release(false) // the idle pipes' descriptors may serve a connection
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-p.ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		p.wg.Add(1)
		go p.handle(c)
	}
}

// handle dials the upstream for client and runs the connection until both
// directions have ended.
func (p *TCPProxy) handle(client *net.TCPConn) {
	defer p.wg.Done()
	sc, err := p.dialer.DialContext(p.ctx, "tcp", p.upstream)
	if err != nil {
		if !p.isClosed() {
			p.errs.report("dial", err)
			if isOutOfFiles(err) {
				p.pipes.release(false)
			}
		}
		_ = client.SetLinger(0) // as a refused connection would: reset
		client.Close()
		return
	}
	c := newTCPConn(p, client, sc.(*net.TCPConn))
	if !p.add(c) {
		c.close()
		return
	}
	defer p.remove(c)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.down.run()
	}()
	c.up.run()
	c.wg.Wait()
	c.close()
}

func (p *TCPProxy) add(c *tcpConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isClosed() {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *TCPProxy) remove(c *tcpConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// setFault installs a as owner's entry in the fault set, replacing the one
// it had, or removes owner's entry when a is nil; then it wakes the pipes
// that must see the change.
func (p *TCPProxy) setFault(owner *TCPFaultInjector, a *tcpActive) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.faults.Load()
	list := withFault(old.list, func(f *tcpActive) bool { return f.owner == owner }, a)
	if len(list) == 0 && len(old.list) == 0 {
		return // nothing was on, nothing is
	}
	fs := &tcpFaultSet{list: list, changed: make(chan struct{})}
	p.faults.Store(fs)
	close(old.changed)
	for c := range p.conns {
		c.up.kick(fs)
		c.down.kick(fs)
	}
}

// tcpConn is one client connection and its upstream connection.
type tcpConn struct {
	proxy          *TCPProxy
	client, server *net.TCPConn
	seed           uint64 // draws whether each fault applies to this connection
	up, down       tcpPipe
	wg             sync.WaitGroup // the downstream pipe and the slow paths' readers
	once           sync.Once
	done           chan struct{} // closed by close
}

func newTCPConn(p *TCPProxy, client, server *net.TCPConn) *tcpConn {
	c := &tcpConn{proxy: p, client: client, server: server, seed: rand.Uint64(), done: make(chan struct{})}
	c.up = tcpPipe{conn: c, up: true, src: client, dst: server}
	c.down = tcpPipe{conn: c, up: false, src: server, dst: client}
	return c
}

// close closes both sockets, which ends every goroutine of the connection.
func (c *tcpConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.client.Close()
		c.server.Close()
	})
}

// reset closes both sockets with SO_LINGER 0, so that both peers get a RST.
func (c *tcpConn) reset() {
	c.once.Do(func() {
		close(c.done)
		_ = c.client.SetLinger(0)
		_ = c.server.SetLinger(0)
		c.client.Close()
		c.server.Close()
	})
}

func (c *tcpConn) isClosed() bool { return isClosed(c.done) }

// draws reports whether fault a applies to this connection: a stable draw
// per connection and per Start, so that a probability lowered and raised
// again by Update affects the same connections.
func (c *tcpConn) draws(a *tcpActive) bool {
	if a.prob >= 1 {
		return true
	}
	return mix01(c.seed^a.id*0x9e3779b97f4a7c15) < a.prob
}
