package inject

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
)

// PauseInjector pauses a process (SIGSTOP to its process group) while on.
//
// A paused process outlives gameday if gameday dies without resuming it;
// the caller records PID() in its state file before Start so that a later
// recovery can send SIGCONT.
type PauseInjector struct {
	proc *Process

	mu        sync.Mutex
	started   bool
	paused    bool
	intensity float64
}

// NewPause returns the injector that pauses p: Start sends SIGSTOP, Stop
// sends SIGCONT (idempotent). Update(i): i>0 paused, i==0 resumed. If the
// process has exited, Start returns an error that says so.
func NewPause(p *Process) *PauseInjector {
	return &PauseInjector{proc: p, intensity: 1}
}

// Process returns the process the injector pauses.
func (x *PauseInjector) Process() *Process { return x.proc }

// Paused reports whether the injector holds the process paused now.
func (x *PauseInjector) Paused() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.paused
}

// Start pauses the process, unless an Update set the intensity to 0.
func (x *PauseInjector) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	if x.proc.Exited() {
		return x.exitedError()
	}
	x.started = true
	if err := x.apply(); err != nil {
		x.started = false
		return err
	}
	return nil
}

// Update pauses the process when intensity > 0 and resumes it at 0.
func (x *PauseInjector) Update(intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: pause %q: intensity %v is not within 0..1", x.proc.name, intensity)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.intensity = intensity
	if !x.started {
		return nil
	}
	return x.apply()
}

// Stop resumes the process. It returns nil if the process has exited.
func (x *PauseInjector) Stop(context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.started {
		return nil
	}
	x.started = false
	return x.apply()
}

// apply brings the process to the wanted state. Called with x.mu held.
func (x *PauseInjector) apply() error {
	want := x.started && x.intensity > 0
	if want == x.paused {
		return nil
	}
	sig := syscall.SIGCONT
	if want {
		sig = syscall.SIGSTOP
	}
	err := x.proc.signal(sig)
	switch {
	case errors.Is(err, errExited):
		x.paused = false
		if want {
			return x.exitedError()
		}
		return nil // nothing left to resume
	case err != nil:
		return fmt.Errorf("inject: pause %q (pid %d): %v: %w", x.proc.name, x.proc.pid, sig, err)
	}
	x.paused = want
	return nil
}

func (x *PauseInjector) exitedError() error {
	return fmt.Errorf("inject: pause %q (pid %d): the process has exited", x.proc.name, x.proc.pid)
}
