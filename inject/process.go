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

// Process is a child process gameday started and supervises.
//
// The child runs in its own process group, so the terminal's SIGINT and
// SIGHUP do not reach it, and gets SIGKILL if gameday dies (Linux
// Pdeathsig; see childAttr). Signals from Stop and from PauseInjector go to
// its whole process group.
type Process struct {
	name  string
	pid   int
	ready string
	cmd   *exec.Cmd
	tail  *tailBuffer

	done     chan struct{}
	exitErr  error // the raw result of Wait; read after done
	err      error // what Err returns; read after done
	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error
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
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("inject: start process %q: %w", spec.Name, err)
	}
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("inject: start process %q: %w", spec.Name, err)
	}
	tail := &tailBuffer{max: stderrTailBytes}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Stdout = stdoutW // an *os.File: the child writes to it directly
	cmd.Stderr = teeWriter{tail, spec.Stderr}
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = pipeWait // grandchildren holding stderr must not block Wait
	if err := cmd.Start(); err != nil {
		stdout.Close()
		stdoutW.Close()
		return nil, fmt.Errorf("inject: start process %q: %w", spec.Name, err)
	}
	stdoutW.Close()

	p := &Process{
		name: spec.Name,
		pid:  cmd.Process.Pid,
		cmd:  cmd,
		tail: tail,
		done: make(chan struct{}),
	}
	readyc := make(chan string, 1)
	drained := make(chan struct{})
	go readStdout(stdout, spec.ReadyPrefix, spec.Stdout, readyc, drained)
	go p.wait(stdout, drained)
	if spec.ReadyPrefix == "" {
		return p, nil
	}

	timeout := spec.ReadyTimeout
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case p.ready = <-readyc:
		return p, nil
	case <-p.done:
		select {
		case p.ready = <-readyc: // printed it, then exited: Err tells the rest
			return p, nil
		default:
		}
		return nil, fmt.Errorf("inject: process %q (pid %d) exited before printing its ready line %q: %s%s",
			p.name, p.pid, spec.ReadyPrefix, exitText(p.exitErr), p.stderrNote())
	case <-timer.C:
		p.kill()
		return nil, fmt.Errorf("inject: process %q (pid %d) did not print its ready line %q within %v and was killed%s",
			p.name, p.pid, spec.ReadyPrefix, timeout, p.stderrNote())
	case <-ctx.Done():
		p.kill()
		return nil, fmt.Errorf("inject: process %q (pid %d) was killed while starting: %w", p.name, p.pid, ctx.Err())
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
func (p *Process) wait(stdout *os.File, drained <-chan struct{}) {
	err := p.cmd.Wait()
	t := time.NewTimer(pipeWait) // a grandchild may hold stdout open
	select {
	case <-drained:
	case <-t.C:
	}
	t.Stop()
	stdout.Close()
	p.exitErr = err
	if err != nil && !p.stopping.Load() {
		p.err = fmt.Errorf("inject: process %q (pid %d) exited: %w%s", p.name, p.pid, err, p.stderrNote())
	}
	close(p.done)
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func (p *Process) stderrNote() string {
	if s := p.tail.lastLines(stderrTailLines); s != "" {
		return "; stderr ends with:\n" + s
	}
	return ""
}

// Name returns the spec's name.
func (p *Process) Name() string { return p.name }

// PID returns the child's process ID (also its process group ID).
func (p *Process) PID() int { return p.pid }

// ReadyLine returns the rest of the ready line after the prefix, trimmed.
func (p *Process) ReadyLine() string { return p.ready }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err returns, after Done, nil if the process exited 0 or was stopped by
// Stop, and otherwise its exit error with the end of its stderr. Before
// Done it returns nil.
func (p *Process) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Stopping reports whether Stop was called (an exit after that is expected).
func (p *Process) Stopping() bool { return p.stopping.Load() }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop ends the process: SIGTERM and SIGCONT (in case it was paused, so
// that it gets the SIGTERM), a wait of up to timeout, then SIGKILL and a wait. A timeout <= 0 kills at once.
// It is idempotent: later calls wait for the first to finish and return nil.
func (p *Process) Stop(timeout time.Duration) error {
	first := false
	p.stopOnce.Do(func() {
		first = true
		p.stopErr = p.stop(timeout)
	})
	if !first {
		return nil
	}
	return p.stopErr
}

func (p *Process) stop(timeout time.Duration) error {
	p.stopping.Store(true)
	if p.Exited() {
		return nil
	}
	if timeout > 0 {
		_ = p.signal(syscall.SIGTERM)
		_ = p.signal(syscall.SIGCONT) // a stopped process gets the SIGTERM now
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-p.done:
			return nil
		case <-t.C:
		}
	}
	return p.kill()
}

// kill sends SIGKILL to the process group and waits for the exit.
func (p *Process) kill() error {
	p.stopping.Store(true)
	_ = p.signal(syscall.SIGKILL)
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		return fmt.Errorf("inject: process %q (pid %d) did not exit within %v of SIGKILL", p.name, p.pid, killWait)
	}
}

var errExited = errors.New("process has exited")

// signal sends sig to the process group, or to the process alone if it
// has left its group. It returns errExited once the process has exited.
func (p *Process) signal(sig syscall.Signal) error {
	if p.Exited() {
		return errExited
	}
	err := syscall.Kill(-p.pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		err = syscall.Kill(p.pid, sig)
	}
	if errors.Is(err, syscall.ESRCH) {
		return errExited
	}
	return err
}
