package inject_test

import (
	"fmt"
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

// TestRecoverSignalsOnlyWhatItMayTrust: recover never signals pid 1 or a
// negative pid, a process of another user, or a process of another boot,
// whatever the state file says; it signals a process group only when
// gameday made it and the process still leads it.
func TestRecoverSignalsOnlyWhatItMayTrust(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st := openState(t, path)
	record(t, st, "pause/init", inject.Revert{Kind: inject.RevertSIGCONT, PID: 1, StartTime: startTime(t, 1), Target: "init"})
	record(t, st, "pause/negative", inject.Revert{Kind: inject.RevertSIGCONT, PID: -os.Getpid(), StartTime: 1, Target: "negative"})
	// A process that does not lead its group, recorded as if it did.
	loner := stoppedSleep(t)
	record(t, st, "pause/loner", inject.Revert{Kind: inject.RevertSIGCONT, PID: loner, StartTime: startTime(t, loner), Group: true, Target: "loner"})

	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]string{
		{"process init (pid 1): not a process gameday pauses; not signalled"},
		{fmt.Sprintf("process negative (pid %d): not a process gameday pauses; not signalled", -os.Getpid())},
		{"resumed process loner (pid " + strconv.Itoa(loner) + ") with SIGCONT"},
	} {
		if !out.has(want...) {
			t.Errorf("report\n%s\nhas no line with %q", out, want)
		}
	}
	if out.has("loner", "process group") {
		t.Errorf("signalled the group of a process that does not lead one:\n%s", out)
	}
	waitState(t, loner, 'T', true)
	if keys := pendingKeys(t, st); len(keys) != 0 {
		t.Errorf("left: %v", keys)
	}
}

// TestRecoverResumesTheGroupGamedayMade: a process gameday started leads
// a group of its own; recover resumes the whole group (its children too).
func TestRecoverResumesTheGroupGamedayMade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	leader := exec.Command("sh", "-c", "sleep 600 & echo $!; wait")
	leader.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := leader.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := leader.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-leader.Process.Pid, syscall.SIGKILL); leader.Wait() })
	var child int
	if _, err := fmt.Fscan(stdout, &child); err != nil {
		t.Fatal(err)
	}
	pid := leader.Process.Pid
	if err := syscall.Kill(-pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, 'T', false)
	waitState(t, child, 'T', false)
	record(t, openState(t, path), "pause/group", inject.Revert{Kind: inject.RevertSIGCONT, PID: pid, StartTime: startTime(t, pid), Group: true, Target: "shop"})

	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !out.has("resumed process shop (pid "+strconv.Itoa(pid)+")", "process group") {
		t.Errorf("report:\n%s", out)
	}
	waitState(t, pid, 'T', true)
	waitState(t, child, 'T', true)
}

// TestRecoverLeavesAnotherUsersProcess: a paused process, recorded with
// its true start time, that runs as another user is not signalled.
func TestRecoverLeavesAnotherUsersProcess(t *testing.T) {
	requireRoot(t)
	cmd := exec.Command("sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUID, Gid: otherUID}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, 'T', false)
	path := filepath.Join(t.TempDir(), "state.json")
	record(t, openState(t, path), "pause/theirs", inject.Revert{Kind: inject.RevertSIGCONT, PID: pid, StartTime: startTime(t, pid), Target: "theirs"})

	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("process theirs (pid %d) runs as uid %d, not as you (uid 0)", pid, otherUID); !out.has(want, "not signalled") {
		t.Errorf("report\n%s\nwant a line with %q", out, want)
	}
	time.Sleep(100 * time.Millisecond)
	if s, err := procState(pid); err != nil || s != 'T' {
		t.Errorf("another user's process was resumed: state %c %v", s, err)
	}
}

// TestRecoverAfterReboot: PIDs and start times of another boot name
// nothing now: not signalled.
func TestRecoverAfterReboot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	pid := stoppedSleep(t)
	entry := fmt.Sprintf(`{"version": 2, "entries": [{"key": "pause/%[1]d@%[2]d",
		"owner": {"pid": 999999, "start": 1, "exe": "/usr/bin/gameday", "boot": "00000000-0000-0000-0000-000000000000"},
		"recorded": "2025-11-02T10:00:00Z",
		"revert": {"kind": "sigcont", "pid": %[1]d, "start_time": %[2]d, "target": "payments"}}]}`, pid, startTime(t, pid))
	if err := os.WriteFile(path, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !out.has("process payments (pid "+strconv.Itoa(pid)+")", "before the machine restarted", "not signalled") {
		t.Errorf("report:\n%s", out)
	}
	time.Sleep(100 * time.Millisecond)
	if s, err := procState(pid); err != nil || s != 'T' {
		t.Errorf("resumed: state %c %v", s, err)
	}
	if strings.Contains(out.String(), "resumed") {
		t.Errorf("report:\n%s", out)
	}
}
