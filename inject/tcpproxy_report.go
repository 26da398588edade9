package inject

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ProxyError is an error that one of gameday's proxies met while serving
// (not a fault it injected), as its OnError hook hears of it: out of file
// descriptors when it accepts a connection, an upstream that cannot be
// reached. Errors of one kind (Op and errno) are reported at most once a
// second: the first at once, the others counted and reported with the last
// of them when the second has passed.
type ProxyError struct {
	Proxy      string // the proxy's name
	Op         string // what failed: "accept" a client, "dial" the upstream (tcp), "upstream" request (http)
	Err        error  // the last error of the kind
	Suppressed int    // more errors of the kind, since the previous report, not reported one by one
}

func (e *ProxyError) Error() string {
	s := fmt.Sprintf("proxy %q: %s: %v", e.Proxy, e.Op, e.Err)
	if e.Suppressed > 0 {
		s += fmt.Sprintf(" (and %d more like it in the last second)", e.Suppressed)
	}
	return s
}

func (e *ProxyError) Unwrap() error { return e.Err }

// Count is how many errors the report stands for: 1 + Suppressed.
func (e *ProxyError) Count() int { return 1 + e.Suppressed }

// errorReporter rate-limits a proxy's errors per kind and hands them to
// the hook on a goroutine of its own, so that neither the accept loop nor
// a connection ever waits for the hook. A report that finds the hook busy
// with earlier ones is folded into the next report of its kind.
//
//	report ─► per kind: first in the window? ─yes─► queue ─► hook goroutine ─► f
//	                          │ no                    ▲
//	                          └─► count ─► at the window's end ┘ (with the count)
type errorReporter struct {
	name  string
	every time.Duration // the window: at most one report per kind in it
	hook  atomic.Pointer[func(error)]

	mu      sync.Mutex
	kinds   map[string]*errorKind
	queue   chan *ProxyError
	started bool
	closed  bool
	done    chan struct{}
}

type errorKind struct {
	timer *time.Timer // the window open; nil when none is
	n     int         // errors in the window not reported yet
	last  error
}

func newErrorReporter(name string) *errorReporter {
	return &errorReporter{name: name, every: time.Second, kinds: map[string]*errorKind{},
		queue: make(chan *ProxyError, 16), done: make(chan struct{})}
}

func (r *errorReporter) set(f func(error)) {
	if f == nil {
		r.hook.Store(nil)
		return
	}
	r.hook.Store(&f)
}

// report counts err, of operation op, and reports it if it is the first of
// its kind in the window. It never blocks.
func (r *errorReporter) report(op string, err error) {
	if r.hook.Load() == nil {
		return
	}
	kind := op + " " + errKind(err)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	k := r.kinds[kind]
	if k == nil {
		k = &errorKind{}
		r.kinds[kind] = k
	}
	if k.timer != nil {
		k.n++
		k.last = err
		return
	}
	k.timer = time.AfterFunc(r.every, func() { r.flush(op, k) })
	r.send(&ProxyError{Proxy: r.name, Op: op, Err: err}, k)
}

// flush ends kind k's window: what it counted is reported and a new
// window opens, or, when nothing came, the next error is reported at once.
func (r *errorReporter) flush(op string, k *errorKind) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if k.n == 0 {
		k.timer = nil
		return
	}
	e := &ProxyError{Proxy: r.name, Op: op, Err: k.last, Suppressed: k.n - 1}
	k.n = 0
	k.timer.Reset(r.every)
	r.send(e, k)
}

// send queues e for the hook, or folds it back into k when the queue is
// full. Called with mu held.
func (r *errorReporter) send(e *ProxyError, k *errorKind) {
	if !r.started {
		r.started = true
		go r.deliver()
	}
	select {
	case r.queue <- e:
	default:
		k.n += e.Count()
		k.last = e.Err
	}
}

func (r *errorReporter) deliver() {
	for {
		select {
		case e := <-r.queue:
			if f := r.hook.Load(); f != nil {
				(*f)(e)
			}
		case <-r.done:
			return
		}
	}
}

// close stops the timers and the hook's goroutine; a report in the hook
// may still be running.
func (r *errorReporter) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	for _, k := range r.kinds {
		if k.timer != nil {
			k.timer.Stop()
		}
	}
	close(r.done)
}

// errKind names the kind of err: its errno, a timeout, or "other".
func errKind(err error) string {
	var errno syscall.Errno
	var ne net.Error
	switch {
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "other"
}

// isOutOfFiles reports whether err says the process or the system has
// no file descriptor left.
func isOutOfFiles(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
