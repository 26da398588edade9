package inject

import (
	"context"
	"sync"
)

// Injector is one fault that can be switched on, modulated and switched off.
//
// Start switches the fault on; calling it again while on does nothing.
// Update sets the intensity, from 0 (no effect) to 1 (the full fault); an
// Update before Start sets the intensity the fault starts with (1 unless
// told otherwise). Stop switches the fault off. After a Stop that
// succeeded, another Stop does nothing and returns nil; after one that
// failed, another Stop tries again (a revert command runs again, a toxic
// is deleted again), so the operator can retry a halt.
//
// Every call honours ctx: the session cancels an in-flight Start when the
// block is halted, and bounds every call by a timeout. A call that cannot
// stop its work at once (a request already sent) returns when ctx ends
// and leaves what is left to Stop.
type Injector interface {
	Start(ctx context.Context) error
	Update(ctx context.Context, intensity float64) error // 0..1; 0 means no effect, 1 the full fault
	Stop(ctx context.Context) error
}

var (
	_ Injector = (*Func)(nil)
	_ Injector = (*HTTPFaultInjector)(nil)
	_ Injector = (*PauseInjector)(nil)
)

// Func adapts functions to Injector. Nil funcs are no-ops.
//
// Stop calls OnStop once per successful Start (again after a failed
// OnStop, until one succeeds): a Start whose OnStart
// returns an error leaves the Func stopped, so OnStart must undo its own
// partial work before returning the error. Start while started does nothing.
// Update calls OnUpdate whether or not the Func is started. Calls are
// serialized: a Stop waits for a Start in progress.
//
// A Func must not be copied after first use.
type Func struct {
	OnStart  func(ctx context.Context) error
	OnUpdate func(ctx context.Context, intensity float64) error
	OnStop   func(ctx context.Context) error

	mu      sync.Mutex
	started bool
}

// Start calls OnStart unless the Func is already started.
func (f *Func) Start(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started {
		return nil
	}
	if f.OnStart != nil {
		if err := f.OnStart(ctx); err != nil {
			return err
		}
	}
	f.started = true
	return nil
}

// Update calls OnUpdate.
func (f *Func) Update(ctx context.Context, intensity float64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.OnUpdate == nil {
		return nil
	}
	return f.OnUpdate(ctx, intensity)
}

// Stop calls OnStop after a successful Start, until OnStop succeeds: once
// it has, Stop does nothing and returns nil; after it failed, the next
// Stop calls it again.
func (f *Func) Stop(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started {
		return nil
	}
	if f.OnStop != nil {
		if err := f.OnStop(ctx); err != nil {
			return err
		}
	}
	f.started = false
	return nil
}
