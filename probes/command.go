package probes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// commandWaitDelay is how long a command probe waits, after its command
// exited or was killed, for processes it left behind to close its output.
const commandWaitDelay = time.Second

// maxCommandOutput is how much of the end of a command's stdout, and of its
// stderr, a command probe keeps.
const maxCommandOutput = 64 << 10

// CommandProbeConfig describes a command probe. Zero values take the
// defaults noted.
type CommandProbeConfig struct {
	Argv    []string      // the program and its arguments, run without a shell; with Shell, one element: the script
	Shell   bool          // run Argv[0] with /bin/sh -c
	Dir     string        // working directory; "" = gameday's
	Env     []string      // "KEY=value" entries added to gameday's environment (a later KEY wins)
	Timeout time.Duration // per sample, default 5s
}

// CommandProbe runs a command each sample and takes a number from its
// stdout: the whole output, trimmed, must be a number, or else the first
// whitespace-separated field of its last non-empty line must be, so
// `redis-cli llen jobs` ("42") and `wc -l file` ("42 file") both work.
//
// A non-zero exit, a timeout or an output without a number is an error that
// quotes the end of its stderr (or stdout). The command runs in its own
// process group; at the timeout the whole group is killed, so a shell
// script's children go too. Processes that the command leaves behind holding
// its output open are killed a second after it exits. Error texts name the
// program (argv[0], or "sh -c"), never its arguments or environment, which
// may hold secrets; what the program itself prints is quoted as it is.
// CommandProbe is safe for concurrent use.
type CommandProbe struct {
	name  string
	cfg   CommandProbeConfig
	path  string   // the program to run
	args  []string // its arguments
	label string   // how error texts name the program
}

var _ Probe = (*CommandProbe)(nil)

// NewCommandProbe checks cfg, fills in its defaults and returns a probe
// named name. A program named without a slash must be found in PATH now.
func NewCommandProbe(name string, cfg CommandProbeConfig) (*CommandProbe, error) {
	p := &CommandProbe{name: name, cfg: cfg}
	if err := p.init(); err != nil {
		return nil, fmt.Errorf("command probe %s: %w", name, err)
	}
	return p, nil
}

func (p *CommandProbe) init() error {
	c := &p.cfg
	switch {
	case len(c.Argv) == 0:
		return errors.New("no command")
	case c.Argv[0] == "":
		return errors.New("the program's name is empty")
	case c.Shell && len(c.Argv) != 1:
		return fmt.Errorf("with Shell, want the script as one element, got %d", len(c.Argv))
	case c.Timeout < 0:
		return fmt.Errorf("timeout %v: want a duration >= 0 (0 for the default)", c.Timeout)
	}
	for i, kv := range c.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("environment entry %d: want KEY=value", i+1)
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultProbeTimeout
	}
	c.Argv, c.Env = slices.Clone(c.Argv), slices.Clone(c.Env)
	if c.Shell {
		p.path, p.args, p.label = "/bin/sh", []string{"-c", c.Argv[0]}, "sh -c"
		return nil
	}
	p.path, p.args, p.label = c.Argv[0], c.Argv[1:], filepath.Base(c.Argv[0])
	if !strings.Contains(p.path, "/") {
		path, err := exec.LookPath(p.path)
		if err != nil {
			return fmt.Errorf("program %q: not found in PATH", p.path)
		}
		p.path = path
	}
	return nil
}

// Name returns the probe's name.
func (p *CommandProbe) Name() string { return p.name }

// Sample runs the command and returns the number it printed.
func (p *CommandProbe) Sample(ctx context.Context) (float64, error) {
	ctx, cancel := withSampleTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.path, p.args...)
	cmd.Dir = p.cfg.Dir
	if len(p.cfg.Env) > 0 {
		cmd.Env = append(os.Environ(), p.cfg.Env...)
	}
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = commandWaitDelay
	stdout, stderr := &tailBuffer{max: maxCommandOutput}, &tailBuffer{max: maxCommandOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr

	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success() {
		// It exited well, but left processes holding its output: its group
		// still exists (they are in it), so it is safe to kill by number.
		_ = killGroup(cmd.Process.Pid)
		err = nil
	}
	switch {
	case err == nil:
	case cmd.ProcessState == nil: // never started
		return 0, p.errorf("%w", err)
	case timedOut(ctx):
		return 0, p.errorf("timed out after %v (process group killed); %s", p.cfg.Timeout, outputs(stdout, stderr))
	case ctx.Err() != nil:
		return 0, p.errorf("%w; %s", ctx.Err(), outputs(stdout, stderr))
	default:
		return 0, p.errorf("%v; %s", err, outputs(stdout, stderr)) // "exit status 3"
	}
	v, ok := parseOutput(stdout.String())
	if !ok {
		return 0, p.errorf("no number in its output: stdout %q", excerpt(stdout.String(), 120))
	}
	return v, nil
}

// errorf returns an error that names the probe and the program.
func (p *CommandProbe) errorf(format string, a ...any) error {
	return fmt.Errorf("command probe %s: %s: %w", p.name, p.label, fmt.Errorf(format, a...))
}

// killGroup kills process group pgid. The kernel keeps a group's number
// while any process is in it, so this cannot hit another group unless the
// group had emptied and the number was reused, which exec's cancel path
// narrows to the moment between the leader's exit and Wait's return.
func killGroup(pgid int) error {
	err := syscall.Kill(-pgid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// outputs quotes the end of stderr, or of stdout when stderr is empty.
func outputs(stdout, stderr *tailBuffer) string {
	switch {
	case strings.TrimSpace(stderr.String()) != "":
		return fmt.Sprintf("stderr %q", excerpt(stderr.String(), 200))
	case strings.TrimSpace(stdout.String()) != "":
		return fmt.Sprintf("stdout %q", excerpt(stdout.String(), 200))
	}
	return "no output"
}

// parseOutput takes the number from a command's output: all of it trimmed,
// or else the first field of its last non-empty line.
func parseOutput(out string) (float64, bool) {
	s := strings.TrimSpace(out)
	if v, ok := parseNumber(s); ok {
		return v, true
	}
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if f := strings.Fields(lines[i]); len(f) > 0 {
			return parseNumber(f[0])
		}
	}
	return 0, false
}

// parseNumber parses a finite number.
func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// tailBuffer keeps about the last max bytes written to it (at least max,
// at most twice as many), so a chatty command costs bounded memory.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) > 2*b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string { return string(b.buf) }
