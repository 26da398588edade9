package inject_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// spawn starts cmd the way someone other than gameday would, in its own
// process group, and kills that group at the end of the test. Unless
// noReap, it reaps cmd as soon as it exits; reaped is closed then.
func spawn(t testing.TB, cmd *exec.Cmd, noReap bool) (reaped <-chan struct{}) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	reap := func() { cmd.Wait(); close(done) }
	if !noReap {
		go reap()
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if noReap {
			reap()
		}
		<-done
	})
	return done
}

// waitClosed waits for c to be closed.
func waitClosed(t testing.TB, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not closed", what)
	}
}

func attach(t testing.TB, name string, pid int) *inject.Process {
	t.Helper()
	p, err := inject.AttachProcess(name, pid)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAttachProcess(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	reaped := spawn(t, cmd, false)
	pid := cmd.Process.Pid
	p := attach(t, "sleeper", pid)
	if p.Name() != "sleeper" || p.PID() != pid || !p.Attached() || p.ReadyLine() != "" || p.Exited() || p.Err() != nil {
		t.Fatalf("Name %q PID %d Attached %v ReadyLine %q Exited %v Err %v", p.Name(), p.PID(), p.Attached(), p.ReadyLine(), p.Exited(), p.Err())
	}

	pause := inject.NewPause(p)
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, 'T', false)
	stop(t, pause)
	waitState(t, pid, 'T', true)

	err := inject.NewKill(p, true).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot restart") {
		t.Errorf("kill with restart: %v", err)
	}
	if err := p.Restart(context.Background()); err == nil || !strings.Contains(err.Error(), "did not start") {
		t.Errorf("Restart: %v", err)
	}

	if err := p.Stop(time.Second); err != nil { // leaves it running
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if st, err := procState(pid); err != nil || st == 'Z' || p.Exited() {
		t.Fatalf("after Stop: state %c %v, Exited %v", st, err, p.Exited())
	}

	syscall.Kill(pid, syscall.SIGKILL) // it ends, not by gameday's doing
	<-reaped
	waitClosed(t, p.Done(), "Done")
	if p.Err() != nil { // Stop was called: the exit is expected
		t.Errorf("Err %v", p.Err())
	}
}

func TestAttachedProcessExits(t *testing.T) {
	for _, noReap := range []bool{false, true} { // a zombie has exited too
		t.Run("zombie="+strconv.FormatBool(noReap), func(t *testing.T) {
			cmd := exec.Command("sleep", "60")
			spawn(t, cmd, noReap)
			p := attach(t, "sleeper", cmd.Process.Pid)
			syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			waitClosed(t, p.Done(), "Done")
			if err := p.Err(); err == nil || !strings.Contains(err.Error(), `"sleeper"`) || !strings.Contains(err.Error(), "exited") || p.Stopping() {
				t.Errorf("Err %v, Stopping %v", err, p.Stopping())
			}
			if err := inject.NewPause(p).Start(context.Background()); err == nil || !strings.Contains(err.Error(), "exited") {
				t.Errorf("pause of an exited process: %v", err)
			}
		})
	}
}

func TestAttachSignalsOnlyItsPID(t *testing.T) {
	// The shell leads a process group that holds its background sleep too.
	cmd := exec.Command("sh", "-c", "sleep 60 & echo $!; wait")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	reaped := spawn(t, cmd, false)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	sleepPID, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	shPID := cmd.Process.Pid
	p := attach(t, "shell", shPID)

	pause := inject.NewPause(p)
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitState(t, shPID, 'T', false)
	time.Sleep(100 * time.Millisecond)
	if st, _ := procState(sleepPID); st == 'T' {
		t.Error("pausing the shell paused its whole group")
	}
	stop(t, pause)
	waitState(t, shPID, 'T', true)

	kill := inject.NewKill(p, false)
	if err := kill.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, p.Done(), "Done")
	<-reaped
	if st, err := procState(sleepPID); err != nil || st == 'Z' {
		t.Errorf("killing the shell killed its group: %c %v", st, err)
	}
	if p.Err() != nil || !p.Stopping() {
		t.Errorf("after the kill fault: Err %v Stopping %v", p.Err(), p.Stopping())
	}
	stop(t, kill)
}

func TestAttachPIDFile(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "daemon.pid")
	spec := testBinary(t, "daemon", childEnv+"=pidfile", pidFileEnv+"="+pidFile)
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	spawn(t, cmd, false)
	deadline := time.Now().Add(20 * time.Second)
	for !exists(pidFile) {
		if time.Now().After(deadline) {
			t.Fatal("the child wrote no pid file")
		}
		time.Sleep(10 * time.Millisecond)
	}

	p, err := inject.AttachPIDFile("daemon", pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if p.PID() != cmd.Process.Pid || !p.Attached() {
		t.Fatalf("PID %d, want %d", p.PID(), cmd.Process.Pid)
	}
	if err := inject.NewKill(p, false).Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !p.Exited() {
		t.Error("Start returned before the exit was seen")
	}
}

func TestAttachErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name   string
		attach func() (*inject.Process, error)
		want   string
	}{
		{"empty name", func() (*inject.Process, error) { return inject.AttachProcess("", os.Getppid()) }, "empty name"},
		{"pid 0", func() (*inject.Process, error) { return inject.AttachProcess("x", 0) }, "pid 0 is not a process gameday may act on"},
		{"pid 1", func() (*inject.Process, error) { return inject.AttachProcess("x", 1) }, "pid 1 is not a process gameday may act on"},
		{"negative pid", func() (*inject.Process, error) { return inject.AttachProcess("x", -3) }, "pid -3 is not a process gameday may act on"},
		{"itself", func() (*inject.Process, error) { return inject.AttachProcess("x", os.Getpid()) }, "gameday itself"},
		{"no such process", func() (*inject.Process, error) { return inject.AttachProcess("x", 1<<30) }, "no process has pid"},
		{"no pid file", func() (*inject.Process, error) { return inject.AttachPIDFile("x", filepath.Join(dir, "none")) }, "no such file"},
		{"not a pid", func() (*inject.Process, error) { return inject.AttachPIDFile("x", file("bad", "abc\n")) }, `starts with "abc", not a process ID`},
		{"empty pid file", func() (*inject.Process, error) { return inject.AttachPIDFile("x", file("empty", "")) }, "not a process ID"},
	}
	for _, tt := range tests {
		p, err := tt.attach()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
		if p != nil {
			t.Errorf("%s: a process", tt.name)
		}
	}
}
