package inject_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// lines collects what Recover reports.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (r *lines) add(line string) { r.mu.Lock(); defer r.mu.Unlock(); r.l = append(r.l, line) }

// has reports whether a line holds every one of parts.
func (r *lines) has(parts ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.l, func(l string) bool {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				return false
			}
		}
		return true
	})
}

func (r *lines) String() string { r.mu.Lock(); defer r.mu.Unlock(); return strings.Join(r.l, "\n") }

// recoverState runs Recover on a fresh StateFile of path, as `gameday
// recover` would after gameday died.
func recoverState(t testing.TB, path string, opts inject.RecoverOptions) (*lines, error) {
	t.Helper()
	var out lines
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := openState(t, path).Recover(ctx, opts, out.add)
	return &out, err
}

func TestRecoverPausedProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	p := startChild(t, childSpec(t, "serve"))
	pid := p.PID()
	pause := inject.NewPause(p)
	pause.SetRecorder(openState(t, path))
	if err := pause.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, 'T', false)
	pending, err := openState(t, path).Pending()
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Revert.StartTime != startTime(t, pid) || pending[0].Revert.PID != pid {
		t.Fatalf("pending %+v", pending)
	}

	// gameday died with the child paused.
	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "resumed process child-serve (pid " + strconv.Itoa(pid) + ") with SIGCONT"; !out.has(want) {
		t.Errorf("report\n%s\nwant a line with %q", out, want)
	}
	waitState(t, pid, 'T', true)
	if keys := pendingKeys(t, openState(t, path)); len(keys) != 0 {
		t.Errorf("left in the file: %v", keys)
	}
	waitAnswers(t, p.ReadyLine())
	stop(t, pause) // resumed already, record gone: harmless
}

// stoppedSleep starts a sleep, stops it with SIGSTOP, and kills it at the
// end of the test.
func stoppedSleep(t testing.TB) int {
	t.Helper()
	cmd := exec.Command("sleep", "120")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, cmd.Process.Pid, 'T', false)
	return cmd.Process.Pid
}

func TestRecoverNeverSignalsAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st := openState(t, path)
	pid := stoppedSleep(t)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	// The PID of a paused process, now another process (another start time);
	// one with no start time recorded; one that has exited.
	record(t, st, "pause/reused", inject.Revert{Kind: inject.RevertSIGCONT, PID: pid, StartTime: startTime(t, pid) + 1, Target: "reused"})
	record(t, st, "pause/unknown", inject.Revert{Kind: inject.RevertSIGCONT, PID: pid, Target: "unknown"})
	record(t, st, "pause/gone", inject.Revert{Kind: inject.RevertSIGCONT, PID: gone.Process.Pid, StartTime: 12345, Target: "gone"})

	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spid := strconv.Itoa(pid)
	for _, want := range [][]string{
		{"process reused (pid " + spid + ") is gone", "another process now", "not signalled"},
		{"process unknown (pid " + spid + "): no start time recorded", "not signalled", "kill -CONT " + spid},
		{"process gone (pid " + strconv.Itoa(gone.Process.Pid) + ") is gone"},
	} {
		if !out.has(want...) {
			t.Errorf("report\n%s\nhas no line with %q", out, want)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if s, err := procState(pid); err != nil || s != 'T' {
		t.Errorf("the other process was resumed: state %c %v", s, err)
	}
	if keys := pendingKeys(t, st); len(keys) != 0 {
		t.Errorf("left in the file: %v", keys)
	}
}

func TestRecoverCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	st := openState(t, path)
	flag, envOut := filepath.Join(dir, "reverted"), filepath.Join(dir, "env")
	record(t, st, "command/ok", inject.Revert{Kind: inject.RevertCommand, Command: &inject.CommandSpec{Argv: []string{"touch", flag}}})
	fails := inject.CommandSpec{Argv: []string{"echo oops >&2; exit 3"}, Shell: true}
	// Shown as it is: the session found no secret in it, so its output shows.
	record(t, st, "command/fails", inject.Revert{Kind: inject.RevertCommand, Command: &fails, Shown: fails.String()})
	// A command with a secret in it may print it: its output does not show.
	record(t, st, "command/echoes", inject.Revert{Kind: inject.RevertCommand, Shown: "sh -c *** sh ***",
		Command: &inject.CommandSpec{Argv: []string{"sh", "-c", `echo "$1"`, "sh", "s3cret-echoed"}}})
	record(t, st, "command/env", inject.Revert{Kind: inject.RevertCommand, Command: &inject.CommandSpec{
		Argv: []string{`printf %s "$GAMEDAY_STATE_TEST_SECRET" > ` + envOut}, Shell: true,
		Env: []string{"GAMEDAY_STATE_TEST_SECRET=s3cret", "GAMEDAY_STATE_TEST_UNSET=x"}}})
	record(t, st, "kill/payments", inject.Revert{Kind: inject.RevertKilled, PID: 4321, Target: "payments"})
	// Arguments are never printed: Shown is, when the session set it.
	record(t, st, "command/shown", inject.Revert{Kind: inject.RevertCommand, Shown: "true --token ***",
		Command: &inject.CommandSpec{Argv: []string{"true", "--token", "s3cret-arg"}}})
	record(t, st, "command/unshown", inject.Revert{Kind: inject.RevertCommand,
		Command: &inject.CommandSpec{Argv: []string{"true", "--token", "s3cret-arg"}}})

	t.Setenv("GAMEDAY_STATE_TEST_SECRET", "from-recover") // the value is taken from here, not stored
	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err == nil || !strings.Contains(err.Error(), "recover command/fails") || !strings.Contains(err.Error(), "exit status 3") ||
		!strings.Contains(err.Error(), "oops") || !strings.Contains(err.Error(), "stays in "+path) {
		t.Errorf("Recover: %v", err)
	}
	if !exists(flag) {
		t.Error("the revert command did not run")
	}
	if b, _ := os.ReadFile(envOut); string(b) != "from-recover" {
		t.Errorf("the revert command saw %q", b)
	}
	if strings.Contains(out.String(), "s3cret") || strings.Contains(err.Error(), "s3cret") || strings.Contains(out.String(), flag) {
		t.Errorf("recover printed a command's arguments:\n%s\n%v", out, err)
	}
	for _, want := range [][]string{
		{"ran revert command: touch (1 more argument not shown)"},
		{"ran revert command: sh -c (script not shown)"},
		{"ran revert command: true --token ***"},
		{"ran revert command: true (2 more arguments not shown)"},
		{"command/env: GAMEDAY_STATE_TEST_UNSET not set here"},
		{"process payments (pid 4321) was killed", "nothing can undo"},
		{"stderr: oops"},
	} {
		if !out.has(want...) {
			t.Errorf("report\n%s\nhas no line with %q", out, want)
		}
	}
	if keys := pendingKeys(t, st); !slices.Equal(keys, []string{"command/fails"}) {
		t.Errorf("pending %v, want only the failed one", keys)
	}
	if _, err := recoverState(t, path, inject.RecoverOptions{}); err == nil || !strings.Contains(err.Error(), "command/fails") {
		t.Errorf("second Recover: %v", err)
	}
	if keys := pendingKeys(t, st); !slices.Equal(keys, []string{"command/fails"}) {
		t.Errorf("pending after a second Recover: %v", keys)
	}
}

func TestRecoverToxic(t *testing.T) {
	ts := newToxiServer(t)
	path := filepath.Join(t.TempDir(), "state.json")
	x := inject.NewToxic("lat", latencyFault(ts.URL, 100))
	x.SetRecorder(openState(t, path))
	started(t, x)
	if got := ts.toxicNames(t); len(got) != 1 {
		t.Fatalf("toxics %v", got)
	}
	st := openState(t, path)
	gone := inject.ToxicRef{Server: ts.URL, Proxy: "echo", Name: "gameday-gone-downstream"}
	record(t, st, "toxic/gone", inject.Revert{Kind: inject.RevertToxic, Toxic: &gone})
	down := inject.ToxicRef{Server: "http://" + freeAddr(t), Proxy: "echo", Name: "gameday-down-downstream"}
	record(t, st, "toxic/down", inject.Revert{Kind: inject.RevertToxic, Toxic: &down})

	// gameday died with the toxic on.
	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err == nil || !strings.Contains(err.Error(), "recover toxic/down") || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("Recover: %v", err)
	}
	if want := "deleted toxic " + tname("lat-downstream") + " on proxy echo at " + ts.URL; !out.has(want) {
		t.Errorf("report\n%s\nwant a line with %q", out, want)
	}
	if !out.has("toxic gameday-gone-downstream", "gone already") {
		t.Errorf("report\n%s\nsays nothing of the toxic that was gone", out)
	}
	if got := ts.toxicNames(t); len(got) != 0 {
		t.Errorf("toxics left: %v", got)
	}
	if keys := pendingKeys(t, st); !slices.Equal(keys, []string{"toxic/down"}) {
		t.Errorf("pending %v", keys)
	}
}

// startOwner starts another gameday process that records key, whose revert
// touches the file touch.
func startOwner(t testing.TB, path, key, touch string) *inject.Process {
	t.Helper()
	spec := stateChildSpec(t, "own", path, stateKeyEnv+"="+key, stateTouchEnv+"="+touch)
	spec.ReadyPrefix, spec.ReadyTimeout = "READY", 20*time.Second // a race-built child on a busy machine
	return startChild(t, spec)
}

// TestRecoverLeavesLiveOwners: two real gameday processes record the same
// key (a command fault of one name): (owner, key) names an entry, so they
// do not clash. One dies; Recover reverts its entry, and only with Force
// the live one's.
func TestRecoverLeavesLiveOwners(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	st := openState(t, path)
	liveFlag, deadFlag := filepath.Join(dir, "live-reverted"), filepath.Join(dir, "dead-reverted")
	live := startOwner(t, path, "command/same", liveFlag)
	dead := startOwner(t, path, "command/same", deadFlag)
	if err := dead.Stop(0); err != nil { // SIGKILL: gameday crashed
		t.Fatal(err)
	}

	p, err := st.Pending()
	if err != nil {
		t.Fatal(err)
	}
	owners := map[int]bool{}
	for _, e := range p {
		owners[e.Owner.PID] = e.Key == "command/same"
	}
	if len(p) != 2 || !owners[dead.PID()] || !owners[live.PID()] {
		t.Fatalf("pending %+v", p)
	}
	// This gameday may record that key too, and forgets only its own.
	record(t, st, "command/same", inject.Revert{Kind: inject.RevertCommand, Command: &inject.CommandSpec{Argv: []string{"true"}}})
	if keys := pendingKeys(t, st); len(keys) != 3 {
		t.Errorf("pending %v, want three entries under one key", keys)
	}
	if err := st.Forget("command/same"); err != nil {
		t.Fatal(err)
	}
	if keys := pendingKeys(t, st); len(keys) != 2 {
		t.Errorf("after Forget: pending %v, want the other two", keys)
	}
	for _, e := range mustPending(t, st) {
		if e.Owner.PID == live.PID() && e.Orphaned() || e.Owner.PID == dead.PID() && !e.Orphaned() {
			t.Errorf("%s of pid %d: Orphaned %v", e.Key, e.Owner.PID, e.Orphaned())
		}
	}

	out, err := recoverState(t, path, inject.RecoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "command/same: still owned by running gameday pid " + strconv.Itoa(live.PID()); !out.has(want) {
		t.Errorf("report\n%s\nwant a line with %q", out, want)
	}
	if exists(liveFlag) || !exists(deadFlag) {
		t.Errorf("reverted: live %v (want false), dead %v (want true)", exists(liveFlag), exists(deadFlag))
	}
	if p := mustPending(t, st); len(p) != 1 || p[0].Owner.PID != live.PID() {
		t.Errorf("pending %+v", p)
	}

	out, err = recoverState(t, path, inject.RecoverOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !out.has("command/same", "forced") || !exists(liveFlag) {
		t.Errorf("forced: reverted %v, report\n%s", exists(liveFlag), out)
	}
	if keys := pendingKeys(t, st); len(keys) != 0 {
		t.Errorf("pending %v", keys)
	}
}

func mustPending(t testing.TB, st *inject.StateFile) []inject.PendingRevert {
	t.Helper()
	p, err := st.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
