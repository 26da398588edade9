package inject

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultPausePeriod is the period of a pause's duty cycle when
// PauseConfig does not say.
const DefaultPausePeriod = time.Second

// MinPausePeriod is the shortest period of a pause's duty cycle: signals
// any faster would measure the scheduler more than the process.
const MinPausePeriod = 20 * time.Millisecond

// PauseConfig configures a PauseInjector.
type PauseConfig struct {
	// Period is the period of the duty cycle: at intensity x, between 0
	// and 1, the process is paused for x·Period, then runs for
	// (1-x)·Period, over and over. 0 means DefaultPausePeriod; else it is
	// at least MinPausePeriod.
	Period time.Duration
}

// Validate reports whether c can be used.
func (c PauseConfig) Validate() error {
	if c.Period != 0 && c.Period < MinPausePeriod {
		return fmt.Errorf("period %v: want 0 (the default, %v) or at least %v", c.Period, DefaultPausePeriod, MinPausePeriod)
	}
	return nil
}

// PauseInjector pauses a process while on: SIGSTOP to its process group
// (to its PID alone when attached), SIGCONT to resume it. Its intensity
// is a duty cycle:
//
//	intensity 1      paused throughout (one SIGSTOP, no toggling)
//	intensity x      paused x of each period, running the rest:
//	                 SIGSTOP ─ x·period ─ SIGCONT ─ (1-x)·period ─ SIGSTOP ...
//	intensity 0      running
//
// The cycle runs on a goroutine of the injector's own, which outlives the
// call that started it (a call's ctx bounds the call only) and ends at
// Stop, at an Update to 0 or 1, or when the process exits; Stop waits for
// it, and always leaves the process running.
//
// A paused process outlives gameday if gameday dies without resuming it;
// with a RevertRecorder set, the injector records {sigcont, PID, its start
// time} before the first SIGSTOP, keeps the record for as long as the
// process may be stopped (while paused or cycling), and forgets it after
// the SIGCONT that leaves it running.
type PauseInjector struct {
	proc   *Process
	period time.Duration
	cfgErr error
	reverting
	intensity float64
	held      *Incarnation // the run paused, all or part of the time, whose record exists; nil if none
	heldKey   string
	cycle     *pauseCycle // the duty cycle on held, nil if none
}

// pauseCycle is a running duty cycle: its goroutine toggles the process
// until quit is closed or the process exits, then closes done.
type pauseCycle struct {
	share atomic.Uint64 // math.Float64bits of the paused share of each period
	quit  chan struct{}
	done  chan struct{}
	err   error // why it ended early, if a signal failed; read after done
}

// NewPause returns the injector that pauses p, with the default period:
// NewPauseWith(p, PauseConfig{}).
func NewPause(p *Process) *PauseInjector {
	return NewPauseWith(p, PauseConfig{})
}

// NewPauseWith returns the injector that pauses p: Start pauses it at the
// intensity set (1 unless an Update said otherwise), Update changes the
// duty cycle, Stop resumes it (idempotent). An invalid cfg makes Start
// return its error. If the process has exited, Start returns an error
// that says so.
//
// After a Restart of p, the next Start or Update(i>0) pauses the new run:
// a run that exits while paused is not resumed, and the new one is not
// paused until then.
func NewPauseWith(p *Process, cfg PauseConfig) *PauseInjector {
	x := &PauseInjector{proc: p, period: cfg.Period, intensity: 1}
	if x.period == 0 {
		x.period = DefaultPausePeriod
	}
	if err := cfg.Validate(); err != nil {
		x.cfgErr = fmt.Errorf("inject: pause %q: %w", p.name, err)
	}
	return x
}

// Period returns the duty cycle's period.
func (x *PauseInjector) Period() time.Duration { return x.period }

// Paused reports whether the injector holds the process paused now, all
// the time (intensity 1) or part of each period.
func (x *PauseInjector) Paused() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.held != nil && !x.held.Exited()
}

// Start pauses the process, unless an Update set the intensity to 0.
func (x *PauseInjector) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x.cfgErr != nil {
		return x.cfgErr
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	if x.proc.Exited() {
		return exitedError("pause", x.proc.Incarnation())
	}
	x.started = true
	if err := x.apply(); err != nil {
		x.started = false
		return err
	}
	return nil
}

// Update sets the paused share of each period: 1 paused throughout, 0
// running.
func (x *PauseInjector) Update(ctx context.Context, intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: pause %q: intensity %v is not within 0..1", x.proc.name, intensity)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.intensity = intensity
	if !x.started {
		return nil
	}
	return x.apply()
}

// Stop ends the cycle, if any, and resumes the process. It returns nil if
// the process has exited.
func (x *PauseInjector) Stop(context.Context) error {
	return x.stopOnce(func() error {
		x.started = false // apply's wanted state: resumed
		err := x.apply()
		x.started = err != nil
		return err
	})
}

// apply brings the process to the wanted state. Called with x.mu held.
func (x *PauseInjector) apply() error {
	want := x.started && x.intensity > 0
	cur := x.proc.Incarnation()
	if x.held != nil && (!want || x.held != cur) {
		if err := x.release(); err != nil {
			return err
		}
	}
	if !want {
		return nil
	}
	fresh := x.held == nil
	if fresh {
		if err := x.hold(cur); err != nil {
			return err
		}
	} else if x.held.Exited() {
		_ = x.stopCycle()
		return nil // it exited while paused: nothing to pause until a Restart; Stop forgets the record
	}
	if x.intensity >= 1 {
		if err := x.stopCycle(); err != nil && !fresh {
			return err
		}
		return x.stop(fresh)
	}
	if c := x.cycle; c != nil && !isClosed(c.done) {
		c.share.Store(math.Float64bits(x.intensity))
		return nil
	}
	if err := x.stopCycle(); err != nil && !fresh {
		return err
	}
	if err := x.stop(fresh); err != nil {
		return err
	}
	c := &pauseCycle{quit: make(chan struct{}), done: make(chan struct{})}
	c.share.Store(math.Float64bits(x.intensity))
	x.cycle = c
	go c.run(x.held, x.period)
	return nil
}

// hold records how to resume cur, before it is first stopped. Called with
// x.mu held.
func (x *PauseInjector) hold(cur *Incarnation) error {
	if cur.Exited() {
		return exitedError("pause", cur)
	}
	start, _ := procStartTime(cur.pid) // 0 without /proc: recover then does not signal
	key := processKey("pause", cur.pid, start)
	r := Revert{Kind: RevertSIGCONT, PID: cur.pid, Group: cur.group, StartTime: start, Target: cur.name,
		Note: fmt.Sprintf("process %q (pid %d) paused by gameday", cur.name, cur.pid)}
	if err := x.record(key, r); err != nil {
		return fmt.Errorf("inject: pause %q (pid %d): not paused: cannot record how to resume it: %w", cur.name, cur.pid, err)
	}
	x.held, x.heldKey = cur, key
	return nil
}

// stop sends SIGSTOP to the held run. When fresh (nothing of it was
// stopped before) a failure forgets the record again. Called with x.mu
// held.
func (x *PauseInjector) stop(fresh bool) error {
	inc := x.held
	err := inc.signal(syscall.SIGSTOP)
	if err == nil {
		return nil
	}
	if fresh {
		_ = x.forget(x.heldKey) // nothing was paused
		x.held = nil
	}
	if errors.Is(err, errExited) {
		return exitedError("pause", inc)
	}
	return fmt.Errorf("inject: pause %q (pid %d): %v: %w", inc.name, inc.pid, syscall.SIGSTOP, err)
}

// release ends the cycle, sends SIGCONT to the held run (nothing if it
// has exited) and forgets its record. Called with x.mu held.
func (x *PauseInjector) release() error {
	inc := x.held
	_ = x.stopCycle() // whatever stopped it, the SIGCONT below is what counts
	if err := inc.signal(syscall.SIGCONT); err != nil && !errors.Is(err, errExited) {
		return fmt.Errorf("inject: pause %q (pid %d): %v: %w", inc.name, inc.pid, syscall.SIGCONT, err)
	}
	x.held = nil
	if err := x.forget(x.heldKey); err != nil {
		return fmt.Errorf("inject: pause %q (pid %d): resumed, but cannot forget its revert record: %w", inc.name, inc.pid, err)
	}
	return nil
}

// stopCycle ends the cycle, if any, and waits for its goroutine; the
// process is then stopped or running, as the cycle left it. It returns
// the error that ended the cycle early, if one did. Called with x.mu held.
func (x *PauseInjector) stopCycle() error {
	c := x.cycle
	if c == nil {
		return nil
	}
	x.cycle = nil
	close(c.quit)
	<-c.done // it never blocks but in its select on quit
	if c.err != nil {
		inc := x.held
		return fmt.Errorf("inject: pause %q (pid %d): duty cycle: %w", inc.name, inc.pid, c.err)
	}
	return nil
}

// run toggles inc, which the caller has just stopped: stopped for share ×
// period, running for the rest, until quit or inc's exit. A change of
// share takes effect at the next toggle.
func (c *pauseCycle) run(inc *Incarnation, period time.Duration) {
	defer close(c.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	stopped := true
	for {
		on := time.Duration(math.Float64frombits(c.share.Load()) * float64(period))
		d := on
		if !stopped {
			d = period - on
		}
		t.Reset(d)
		select {
		case <-c.quit:
			return
		case <-inc.done:
			return
		case <-t.C:
		}
		sig := syscall.SIGSTOP
		if stopped {
			sig = syscall.SIGCONT
		}
		if err := inc.signal(sig); err != nil {
			if !errors.Is(err, errExited) {
				c.err = fmt.Errorf("%v: %w", sig, err)
			}
			return
		}
		stopped = !stopped
	}
}

func exitedError(what string, inc *Incarnation) error {
	return fmt.Errorf("inject: %s %q (pid %d): the process has exited", what, inc.name, inc.pid)
}
