package inject_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// regexpToxicName is what Toxiproxy's names may hold, as gameday keeps them.
var regexpToxicName = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// runningSleep starts a sleep, which the test may pause, and kills it at
// the end of the test.
func runningSleep(t testing.TB) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func openStateAs(t testing.TB, path string, pid int) *inject.StateFile {
	t.Helper()
	st, err := inject.OpenStateFileAs(path, pid)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func wantErr(t testing.TB, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one that says %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v\ndoes not say %q", what, err, p)
		}
	}
}

// TestStateFileTwoGamedays: two game days on one state file, as two
// StateFile values of different owners (this process, and a sleep that
// stands for a second gameday). Entries are named by (owner, key); acting
// on one process or one toxic is a conflict, said clearly; a dead one's
// entries are recovered, a live one's left alone.
func TestStateFileTwoGamedays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	other := runningSleep(t)
	a := openState(t, path)
	b := openStateAs(t, path, other.Process.Pid)
	if a.Owner().PID != os.Getpid() || b.Owner().PID != other.Process.Pid {
		t.Fatalf("owners %+v, %+v", a.Owner(), b.Owner())
	}

	// One key, two game days: two entries; Forget takes one's own only.
	cmd := inject.Revert{Kind: inject.RevertCommand, Command: &inject.CommandSpec{Argv: []string{"true"}}, Target: "flaky"}
	record(t, a, "command/flaky", cmd)
	record(t, b, "command/flaky", cmd)
	if keys := pendingKeys(t, a); !slices.Equal(keys, []string{"command/flaky", "command/flaky"}) {
		t.Fatalf("pending %v", keys)
	}
	if err := b.Forget("command/flaky"); err != nil {
		t.Fatal(err)
	}
	if p := mustPending(t, a); len(p) != 1 || p[0].Owner.PID != os.Getpid() {
		t.Fatalf("after b's Forget: %+v", p)
	}
	record(t, b, "command/flaky", cmd)

	// Each pauses a payments process of its own: no clash.
	mine, theirs := runningSleep(t).Process.Pid, runningSleep(t).Process.Pid
	pause := func(pid int) inject.Revert {
		return inject.Revert{Kind: inject.RevertSIGCONT, PID: pid, StartTime: startTime(t, pid), Target: "payments"}
	}
	key := func(kind string, pid int) string { return fmt.Sprintf("%s/%d@%d", kind, pid, startTime(t, pid)) }
	record(t, a, "payments paused/"+key("pause", mine), pause(mine))
	record(t, b, "payments paused/"+key("pause", theirs), pause(theirs))

	// The same process: a real conflict, whatever the key's prefix.
	err := b.Record("other block/"+key("pause", mine), pause(mine))
	wantErr(t, "b pauses a's process", err, "another game day", fmt.Sprintf("gameday pid %d (still running)", os.Getpid()),
		fmt.Sprintf(`process "payments" (pid %d) paused`, mine), "halt it there first")
	err = a.Record("second block/"+key("pause", mine), pause(mine))
	wantErr(t, "a pauses its process twice", err, "this gameday has", "two faults on one process would undo each other")
	// A kill of it by the same gameday is that gameday's business.
	record(t, a, "kill block/"+key("kill", mine), inject.Revert{Kind: inject.RevertKilled, PID: mine, StartTime: startTime(t, mine)})
	if err := a.Forget("kill block/" + key("kill", mine)); err != nil {
		t.Fatal(err)
	}
	// One toxic (the token would tell them apart; here it is the same).
	ref := inject.ToxicRef{Server: "http://127.0.0.1:1", Proxy: "redis", Name: "gameday-abc123-lat-downstream"}
	record(t, b, "toxic/x", inject.Revert{Kind: inject.RevertToxic, Toxic: &ref})
	err = a.Record("toxic/x", inject.Revert{Kind: inject.RevertToxic, Toxic: &ref})
	wantErr(t, "one toxic", err, "another game day", "toxic gameday-abc123-lat-downstream")
	if err := b.Forget("toxic/x"); err != nil {
		t.Fatal(err)
	}

	// b dies, with theirs paused. Its entries are orphaned, a's are not;
	// a may not pause theirs before recover; a third gameday's Recover
	// reverts b's entries and leaves a's.
	if err := syscall.Kill(theirs, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	other.Process.Kill()
	other.Wait()
	for _, e := range mustPending(t, a) {
		if e.Orphaned() != (e.Owner.PID == other.Process.Pid) {
			t.Errorf("%s of pid %d: Orphaned %v", e.Key, e.Owner.PID, e.Orphaned())
		}
	}
	err = a.Record("mine now/"+key("pause", theirs), pause(theirs))
	wantErr(t, "a pauses what dead b left paused", err, fmt.Sprintf("gameday pid %d, which has exited", other.Process.Pid), "gameday recover")

	third := runningSleep(t)
	var out lines
	if err := openStateAs(t, path, third.Process.Pid).Recover(t.Context(), inject.RecoverOptions{}, out.add); err != nil {
		t.Fatal(err)
	}
	if !out.has("resumed process payments (pid "+strconv.Itoa(theirs)+")") || !out.has("ran revert command: true") ||
		!out.has("payments paused/"+key("pause", mine), "still owned by running gameday pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("report:\n%s", out.String())
	}
	waitState(t, theirs, 'T', true)
	p := mustPending(t, a)
	if len(p) != 2 || p[0].Owner.PID != os.Getpid() || p[1].Owner.PID != os.Getpid() {
		t.Errorf("left: %+v", p)
	}
}

// TestOwnerRunning: an owner is a running gameday only while its PID,
// start time, boot and executable all match.
func TestOwnerRunning(t *testing.T) {
	cmd := runningSleep(t)
	pid := cmd.Process.Pid
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	o := openStateAs(t, path, pid).Owner()
	if o.PID != pid || o.Start != startTime(t, pid) || o.Exe != exe || o.Boot == "" {
		t.Fatalf("owner %+v", o)
	}
	tests := []struct {
		name   string
		change func(o *inject.Owner)
		want   bool
	}{
		{"as recorded", func(*inject.Owner) {}, true},
		{"another start time", func(o *inject.Owner) { o.Start++ }, false},
		{"another executable (pid reused, or exec)", func(o *inject.Owner) { o.Exe = "/usr/bin/gameday" }, false},
		{"another boot", func(o *inject.Owner) { o.Boot = "00000000-0000-0000-0000-000000000000" }, false},
		{"version 1: no exe, and not this program", func(o *inject.Owner) { o.Exe, o.Boot = "", "" }, false},
		{"pid 0", func(o *inject.Owner) { o.PID = 0 }, false},
	}
	for _, tt := range tests {
		c := o
		tt.change(&c)
		if got := c.Running(); got != tt.want {
			t.Errorf("%s: Running %v, want %v", tt.name, got, tt.want)
		}
	}
	me := inject.Owner{PID: os.Getpid(), Start: startTime(t, os.Getpid())}
	if !me.Running() {
		t.Error("version 1 owner that runs this program: not running")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if o.Running() {
		t.Error("a killed owner runs")
	}
}

// TestTwoGamedaysPauseTheirOwnPayments is the collision of two `gameday
// demo` runs, with real processes: each of two gamedays pauses its own
// "payments" on one state file, which keys by PID, so both succeed; a
// third that pauses the first one's payments is refused, saying why.
func TestTwoGamedaysPauseTheirOwnPayments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	pay1, pay2 := runningSleep(t).Process.Pid, runningSleep(t).Process.Pid
	gameday := func(pid int) (*inject.Process, error) {
		spec := stateChildSpec(t, "pause", path, statePIDEnv+"="+strconv.Itoa(pid))
		spec.ReadyPrefix, spec.ReadyTimeout = "READY", 20*time.Second
		p, err := inject.StartProcess(t.Context(), spec)
		if err == nil {
			t.Cleanup(func() { p.Stop(0) })
		}
		return p, err
	}
	g1, err := gameday(pay1)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := gameday(pay2)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, pay1, 'T', false)
	waitState(t, pay2, 'T', false)
	p := mustPending(t, openState(t, path))
	if len(p) != 2 || p[0].Owner.PID == p[1].Owner.PID || p[0].Revert.Target != "payments" || p[1].Revert.Target != "payments" {
		t.Fatalf("pending %+v", p)
	}

	_, err = gameday(pay1)
	wantErr(t, "a third gameday pauses the first one's payments", err, "exited before printing its ready line",
		"another game day", fmt.Sprintf("gameday pid %d (still running)", g1.PID()), fmt.Sprintf(`process "payments" (pid %d) paused`, pay1))

	// Both gamedays crash: recover resumes both payments.
	g1.Stop(0)
	g2.Stop(0)
	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, pay1, 'T', true)
	waitState(t, pay2, 'T', true)
	if !out.has("resumed process payments (pid "+strconv.Itoa(pay1)+")") || !out.has("resumed process payments (pid "+strconv.Itoa(pay2)+")") {
		t.Errorf("report:\n%s", out.String())
	}
}

// TestTwoGamedaysToxicsOfOneName: two gamedays (processes) put a toxic
// of one fault name on one Toxiproxy server: their session tokens tell
// the toxics apart, and the names keep to Toxiproxy's characters.
func TestTwoGamedaysToxicsOfOneName(t *testing.T) {
	ts := newToxiServer(t)
	path := filepath.Join(t.TempDir(), "state.json")
	x := inject.NewToxic("lat", latencyFault(ts.URL, 10))
	x.SetRecorder(openState(t, path))
	started(t, x)
	spec := stateChildSpec(t, "toxic", path, stateServerEnv+"="+ts.URL)
	spec.ReadyPrefix, spec.ReadyTimeout = "READY", 20*time.Second
	child := startChild(t, spec)

	theirs := "gameday-" + inject.TokenOf(child.PID()) + "-lat-downstream"
	want := []string{tname("lat-downstream"), theirs}
	slices.Sort(want)
	if got := ts.toxicNames(t); !slices.Equal(got, want) || want[0] == want[1] {
		t.Fatalf("toxics %v, want %v", got, want)
	}
	for _, n := range want {
		if !regexpToxicName.MatchString(n) {
			t.Errorf("toxic name %q", n)
		}
	}
	if err := inject.NewToxic("lat", latencyFault(ts.URL, 10)).Validate(); err != nil {
		t.Fatal(err)
	}
	stop(t, x)
	if got := ts.toxicNames(t); !slices.Equal(got, []string{theirs}) {
		t.Errorf("after this gameday's Stop: %v", got)
	}
	// In one process, the seam gives another token.
	y := inject.NewToxic("lat", latencyFault(ts.URL, 10))
	inject.SetToxicToken(y, "zzz999")
	started(t, y)
	if got := y.ToxicName("downstream"); got != "gameday-zzz999-lat-downstream" || !slices.Contains(ts.toxicNames(t), got) {
		t.Errorf("toxic %q among %v", got, ts.toxicNames(t))
	}
	stop(t, y)
}
