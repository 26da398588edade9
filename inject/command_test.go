package inject_test

import (
	"context"
	"errors"
	"os"
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

// shell returns a spec that runs script with /bin/sh -c.
func shell(script string) inject.CommandSpec {
	return inject.CommandSpec{Argv: []string{script}, Shell: true, Timeout: 20 * time.Second}
}

// argv returns a spec that runs args with no shell.
func argv(args ...string) inject.CommandSpec {
	return inject.CommandSpec{Argv: args, Timeout: 20 * time.Second}
}

// outputLog collects the lines a command prints, as "stream: line".
type outputLog struct {
	mu    sync.Mutex
	lines []string
}

func (o *outputLog) add(stream, line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines = append(o.lines, stream+": "+line)
}

// of returns the lines of one stream, in order.
func (o *outputLog) of(stream string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, l := range o.lines {
		if rest, ok := strings.CutPrefix(l, stream+": "); ok {
			out = append(out, rest)
		}
	}
	return out
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// countLines returns the number of lines in the file at path (0 if none).
func countLines(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

func TestCommandFault(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "fault-on")
	var out outputLog
	f := inject.NewCommandFault("flag", argv("touch", flag), argv("rm", "-v", flag), out.add)
	ctx := context.Background()
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !exists(flag) {
		t.Fatal("start did not run")
	}
	if err := f.Start(ctx); err != nil { // already on: nothing runs
		t.Fatal(err)
	}
	update(t, f, 0.5) // commands have no intensity
	if err := f.Update(context.Background(), 1.5); err == nil {
		t.Error("Update(1.5): no error")
	}
	if !exists(flag) {
		t.Fatal("Update changed the fault")
	}
	stop(t, f)
	if exists(flag) {
		t.Fatal("revert did not run")
	}
	if got := out.of("stdout"); len(got) != 1 || !strings.Contains(got[0], "fault-on") {
		t.Errorf("the revert's output: %q", got)
	}
	stop(t, f) // rm would fail now: it must not run
}

func TestCommandFaultStopRunsRevertOnce(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "reverts")
	f := inject.NewCommandFault("count", argv("true"), shell("echo reverted >> "+count), nil)
	stop(t, f) // before Start: nothing to revert
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop(t, f)
	stop(t, f)
	if n := countLines(t, count); n != 1 {
		t.Errorf("revert ran %d times", n)
	}
	if err := f.Start(context.Background()); err != nil { // on again after a Stop
		t.Fatal(err)
	}
	stop(t, f)
	if n := countLines(t, count); n != 2 {
		t.Errorf("after a second Start and Stop, revert ran %d times", n)
	}
}

func TestCommandFaultFailedStart(t *testing.T) {
	dir := t.TempDir()
	half, reverts := filepath.Join(dir, "half-done"), filepath.Join(dir, "reverts")
	start := shell("touch " + half + "; echo applying; echo 'cannot apply: no such rule' >&2; exit 3")
	revert := shell("rm -f " + half + "; echo reverted >> " + reverts)
	var out outputLog
	f := inject.NewCommandFault("half", start, revert, out.add)
	err := f.Start(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	t.Log(err)
	for _, want := range []string{`"half"`, "exit status 3", "cannot apply: no such rule", "stdout: applying", "start failed, and its revert command ran"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}
	var ce *inject.CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 3 || ce.TimedOut {
		t.Errorf("CommandError %+v", ce)
	}
	if exists(half) || countLines(t, reverts) != 1 {
		t.Errorf("half-done start not reverted: half %v, reverts %d", exists(half), countLines(t, reverts))
	}
	if got := out.of("stderr"); !slices.Equal(got, []string{"cannot apply: no such rule"}) {
		t.Errorf("stderr lines %q", got)
	}
	stop(t, f) // the session stops a fault that failed to start: revert must not run again
	if n := countLines(t, reverts); n != 1 {
		t.Errorf("revert ran %d times", n)
	}

	t.Run("and the revert fails too", func(t *testing.T) {
		f := inject.NewCommandFault("both", shell("exit 4"), shell("echo 'rule busy' >&2; exit 5"), nil)
		err := f.Start(context.Background())
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{"start: command", "exit status 4", "revert: command", "exit status 5", "rule busy"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
}

func TestCommandFaultRejectsBadSpecs(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "started")
	f := inject.NewCommandFault("bad", argv("touch", flag), inject.CommandSpec{Argv: []string{"a", "b"}, Shell: true}, nil)
	err := f.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "revert: a shell command is one string") {
		t.Errorf("error %v", err)
	}
	if exists(flag) {
		t.Error("a fault with a bad revert ran its start")
	}

	tests := []struct {
		spec inject.CommandSpec
		want string
	}{
		{inject.CommandSpec{}, "argv is empty"},
		{inject.CommandSpec{Argv: []string{"echo hi", "x"}, Shell: true}, "one string, got 2"},
		{inject.CommandSpec{Argv: []string{""}}, "empty command"},
		{inject.CommandSpec{Argv: []string{"  "}, Shell: true}, "empty command"},
		{inject.CommandSpec{Argv: []string{"true"}, Timeout: -s}, "timeout -1s is negative"},
		{inject.CommandSpec{Argv: []string{"true"}, Env: []string{"NOVALUE"}}, `"NOVALUE" is not NAME=value`},
		{inject.CommandSpec{Argv: []string{"true"}, Env: []string{"=x"}}, "not NAME=value"},
	}
	for _, tt := range tests {
		err := tt.spec.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: Validate %v, want %q", tt.spec, err, tt.want)
		}
		if err := inject.RunCommand(context.Background(), tt.spec, nil); err == nil {
			t.Errorf("%+v: RunCommand ran it", tt.spec)
		}
	}
	if err := argv("true").Validate(); err != nil {
		t.Error(err)
	}
}

func TestRunCommandOutput(t *testing.T) {
	var out outputLog
	err := inject.RunCommand(context.Background(), shell("printf 'one\\r\\ntwo\\n\\n'; echo three >&2; printf 'no line end'"), out.add)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.of("stdout"), []string{"one", "two", "", "no line end"}; !slices.Equal(got, want) {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got := out.of("stderr"); !slices.Equal(got, []string{"three"}) {
		t.Errorf("stderr %q", got)
	}
}

func TestRunCommandNoShellUnlessAsked(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	var out outputLog
	script := "$HOME; touch " + marker + " `id` *"
	if err := inject.RunCommand(context.Background(), argv("echo", script), out.add); err != nil {
		t.Fatal(err)
	}
	if got := out.of("stdout"); !slices.Equal(got, []string{script}) {
		t.Errorf("echo printed %q: a shell read its argument", got)
	}
	if exists(marker) {
		t.Error("the argument ran as a shell command")
	}

	// Shell mode, with a working directory and added environment.
	out = outputLog{}
	spec := shell(`pwd; echo "$GAMEDAY_TEST_X"; touch marker`)
	spec.Dir, spec.Env = dir, []string{"GAMEDAY_TEST_X=forty two"}
	if err := inject.RunCommand(context.Background(), spec, out.add); err != nil {
		t.Fatal(err)
	}
	if got := out.of("stdout"); len(got) != 2 || got[1] != "forty two" || !exists(marker) {
		t.Errorf("stdout %q, marker %v", got, exists(marker))
	}
	if got := out.of("stdout"); len(got) > 0 && got[0] != dir {
		t.Errorf("pwd %q, want %q", got[0], dir)
	}
}

func TestRunCommandLeavesBackgroundRunning(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, redirect string }{
		{"output redirected", " >/dev/null 2>&1"},
		{"output still open", ""}, // RunCommand stops reading after a while
	} {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			start := time.Now()
			err := inject.RunCommand(context.Background(), shell("sleep 30"+tt.redirect+" & echo $! > "+pidFile), nil)
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("took %v", took)
			}
			pid := readPIDs(t, pidFile)[0]
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			if st, err := procState(pid); err != nil || st == 'Z' {
				t.Errorf("the background sleep did not survive a normal exit: %c %v", st, err)
			}
		})
	}
}

func TestRunCommandFailures(t *testing.T) {
	var ce *inject.CommandError
	err := inject.RunCommand(context.Background(), argv("/nonexistent/ghost", "x"), nil)
	if !errors.As(err, &ce) || ce.ExitCode != -1 || !strings.Contains(err.Error(), "/nonexistent/ghost") {
		t.Errorf("missing program: %v", err)
	}
	err = inject.RunCommand(context.Background(), argv("sh", "-c", "exit 7"), nil)
	if !errors.As(err, &ce) || ce.ExitCode != 7 || !strings.Contains(err.Error(), `sh -c "exit 7"`) {
		t.Errorf("exit 7: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := inject.RunCommand(ctx, argv("true"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("ended context: %v", err)
	}
}

// readPIDs waits for a file of PIDs that a shell script writes.
func readPIDs(t testing.TB, path string) []int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if fs := strings.Fields(string(b)); err == nil && strings.HasSuffix(string(b), "\n") && len(fs) > 0 {
			pids := make([]int, len(fs))
			for i, f := range fs {
				if pids[i], err = strconv.Atoi(f); err != nil {
					t.Fatalf("%s: %q", path, b)
				}
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitEnded waits until pid has exited (gone, or a zombie nobody reaps).
func waitEnded(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := procState(pid)
		if gone(pid) || err == nil && st == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d is still there (state %c)", pid, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunCommandTimeoutKillsGroup(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		wantIs error
	}{
		{"timeout", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, nil},
		{"context ends", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Second)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pids")
			spec := shell("sleep 30 & echo $$ $! > " + pidFile + "; sleep 30")
			if tt.wantIs == nil {
				spec.Timeout = time.Second
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			err := inject.RunCommand(ctx, spec, nil)
			took := time.Since(start)
			t.Logf("after %v: %v", took, err)
			var ce *inject.CommandError
			if !errors.As(err, &ce) || ce.ExitCode != -1 || ce.TimedOut != (tt.wantIs == nil) {
				t.Fatalf("error %#v", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error is not %v", tt.wantIs)
			}
			if tt.wantIs == nil && !strings.Contains(err.Error(), "timed out after 1s") {
				t.Errorf("error does not say it timed out")
			}
			if took > 15*time.Second {
				t.Errorf("took %v", took)
			}
			for _, pid := range readPIDs(t, pidFile) { // the shell and its background sleep
				waitEnded(t, pid)
			}
		})
	}
}

func TestCommandSpecString(t *testing.T) {
	tests := []struct {
		spec inject.CommandSpec
		want string
	}{
		{argv("tc", "qdisc", "add", "dev", "lo"), "tc qdisc add dev lo"},
		{argv("echo", "a b", "", "$X"), `echo "a b" "" "$X"`},
		{shell("sleep 1; echo done"), `sh -c "sleep 1; echo done"`},
	}
	for _, tt := range tests {
		if got := tt.spec.String(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
}

func TestCommandFaultRecorder(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "fault-on")
	revert := argv("rm", flag)
	f := inject.NewCommandFault("flag", argv("touch", flag), revert, nil)
	rec := newRecorder()
	rec.check = func(op, key string) {
		// Record before the start runs; Forget after the revert ran.
		if exists(flag) {
			t.Errorf("%s %s: the fault is on", op, key)
		}
	}
	f.SetRecorder(rec)
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rv := rec.pending()["command/flag"]
	if rv.Kind != inject.RevertCommand || rv.Command == nil || !slices.Equal(rv.Command.Argv, revert.Argv) || rv.Command.Timeout != revert.Timeout {
		t.Errorf("recorded %+v", rv)
	}
	stop(t, f)
	stop(t, f)
	if got, want := rec.calls(), []string{"record command/flag command pid=0 group=false", "forget command/flag"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}

	t.Run("a failed revert stays recorded, and a second Stop runs it again", func(t *testing.T) {
		rec := newRecorder()
		gate := filepath.Join(t.TempDir(), "gate")
		// The revert fails until the gate file exists.
		f := inject.NewCommandFault("stuck", argv("true"), argv("test", "-e", gate), nil)
		f.SetRecorder(rec)
		if err := f.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := f.Stop(context.Background()); err == nil || !strings.Contains(err.Error(), "exit status 1") {
				t.Errorf("Stop: %v", err)
			}
			if _, ok := rec.pending()["command/stuck"]; !ok || len(rec.calls()) != 1 {
				t.Errorf("calls %q", rec.calls())
			}
		}
		if err := os.WriteFile(gate, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		stop(t, f) // the retry succeeds and forgets the record
		if _, ok := rec.pending()["command/stuck"]; ok {
			t.Errorf("still recorded after a revert that succeeded: %q", rec.calls())
		}
		stop(t, f) // and once it has, Stop does nothing
		if n := len(rec.calls()); n != 2 {
			t.Errorf("calls %q, want record and forget", rec.calls())
		}
	})

	t.Run("a failing Record stops the start", func(t *testing.T) {
		rec := newRecorder()
		rec.recordErr = errors.New("read-only file system")
		f := inject.NewCommandFault("flag", argv("touch", flag), argv("rm", flag), nil)
		f.SetRecorder(rec)
		err := f.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "read-only file system") || exists(flag) {
			t.Errorf("Start: %v; fault on %v", err, exists(flag))
		}
		stop(t, f)
	})
}
