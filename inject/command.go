package inject

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var _ Injector = (*CommandInjector)(nil)

// DefaultCommandTimeout bounds a command whose spec does not say.
const DefaultCommandTimeout = 30 * time.Second

const (
	commandTailLines = 10       // output lines quoted in a CommandError
	commandLineMax   = 64 << 10 // a longer output line reaches the callback in pieces
)

// CommandSpec says how to run one command: as an argv, with no shell,
// unless Shell is set.
type CommandSpec struct {
	Argv    []string      `json:"argv"`              // program and arguments; with Shell, one shell script
	Shell   bool          `json:"shell,omitempty"`   // run Argv[0] with /bin/sh -c
	Dir     string        `json:"dir,omitempty"`     // working directory ("": gameday's)
	Env     []string      `json:"env,omitempty"`     // NAME=value, appended to gameday's environment
	Timeout time.Duration `json:"timeout,omitempty"` // default DefaultCommandTimeout
}

// Validate reports whether c can be run.
func (c CommandSpec) Validate() error {
	var errs []error
	switch {
	case len(c.Argv) == 0:
		errs = append(errs, errors.New("no command: argv is empty"))
	case c.Shell && len(c.Argv) != 1:
		errs = append(errs, fmt.Errorf("a shell command is one string, got %d", len(c.Argv)))
	case strings.TrimSpace(c.Argv[0]) == "":
		errs = append(errs, errors.New("empty command"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v is negative", c.Timeout))
	}
	for _, e := range c.Env {
		if i := strings.IndexByte(e, '='); i <= 0 {
			errs = append(errs, fmt.Errorf("environment entry %q is not NAME=value", e))
		}
	}
	return errors.Join(errs...)
}

// String returns the command as a person would type it.
func (c CommandSpec) String() string {
	if c.Shell && len(c.Argv) == 1 {
		return "sh -c " + strconv.Quote(c.Argv[0])
	}
	q := make([]string, len(c.Argv))
	for i, a := range c.Argv {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`;&|<>*?()[]{}~#") {
			q[i] = strconv.Quote(a)
		}
	}
	return strings.Join(q, " ")
}

// CommandError is a command that failed: did not start, exited non-zero,
// timed out or was cancelled.
type CommandError struct {
	Command  string   // as CommandSpec.String
	ExitCode int      // its exit status; -1 if it did not exit by itself
	TimedOut bool     // it ran past its timeout and its process group was killed
	Output   []string // its last lines of output, each "stdout: ..." or "stderr: ..."
	Err      error    // the cause: *exec.ExitError, a start error, the context's error
}

func (e *CommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "command %s: %v", e.Command, e.Err)
	if len(e.Output) > 0 {
		b.WriteString("; output ends with:")
		for _, l := range e.Output {
			b.WriteString("\n    " + l)
		}
	}
	return b.String()
}

func (e *CommandError) Unwrap() error { return e.Err }

// RunCommand runs c to its end and returns nil if it exited 0, a
// *CommandError otherwise. The command runs in its own process group;
// when its timeout passes or ctx ends, the whole group gets SIGKILL (a
// process that left the group with setsid escapes it). On a normal exit,
// processes it left in the background keep running; if they keep its
// stdout or stderr open, RunCommand stops reading after 2 s.
//
// Every line of its stdout and stderr goes to output (nil: none) with the
// stream's name, "stdout" or "stderr", without the line end. output is
// called from one goroutine at a time, and never after RunCommand returns.
func RunCommand(ctx context.Context, c CommandSpec, output func(stream, line string)) error {
	cerr := func(err error) error { return &CommandError{Command: c.String(), ExitCode: -1, Err: err} }
	if err := c.Validate(); err != nil {
		return cerr(err)
	}
	if err := ctx.Err(); err != nil {
		return cerr(err)
	}
	argv := c.Argv
	if c.Shell {
		argv = []string{"/bin/sh", "-c", c.Argv[0]}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.SysProcAttr = childAttr()
	outR, outW, err := os.Pipe()
	if err != nil {
		return cerr(err)
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return cerr(err)
	}
	defer errR.Close()
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		return cerr(err)
	}

	lines := &lineLog{output: output}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); lines.read("stdout", outR) }()
	go func() { defer readers.Done(); lines.read("stderr", errR) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultCommandTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var waitErr, cause error
	timedOut := false
	select {
	case waitErr = <-exited:
	case <-timer.C:
		timedOut = true
		cause = fmt.Errorf("timed out after %v; its process group was killed", timeout)
	case <-ctx.Done():
		cause = fmt.Errorf("its process group was killed: %w", ctx.Err())
	}
	if cause != nil {
		select {
		case waitErr = <-exited: // it ended just in time: leave its group alone
			cause, timedOut = nil, false
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			waitErr = <-exited
		}
	}

	drained := make(chan struct{})
	go func() { readers.Wait(); close(drained) }()
	t := time.NewTimer(pipeWait) // a background process may hold the pipes
	select {
	case <-drained:
	case <-t.C:
		outR.Close() // ends the blocked reads
		errR.Close()
		<-drained
	}
	t.Stop()

	if cause == nil && waitErr == nil {
		return nil
	}
	e := &CommandError{Command: c.String(), ExitCode: -1, TimedOut: timedOut, Output: lines.last(), Err: cause}
	if cause == nil {
		e.Err = waitErr
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			e.ExitCode = ee.ExitCode()
		}
	}
	return e
}

// lineLog passes output lines on, one at a time, and keeps the last ones.
type lineLog struct {
	output func(stream, line string)
	mu     sync.Mutex
	tail   []string
}

func (l *lineLog) add(stream, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.output != nil {
		l.output(stream, line)
	}
	if len(l.tail) == commandTailLines {
		l.tail = append(l.tail[:0], l.tail[1:]...)
	}
	if len(line) > 200 {
		line = strings.ToValidUTF8(line[:200], "") + "…"
	}
	l.tail = append(l.tail, stream+": "+line)
}

func (l *lineLog) last() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail...)
}

// read passes r's lines on until r ends or is closed.
func (l *lineLog) read(stream string, r io.Reader) {
	br := bufio.NewReaderSize(r, commandLineMax)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			l.add(stream, strings.TrimRight(string(chunk), "\r\n"))
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// CommandInjector is a command fault: a start command that puts the fault
// on and a revert command that takes it off. Commands have no intensity:
// Update only checks its argument.
//
// With a RevertRecorder set, Start records {command, revert} under
// "command/NAME" before it runs the start command, and the record is
// forgotten once the revert command has succeeded; a failed revert leaves
// it for `gameday recover`. The record holds the revert's argv, which
// recover runs but never prints (see Revert.Shown).
type CommandInjector struct {
	name          string
	start, revert CommandSpec
	output        func(stream, line string)
	reverting
}

// NewCommandFault returns the fault that runs start on Start and revert
// on Stop. Every output line of both goes to output (nil: none), during
// Start and Stop, one call at a time.
func NewCommandFault(name string, start, revert CommandSpec, output func(stream, line string)) *CommandInjector {
	return &CommandInjector{name: name, start: start, revert: revert, output: output}
}

// Validate reports whether both commands can be run.
func (x *CommandInjector) Validate() error {
	var errs []error
	if x.name == "" {
		errs = append(errs, errors.New("empty name"))
	}
	if err := x.start.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("start: %w", err))
	}
	if err := x.revert.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("revert: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("inject: command fault %q: %w", x.name, err)
	}
	return nil
}

func (x *CommandInjector) key() string { return "command/" + x.name }

// Start runs the start command. If it fails (a non-zero exit, a timeout,
// ctx ending), Start runs the revert command anyway, to undo a half-done
// start, with the revert's own timeout even if ctx has ended, and returns
// the start's error (and the revert's, if it failed too); the fault is
// then off and Stop does nothing.
func (x *CommandInjector) Start(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	if err := x.Validate(); err != nil {
		return err
	}
	revert := x.revert
	r := Revert{Kind: RevertCommand, Command: &revert, Target: x.name, Note: fmt.Sprintf("command fault %q started: run its revert", x.name)}
	if err := x.record(x.key(), r); err != nil {
		return fmt.Errorf("inject: command fault %q: not started: cannot record its revert: %w", x.name, err)
	}
	err := RunCommand(ctx, x.start, x.output)
	if err == nil {
		x.started = true
		return nil
	}
	if rerr := x.runRevert(context.WithoutCancel(ctx)); rerr != nil {
		return errors.Join(fmt.Errorf("inject: command fault %q: start: %w", x.name, err), rerr)
	}
	return fmt.Errorf("inject: command fault %q: start failed, and its revert command ran: %w", x.name, err)
}

// Update checks that intensity is within 0..1 and does nothing else.
func (x *CommandInjector) Update(ctx context.Context, intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: command fault %q: intensity %v is not within 0..1", x.name, intensity)
	}
	return nil
}

// Stop runs the revert command, once per successful Start: once it has
// succeeded, a second call does nothing and returns nil; after a failed
// revert, a second call runs it again. ctx bounds it
// as well as the revert's timeout.
func (x *CommandInjector) Stop(ctx context.Context) error {
	return x.stopOnce(func() error { return x.runRevert(ctx) })
}

// runRevert runs the revert command and, if it succeeded, forgets the
// record. Called with x.mu held.
func (x *CommandInjector) runRevert(ctx context.Context) error {
	if err := RunCommand(ctx, x.revert, x.output); err != nil {
		return fmt.Errorf("inject: command fault %q: revert: %w", x.name, err)
	}
	if err := x.forget(x.key()); err != nil {
		return fmt.Errorf("inject: command fault %q: reverted, but cannot forget its revert record: %w", x.name, err)
	}
	return nil
}
