package inject

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// attachPoll is how often an attached process is checked for its exit.
const attachPoll = 200 * time.Millisecond

// AttachProcess returns a Process for a running process that gameday did
// not start, found by its PID. Pause and kill faults signal that PID alone
// (never a process group it may not lead); Done is closed within about
// 200 ms of its exit (Err then says it exited: its exit status belongs to
// its parent); Stop leaves it running; Restart is an error.
//
// The exit is seen by polling, so a PID reused within a poll interval
// would go unnoticed: attach to long-lived services.
func AttachProcess(name string, pid int) (*Process, error) {
	if name == "" {
		return nil, errors.New("inject: attach process: empty name")
	}
	if pid <= 1 {
		return nil, fmt.Errorf("inject: attach process %q: pid %d is not a process gameday may act on", name, pid)
	}
	if pid == os.Getpid() {
		return nil, fmt.Errorf("inject: attach process %q: pid %d is gameday itself", name, pid)
	}
	switch err := syscall.Kill(pid, 0); {
	case errors.Is(err, syscall.ESRCH):
		return nil, fmt.Errorf("inject: attach process %q: no process has pid %d", name, pid)
	case errors.Is(err, syscall.EPERM):
		return nil, fmt.Errorf("inject: attach process %q: not permitted to signal pid %d (another user's process?)", name, pid)
	case err != nil:
		return nil, fmt.Errorf("inject: attach process %q (pid %d): %w", name, pid, err)
	}
	if !alive(pid) {
		return nil, fmt.Errorf("inject: attach process %q: pid %d has exited", name, pid)
	}
	inc := newIncarnation(name, pid, false)
	p := &Process{name: name, attached: true}
	p.cur.Store(inc)
	go inc.watch()
	return p, nil
}

// AttachPIDFile attaches to the process whose PID is the first line of
// the file at path, as AttachProcess does.
func AttachPIDFile(name, path string) (*Process, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inject: attach process %q: %w", name, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	pid, err := strconv.Atoi(line)
	if err != nil {
		return nil, fmt.Errorf("inject: attach process %q: pid file %s starts with %q, not a process ID", name, path, line)
	}
	return AttachProcess(name, pid)
}

// watch polls an attached process until it has exited, then closes done.
func (inc *Incarnation) watch() {
	t := time.NewTicker(attachPoll)
	defer t.Stop()
	for range t.C {
		if !alive(inc.pid) {
			break
		}
	}
	if !inc.stopping.Load() {
		inc.err = fmt.Errorf("inject: process %q (pid %d) exited", inc.name, inc.pid)
	}
	close(inc.done)
}

// alive reports whether pid is a process that has not exited. A zombie
// (exited, not yet reaped by its parent) has exited.
func alive(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return false
	}
	s, err := procState(pid)
	return err != nil || s != 'Z' && s != 'X' // no /proc: trust kill
}

// procState returns the state letter of /proc/PID/stat ('R', 'S', 'T',
// 'Z'...).
func procState(pid int) (byte, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	return f[0][0], nil
}
