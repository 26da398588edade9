package inject

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ProcessSpec says how to start a child process.
type ProcessSpec struct {
	Name         string
	Path         string        // executable
	Args         []string      // arguments after the program name
	Env          []string      // appended to os.Environ()
	Dir          string        // working directory ("" = gameday's)
	Stderr       io.Writer     // child's stderr goes here (nil: discarded). Never the terminal.
	Stdout       io.Writer     // child's stdout, ready line included, goes here (nil: discarded)
	ReadyPrefix  string        // when set, StartProcess waits for a stdout line starting with this prefix
	ReadyTimeout time.Duration // default 5s
}

// DefaultReadyTimeout is how long StartProcess waits for the ready line
// when the spec does not say.
const DefaultReadyTimeout = 5 * time.Second

const (
	stderrTailBytes = 4 << 10 // kept for error messages
	stderrTailLines = 10
	killWait        = 10 * time.Second // after SIGKILL, how long to wait for the exit
	pipeWait        = 2 * time.Second  // after the exit, how long to wait for its output to end
)

// Process is a process gameday supervises: a child it started
// (StartProcess), or a process it found running (AttachProcess,
// AttachPIDFile).
//
// A child runs in its own process group, so the terminal's SIGINT and
// SIGHUP do not reach it, and gets SIGKILL if gameday dies (Linux
// Pdeathsig; see childAttr). Signals from Stop, PauseInjector and
// KillInjector go to its whole process group. An attached process gets
// signals at its PID alone, and Stop leaves it running.
//
// A started process can run again after it exited (Restart, as a
// KillInjector with restart does). Each run, from a start to its exit, is
// an Incarnation; PID, ReadyLine, Done, Err, Exited and Stopping answer for
// the current one. A watcher that must not mix two runs takes one
// Incarnation at a time:
//
//	for {
//		inc := p.Incarnation()
//		select {
//		case <-ctx.Done():
//			return
//		case <-inc.Done():
//		}
//		if !inc.Stopping() {
//			report(inc.PID(), inc.Err())
//		}
//		select {
//		case <-ctx.Done():
//			return
//		case <-inc.Replaced(): // Restart started a new run
//		}
//	}
type Process struct {
	name     string
	spec     ProcessSpec // how to start it again; zero when attached
	attached bool
	cur      atomic.Pointer[Incarnation]

	life          sync.Mutex // held by Restart and Stop: they never overlap
	mu            sync.Mutex // guards stopped and cancelRestart
	stopped       bool
	cancelRestart context.CancelFunc

	stopOnce sync.Once
	stopErr  error
}

// Incarnation is one run of a Process, from a start to its exit.
type Incarnation struct {
	name  string
	pid   int
	group bool // signals go to the process group -pid
	ready string
	cmd   *exec.Cmd // nil when attached
	tail  *tailBuffer

	done     chan struct{}
	replaced chan struct{}
	exitErr  error // the raw result of Wait; read after done
	err      error // what Err returns; read after done
	stopping atomic.Bool
}

func newIncarnation(name string, pid int, group bool) *Incarnation {
	return &Incarnation{
		name:     name,
		pid:      pid,
		group:    group,
		tail:     &tailBuffer{max: stderrTailBytes},
		done:     make(chan struct{}),
		replaced: make(chan struct{}),
	}
}

// StartProcess starts spec's program. When spec.ReadyPrefix is set, it
// waits until the child prints a stdout line that starts with it; if the
// child exits first, does not print it within spec.ReadyTimeout, or ctx
// ends first, StartProcess kills the child, waits for it to be gone and
// returns an error that names it and quotes the end of its stderr. ctx
// bounds only the start: once StartProcess has returned, the child runs
// until it exits or Stop.
func StartProcess(ctx context.Context, spec ProcessSpec) (*Process, error) {
	if spec.Name == "" {
		return nil, errors.New("inject: start process: empty name")
	}
	if spec.Path == "" {
		return nil, fmt.Errorf("inject: start process %q: empty path", spec.Name)
	}
	inc, err := startIncarnation(ctx, spec, "")
	if err != nil {
		return nil, err
	}
	p := &Process{name: spec.Name, spec: spec}
	p.cur.Store(inc)
	return p, nil
}

// startIncarnation starts spec's program and waits for its ready line.
// again is "" for a first start and "re" for a restart, for the errors.
func startIncarnation(ctx context.Context, spec ProcessSpec, again string) (*Incarnation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("inject: %sstart process %q: %w", again, spec.Name, err)
	}
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("inject: %sstart process %q: %w", again, spec.Name, err)
	}
	tail := &tailBuffer{max: stderrTailBytes}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Dir = spec.Dir
	cmd.Stdout = stdoutW // an *os.File: the child writes to it directly
	cmd.Stderr = teeWriter{tail, spec.Stderr}
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = pipeWait // grandchildren holding stderr must not block Wait
	if err := cmd.Start(); err != nil {
		stdout.Close()
		stdoutW.Close()
		return nil, fmt.Errorf("inject: %sstart process %q: %w", again, spec.Name, err)
	}
	stdoutW.Close()

	inc := newIncarnation(spec.Name, cmd.Process.Pid, true)
	inc.cmd, inc.tail = cmd, tail
	readyc := make(chan string, 1)
	drained := make(chan struct{})
	go readStdout(stdout, spec.ReadyPrefix, spec.Stdout, readyc, drained)
	go inc.wait(stdout, drained)
	if spec.ReadyPrefix == "" {
		return inc, nil
	}

	who := "process"
	if again != "" {
		who = "restarted process"
	}
	timeout := spec.ReadyTimeout
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case inc.ready = <-readyc:
		return inc, nil
	case <-inc.done:
		select {
		case inc.ready = <-readyc: // printed it, then exited: Err tells the rest
			return inc, nil
		default:
		}
		return nil, fmt.Errorf("inject: %s %q (pid %d) exited before printing its ready line %q: %s%s",
			who, inc.name, inc.pid, spec.ReadyPrefix, exitText(inc.exitErr), inc.stderrNote())
	case <-timer.C:
		inc.kill()
		return nil, fmt.Errorf("inject: %s %q (pid %d) did not print its ready line %q within %v and was killed%s",
			who, inc.name, inc.pid, spec.ReadyPrefix, timeout, inc.stderrNote())
	case <-ctx.Done():
		inc.kill()
		return nil, fmt.Errorf("inject: %s %q (pid %d) was killed while starting: %w", who, inc.name, inc.pid, ctx.Err())
	}
}

// readStdout reads the child's stdout to its end, so that the child never
// blocks on a full pipe, and sends the rest of the first line that starts
// with prefix on readyc.
func readStdout(r io.Reader, prefix string, out io.Writer, readyc chan<- string, drained chan<- struct{}) {
	defer close(drained)
	br := bufio.NewReaderSize(r, 4096)
	lineStart, waiting := true, prefix != ""
	for {
		chunk, err := br.ReadSlice('\n') // a whole line unless longer than the buffer
		if len(chunk) > 0 {
			if out != nil {
				_, _ = out.Write(chunk)
			}
			if waiting && lineStart && bytes.HasPrefix(chunk, []byte(prefix)) {
				readyc <- strings.TrimSpace(string(chunk[len(prefix):]))
				waiting = false
			}
			lineStart = chunk[len(chunk)-1] == '\n'
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// wait reaps the child and then closes done.
func (inc *Incarnation) wait(stdout *os.File, drained <-chan struct{}) {
	err := inc.cmd.Wait()
	t := time.NewTimer(pipeWait) // a grandchild may hold stdout open
	select {
	case <-drained:
	case <-t.C:
	}
	t.Stop()
	stdout.Close()
	inc.exitErr = err
	if err != nil && !inc.stopping.Load() {
		inc.err = fmt.Errorf("inject: process %q (pid %d) exited: %w%s", inc.name, inc.pid, err, inc.stderrNote())
	}
	close(inc.done)
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func (inc *Incarnation) stderrNote() string {
	if s := inc.tail.lastLines(stderrTailLines); s != "" {
		return "; stderr ends with:\n" + s
	}
	return ""
}

// Restart starts the process again from its spec, after it exited (killed
// by a KillInjector, or crashed), and waits for its ready line as
// StartProcess does; ctx bounds only that start. On success the new run
// becomes the current Incarnation (new PID, Done, Err) and the previous
// one's Replaced is closed; on failure the exited run stays current.
//
// It is an error to restart a process that gameday did not start
// (attached), one that is still running, or one that Stop was called on.
// A Stop during a Restart cancels the start.
func (p *Process) Restart(ctx context.Context) error {
	old := p.cur.Load()
	if p.attached {
		return fmt.Errorf("inject: restart %q (pid %d): gameday did not start this process, so it cannot start it again", p.name, old.pid)
	}
	p.life.Lock()
	defer p.life.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return fmt.Errorf("inject: restart %q: the process was stopped", p.name)
	}
	p.cancelRestart = cancel
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.cancelRestart = nil
		p.mu.Unlock()
	}()

	old = p.cur.Load()
	if !old.Exited() {
		return fmt.Errorf("inject: restart %q (pid %d): the process is still running", p.name, old.pid)
	}
	inc, err := startIncarnation(ctx, p.spec, "re")
	if err != nil {
		return err
	}
	p.cur.Store(inc)
	close(old.replaced)
	return nil
}

// Name returns the spec's name.
func (p *Process) Name() string { return p.name }

// Attached reports whether gameday found the process running rather than
// starting it (AttachProcess, AttachPIDFile).
func (p *Process) Attached() bool { return p.attached }

// Incarnation returns the current run of the process.
func (p *Process) Incarnation() *Incarnation { return p.cur.Load() }

// PID returns the current run's process ID (for a started process, also
// its process group ID).
func (p *Process) PID() int { return p.cur.Load().pid }

// ReadyLine returns the rest of the current run's ready line after the
// prefix, trimmed.
func (p *Process) ReadyLine() string { return p.cur.Load().ready }

// Done is closed when the current run has exited. After a Restart it is a
// new channel: see Incarnation.
func (p *Process) Done() <-chan struct{} { return p.cur.Load().done }

// Err returns Err of the current run.
func (p *Process) Err() error { return p.cur.Load().Err() }

// Stopping reports whether the current run's exit is expected: Stop was
// called, or a KillInjector killed it.
func (p *Process) Stopping() bool { return p.cur.Load().Stopping() }

// Exited reports whether the current run has exited.
func (p *Process) Exited() bool { return p.cur.Load().Exited() }

// Name returns the process's name.
func (inc *Incarnation) Name() string { return inc.name }

// PID returns the run's process ID.
func (inc *Incarnation) PID() int { return inc.pid }

// ReadyLine returns the rest of the run's ready line after the prefix,
// trimmed ("" when attached or when the spec has no ReadyPrefix).
func (inc *Incarnation) ReadyLine() string { return inc.ready }

// Done is closed when the run has exited.
func (inc *Incarnation) Done() <-chan struct{} { return inc.done }

// Replaced is closed when Restart has started the run that follows this
// one. It is never closed for an attached process.
func (inc *Incarnation) Replaced() <-chan struct{} { return inc.replaced }

// Err returns, after Done, nil if the run exited 0 or was ended on
// purpose (Stopping), and otherwise its exit error with the end of its
// stderr; for an attached process, whose exit status gameday cannot
// learn, an error that says it exited. Before Done it returns nil.
func (inc *Incarnation) Err() error {
	if isClosed(inc.done) {
		return inc.err
	}
	return nil
}

// Stopping reports whether the run's exit is expected: Stop was called,
// or a KillInjector killed it.
func (inc *Incarnation) Stopping() bool { return inc.stopping.Load() }

// Exited reports whether the run has exited.
func (inc *Incarnation) Exited() bool { return isClosed(inc.done) }

// Stop ends the process: SIGTERM and SIGCONT (in case it was paused, so
// that it gets the SIGTERM), a wait of up to timeout, then SIGKILL and a
// wait. A timeout <= 0 kills at once. It also cancels a Restart in
// progress and forbids later ones. For an attached process Stop does
// nothing to the process (gameday never stops what it did not start):
// it only marks its exit as expected. It is idempotent: later calls wait
// for the first to finish and return nil.
func (p *Process) Stop(timeout time.Duration) error {
	first := false
	p.stopOnce.Do(func() {
		first = true
		p.mu.Lock()
		p.stopped = true
		if p.cancelRestart != nil {
			p.cancelRestart()
		}
		p.mu.Unlock()
		p.life.Lock()
		defer p.life.Unlock()
		inc := p.cur.Load()
		if p.attached {
			inc.stopping.Store(true)
			return
		}
		p.stopErr = inc.stop(timeout)
	})
	if !first {
		return nil
	}
	return p.stopErr
}

func (inc *Incarnation) stop(timeout time.Duration) error {
	inc.stopping.Store(true)
	if inc.Exited() {
		return nil
	}
	if timeout > 0 {
		_ = inc.signal(syscall.SIGTERM)
		_ = inc.signal(syscall.SIGCONT) // a stopped process gets the SIGTERM now
		if inc.exitWithin(context.Background(), timeout) == nil {
			return nil
		}
	}
	return inc.kill()
}

// kill marks the exit as expected, sends SIGKILL (to the process group of
// a started process) and waits for the exit.
func (inc *Incarnation) kill() error {
	inc.stopping.Store(true)
	_ = inc.signal(syscall.SIGKILL)
	if inc.exitWithin(context.Background(), killWait) != nil {
		return fmt.Errorf("inject: process %q (pid %d) did not exit within %v of SIGKILL", inc.name, inc.pid, killWait)
	}
	return nil
}

var errStillRunning = errors.New("process still running")

// exitWithin waits up to d, and while ctx lasts, for the run to exit. It
// returns nil once it has, errStillRunning after d, or ctx's error.
func (inc *Incarnation) exitWithin(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-inc.done:
		return nil
	case <-t.C:
		return errStillRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errExited = errors.New("process has exited")

// signal sends sig to the process group of a started process (or to the
// process alone if it has left its group), or to the PID of an attached
// one. It returns errExited once the process has exited.
func (inc *Incarnation) signal(sig syscall.Signal) error {
	if inc.Exited() {
		return errExited
	}
	if err := signalPID(inc.pid, inc.group, sig); !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return errExited
}

// signalPID sends sig to the process group -pid when group is set, and to
// pid alone when not, or when the group is gone (the process left it).
// It returns ESRCH when there is no such process. It never signals a pid
// below 2: kill(2) reads 0, -1 and -N as "many processes", and 1 is init.
func signalPID(pid int, group bool, sig syscall.Signal) error {
	if pid <= 1 {
		return fmt.Errorf("pid %d: gameday never signals it", pid)
	}
	var err error = syscall.ESRCH
	if group {
		err = syscall.Kill(-pid, sig)
	}
	if errors.Is(err, syscall.ESRCH) {
		err = syscall.Kill(pid, sig)
	}
	return err
}
