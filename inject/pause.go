package inject

import (
	"context"
	"errors"
	"fmt"
	"syscall"
)

// RevertRecorder keeps, outside gameday, what must be done to undo a fault
// whose effect outlives gameday (a paused PID, a command fault's revert,
// a Toxiproxy toxic), so that `gameday recover` can undo it after a crash
// (StateFile is the one that outlives gameday). Injectors call Record
// before they act and Forget once the effect is undone; an error from
// Record stops the injector from acting. Keys are unique per injector kind
// and target ("pause/NAME", "kill/NAME", "command/NAME",
// "toxic/SERVER/PROXY/TOXIC"); a caller that runs two injectors on one
// target prefixes the keys itself.
type RevertRecorder interface {
	Record(key string, r Revert) error
	Forget(key string) error
}

// Kinds of Revert.
const (
	RevertSIGCONT = "sigcont" // send SIGCONT to PID (to its group when Group), if it is still the process StartTime names
	RevertCommand = "command" // run Command
	RevertKilled  = "killed"  // nothing can undo it; recover tells the operator
	RevertToxic   = "toxic"   // delete Toxic from its Toxiproxy server
)

// Revert says how to undo one fault.
type Revert struct {
	Kind  string `json:"kind"`
	PID   int    `json:"pid,omitempty"`
	Group bool   `json:"group,omitempty"` // PID leads a process group: signal -PID
	// StartTime is when PID started (/proc/PID/stat field 22, clock ticks
	// since boot; 0 if unknown): a process with this PID and another start
	// time is another process, which recover never signals.
	StartTime uint64       `json:"start_time,omitempty"`
	Command   *CommandSpec `json:"command,omitempty"`
	// EnvNames are the names of Command's environment variables when their
	// values were not stored (StateFile never stores them): the revert then
	// runs with the values of the recovering process's environment.
	EnvNames []string  `json:"env_names,omitempty"`
	Toxic    *ToxicRef `json:"toxic,omitempty"`
	Note     string    `json:"note,omitempty"` // for people: what the fault did
}

// PauseInjector pauses a process while on: SIGSTOP to its process group
// (to its PID alone when attached).
//
// A paused process outlives gameday if gameday dies without resuming it;
// with a RevertRecorder set, the injector records {sigcont, PID, its start
// time} before each SIGSTOP and forgets it after the SIGCONT.
type PauseInjector struct {
	proc *Process
	reverting
	paused    *Incarnation // the run held paused, nil if none
	intensity float64
}

// NewPause returns the injector that pauses p: Start sends SIGSTOP, Stop
// sends SIGCONT (idempotent). Update(i): i>0 paused, i==0 resumed. If the
// process has exited, Start returns an error that says so.
//
// After a Restart of p, the next Start or Update(i>0) pauses the new run:
// a run that exits while paused is not resumed, and the new one is not
// paused until then.
func NewPause(p *Process) *PauseInjector {
	return &PauseInjector{proc: p, intensity: 1}
}

// Paused reports whether the injector holds the process paused now.
func (x *PauseInjector) Paused() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.paused != nil && !x.paused.Exited()
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
		return exitedError("pause", x.proc.Incarnation())
	}
	x.started = true
	if err := x.apply(); err != nil {
		x.started = false
		return err
	}
	return nil
}

// Update pauses the process when intensity > 0 and resumes it at 0.
func (x *PauseInjector) Update(ctx context.Context, intensity float64) error {
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
	return x.stopOnce(func() error {
		x.started = false // apply's wanted state: resumed
		err := x.apply()
		x.started = err != nil
		return err
	})
}

func (x *PauseInjector) key() string { return "pause/" + x.proc.name }

// apply brings the process to the wanted state. Called with x.mu held.
func (x *PauseInjector) apply() error {
	want := x.started && x.intensity > 0
	cur := x.proc.Incarnation()
	if x.paused != nil && (!want || x.paused != cur) {
		if err := x.resume(); err != nil {
			return err
		}
	}
	if !want || x.paused != nil {
		return nil
	}
	if cur.Exited() {
		return exitedError("pause", cur)
	}
	start, _ := procStartTime(cur.pid) // 0 without /proc: recover then does not signal
	r := Revert{Kind: RevertSIGCONT, PID: cur.pid, Group: cur.group, StartTime: start,
		Note: fmt.Sprintf("process %q (pid %d) paused by gameday", cur.name, cur.pid)}
	if err := x.record(x.key(), r); err != nil {
		return fmt.Errorf("inject: pause %q (pid %d): not paused: cannot record how to resume it: %w", cur.name, cur.pid, err)
	}
	err := cur.signal(syscall.SIGSTOP)
	if err == nil {
		x.paused = cur
		return nil
	}
	_ = x.forget(x.key()) // nothing was paused
	if errors.Is(err, errExited) {
		return exitedError("pause", cur)
	}
	return fmt.Errorf("inject: pause %q (pid %d): %v: %w", cur.name, cur.pid, syscall.SIGSTOP, err)
}

// resume sends SIGCONT to the run held paused (nothing if it has exited)
// and forgets its record. Called with x.mu held.
func (x *PauseInjector) resume() error {
	inc := x.paused
	if err := inc.signal(syscall.SIGCONT); err != nil && !errors.Is(err, errExited) {
		return fmt.Errorf("inject: pause %q (pid %d): %v: %w", inc.name, inc.pid, syscall.SIGCONT, err)
	}
	x.paused = nil
	if err := x.forget(x.key()); err != nil {
		return fmt.Errorf("inject: pause %q (pid %d): resumed, but cannot forget its revert record: %w", inc.name, inc.pid, err)
	}
	return nil
}

func exitedError(what string, inc *Incarnation) error {
	return fmt.Errorf("inject: %s %q (pid %d): the process has exited", what, inc.name, inc.pid)
}
