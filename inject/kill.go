package inject

import (
	"context"
	"errors"
	"fmt"
	"syscall"
)

var _ Injector = (*KillInjector)(nil)

// KillInjector kills a process: SIGKILL to its process group (to its PID
// alone when attached). With restart, Stop starts it again from its spec
// (Process.Restart) and waits for its ready line; without, the process
// stays dead. Only a process gameday started can be restarted.
//
// With a RevertRecorder set, Start records {killed, PID, start time}
// under "kill/PID@START" before the SIGKILL, and Stop forgets it once the
// process runs again (with restart) or at once (without): a record left
// behind tells `gameday recover` that a process was killed and not
// brought back, which it can only report.
type KillInjector struct {
	proc    *Process
	restart bool
	reverting
	killed    *Incarnation // the run Start killed
	killedKey string       // and the key of its record
}

// NewKill returns the injector that kills p on Start and, with restart,
// starts it again on Stop. Update does nothing: a kill has no intensity.
func NewKill(p *Process, restart bool) *KillInjector {
	return &KillInjector{proc: p, restart: restart}
}

// Start kills the process and waits, within ctx, for it to be gone. It is
// an error if the process has exited already, or if restart was asked for
// a process gameday did not start.
func (x *KillInjector) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	inc := x.proc.Incarnation()
	if x.restart && x.proc.Attached() {
		return fmt.Errorf("inject: kill %q (pid %d): gameday did not start this process, so it cannot restart it; kill it without restart", inc.name, inc.pid)
	}
	if inc.Exited() {
		return exitedError("kill", inc)
	}
	note := fmt.Sprintf("process %q (pid %d) killed by gameday", inc.name, inc.pid)
	if x.restart {
		note += " to be restarted"
	}
	start, _ := procStartTime(inc.pid)
	key := processKey("kill", inc.pid, start)
	r := Revert{Kind: RevertKilled, PID: inc.pid, Group: inc.group, StartTime: start, Target: inc.name, Note: note}
	if err := x.record(key, r); err != nil {
		return fmt.Errorf("inject: kill %q (pid %d): not killed: cannot record it: %w", inc.name, inc.pid, err)
	}
	wasStopping := inc.stopping.Swap(true) // the exit is the fault's, not a crash
	switch err := inc.signal(syscall.SIGKILL); {
	case errors.Is(err, errExited):
		// gone on its own just now: the fault's effect is there all the same
	case err != nil:
		inc.stopping.Store(wasStopping)
		_ = x.forget(key) // nothing was killed
		return fmt.Errorf("inject: kill %q (pid %d): %v: %w", inc.name, inc.pid, syscall.SIGKILL, err)
	}
	x.started, x.killed, x.killedKey = true, inc, key
	switch err := inc.exitWithin(ctx, killWait); {
	case err == errStillRunning:
		return fmt.Errorf("inject: kill %q (pid %d): did not exit within %v of SIGKILL", inc.name, inc.pid, killWait)
	case err != nil:
		return fmt.Errorf("inject: kill %q (pid %d): SIGKILL sent, but the exit was not seen: %w", inc.name, inc.pid, err)
	}
	return nil
}

// Update checks that intensity is within 0..1 and does nothing else.
func (x *KillInjector) Update(ctx context.Context, intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: kill %q: intensity %v is not within 0..1", x.proc.name, intensity)
	}
	return nil
}

// Stop, after a Start, restarts the process when asked to (unless Stop was
// called on the process, or something else restarted it already). Once
// it has succeeded, a second call does nothing and returns nil; after a
// failed restart (the record, if any, stays for recover), a second call
// tries again.
func (x *KillInjector) Stop(ctx context.Context) error {
	return x.stopOnce(func() error {
		inc := x.killed
		if x.restart && !x.proc.isStopped() && x.proc.Incarnation() == inc {
			select {
			case <-inc.done:
			case <-ctx.Done():
				return fmt.Errorf("inject: kill %q (pid %d): not restarted: still waiting for its exit: %w", inc.name, inc.pid, ctx.Err())
			}
			if err := x.proc.Restart(ctx); err != nil {
				return err // it names the process and says "restart"
			}
		}
		if err := x.forget(x.killedKey); err != nil {
			return fmt.Errorf("inject: kill %q: cannot forget its revert record: %w", inc.name, err)
		}
		x.killed = nil
		return nil
	})
}

// isStopped reports whether Stop was called on p.
func (p *Process) isStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}
