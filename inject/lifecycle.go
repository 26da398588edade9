package inject

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// proxyFault is the Start/Update/Stop of one fault on one of gameday's
// proxies, shared by HTTPFaultInjector and TCPFaultInjector: each passes
// its own hooks, which run with mu held.
type proxyFault struct {
	what string // "http fault on proxy \"x\"", for errors

	mu        sync.Mutex
	started   bool
	intensity float64
}

func newProxyFault(kind, proxy string) proxyFault {
	return proxyFault{what: fmt.Sprintf("%s fault on proxy %q", kind, proxy), intensity: 1}
}

// start validates the fault and, unless it is on already or the proxy is
// closed, calls on.
func (f *proxyFault) start(ctx context.Context, validate func() error, closed func() bool, on func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return fmt.Errorf("inject: %s: %w", f.what, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started {
		return nil
	}
	if closed() {
		return fmt.Errorf("inject: %s: the proxy is closed", f.what)
	}
	f.started = true
	on()
	return nil
}

// update sets the intensity and, while the fault is on, calls apply.
func (f *proxyFault) update(intensity float64, apply func()) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: %s: intensity %v is not within 0..1", f.what, intensity)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.intensity = intensity
	if f.started {
		apply()
	}
	return nil
}

// stop calls off once per start.
func (f *proxyFault) stop(off func()) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started {
		f.started = false
		off()
	}
	return nil
}

// withFault returns a copy of a proxy's fault list in which the entry that
// mine reports is a, in its place (appended when there was none), or is
// removed when a is nil.
func withFault[F any](list []*F, mine func(*F) bool, a *F) []*F {
	list = slices.Clone(list)
	i := slices.IndexFunc(list, mine)
	switch {
	case i >= 0 && a != nil:
		list[i] = a
	case i >= 0:
		list = slices.Delete(list, i, i+1)
	case a != nil:
		list = append(list, a)
	}
	return list
}

// reverting is what the injectors whose effect can outlive gameday share
// (CommandInjector, KillInjector, PauseInjector, ToxicInjector): the lock
// that serializes their calls, whether they are on, and the recorder of
// what to revert.
type reverting struct {
	mu      sync.Mutex
	rec     RevertRecorder
	started bool
}

// SetRecorder sets the recorder of what to revert (nil: none). Set it
// before Start.
func (x *reverting) SetRecorder(r RevertRecorder) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.rec = r
}

// stopOnce, if the injector is on, calls off with mu held and marks the
// injector off once off succeeds: Stop's once-per-Start, retried after a
// failure (the record of what to revert stays until then).
func (x *reverting) stopOnce(off func() error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.started {
		return nil
	}
	if err := off(); err != nil {
		return err
	}
	x.started = false
	return nil
}

// record records r under key, if there is a recorder. Called with mu held.
func (x *reverting) record(key string, r Revert) error {
	if x.rec == nil {
		return nil
	}
	return x.rec.Record(key, r)
}

// forget forgets key, if there is a recorder. Called with mu held.
func (x *reverting) forget(key string) error {
	if x.rec == nil {
		return nil
	}
	return x.rec.Forget(key)
}

// isClosed reports whether c is closed.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
