package inject_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// stateChildEnv, when set, makes the test binary a second gameday process
// that uses the state file named by stateFileEnv; its value is the mode:
//
//	own     records stateKeyEnv (a revert that touches stateTouchEnv),
//	        prints READY and sleeps
//	hammer  records child/00..child/29, forgets the odd ones, and exits
//	pause   attaches to pid $GAMEDAY_STATE_TEST_PID as "payments", pauses
//	        it (a PauseInjector recording in the file), prints READY and
//	        sleeps; exits 1 with the error if it cannot pause it
//	toxic   starts a latency toxic "lat" on the proxy "echo" of the
//	        Toxiproxy server $GAMEDAY_STATE_TEST_SERVER, prints READY and
//	        sleeps
//
// It is checked in init, before TestMain.
const (
	stateChildEnv  = "GAMEDAY_STATE_TEST_CHILD"
	stateFileEnv   = "GAMEDAY_STATE_TEST_FILE"
	stateKeyEnv    = "GAMEDAY_STATE_TEST_KEY"
	stateTouchEnv  = "GAMEDAY_STATE_TEST_TOUCH"
	statePIDEnv    = "GAMEDAY_STATE_TEST_PID"
	stateServerEnv = "GAMEDAY_STATE_TEST_SERVER"
)

func init() {
	if mode := os.Getenv(stateChildEnv); mode != "" {
		os.Exit(stateChild(mode))
	}
}

func stateChild(mode string) int {
	st, err := inject.OpenStateFile(os.Getenv(stateFileEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch mode {
	case "own":
		rv := inject.Revert{Kind: inject.RevertCommand, Command: &inject.CommandSpec{Argv: []string{"touch", os.Getenv(stateTouchEnv)}}}
		if err := st.Record(os.Getenv(stateKeyEnv), rv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("READY")
		time.Sleep(childLifetime)
	case "hammer":
		for i := range 30 {
			key := fmt.Sprintf("child/%02d", i)
			if err := st.Record(key, inject.Revert{Kind: inject.RevertKilled}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if i%2 == 1 {
				if err := st.Forget(key); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 1
				}
			}
		}
	case "pause":
		pid, _ := strconv.Atoi(os.Getenv(statePIDEnv))
		p, err := inject.AttachProcess("payments", pid)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		x := inject.NewPause(p)
		x.SetRecorder(st)
		if err := x.Start(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("READY")
		time.Sleep(childLifetime)
	case "toxic":
		x := inject.NewToxic("lat", inject.ToxicFault{Server: os.Getenv(stateServerEnv), Proxy: "echo", Type: "latency",
			Attributes: map[string]int64{"latency": 10}})
		x.SetRecorder(st)
		if err := x.Start(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("READY")
		time.Sleep(childLifetime)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 1
	}
	return 0
}

// stateChildSpec returns the spec of a second gameday process in mode,
// on the state file at path, with env added to its environment.
func stateChildSpec(t testing.TB, mode, path string, env ...string) inject.ProcessSpec {
	t.Helper()
	return testBinary(t, "gameday-"+mode, append(env, stateChildEnv+"="+mode, stateFileEnv+"="+path)...)
}

func openState(t testing.TB, path string) *inject.StateFile {
	t.Helper()
	st, err := inject.OpenStateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func pendingKeys(t testing.TB, st *inject.StateFile) []string {
	t.Helper()
	p, err := st.Pending()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range p {
		keys = append(keys, e.Key)
	}
	return keys
}

func record(t testing.TB, st *inject.StateFile, key string, rv inject.Revert) {
	t.Helper()
	if err := st.Record(key, rv); err != nil {
		t.Fatal(err)
	}
}

func TestStateFileRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "gameday")
	path := filepath.Join(dir, "state.json")
	st := openState(t, path) // creates the directory
	if keys := pendingKeys(t, st); len(keys) != 0 {
		t.Fatalf("new file: %v", keys)
	}
	before := time.Now()
	pause := inject.Revert{Kind: inject.RevertSIGCONT, PID: 1234, Group: true, StartTime: 98765, Note: "paused"}
	cmd := inject.CommandSpec{Argv: []string{"tc", "qdisc", "del", "dev", "lo", "root"},
		Env: []string{"GAMEDAY_TOKEN=hunter2", "PLAIN=x"}, Timeout: 5 * time.Second}
	toxic := inject.Revert{Kind: inject.RevertToxic, Toxic: &inject.ToxicRef{Server: "http://127.0.0.1:8474", Proxy: "redis", Name: "gameday-x-downstream"}}
	record(t, st, "pause/payments", pause)
	record(t, st, "command/tc", inject.Revert{Kind: inject.RevertCommand, Command: &cmd})
	record(t, st, "toxic/x", toxic)
	record(t, st, "pause/payments", pause) // again: replaced
	if err := st.Record("", pause); err == nil {
		t.Error("Record with an empty key: no error")
	}

	// A fresh StateFile, as after a crash, reads the same.
	p, err := openState(t, path).Pending()
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 3 || p[0].Key != "command/tc" || p[1].Key != "pause/payments" || p[2].Key != "toxic/x" {
		t.Fatalf("pending %+v", p)
	}
	for _, e := range p {
		exe, _ := os.Executable()
		if e.Owner.PID != os.Getpid() || e.Owner.Start != startTime(t, os.Getpid()) || e.Owner.Exe != exe || e.Owner.Boot == "" ||
			e.TakenBy != nil || e.Recorded.Before(before.Add(-time.Second)) || time.Since(e.Recorded) > time.Minute {
			t.Errorf("%s: owner %+v taken by %v recorded %v", e.Key, e.Owner, e.TakenBy, e.Recorded)
		}
	}
	if got := p[1].Revert; got.Kind != pause.Kind || got.PID != 1234 || !got.Group || got.StartTime != 98765 || got.Note != "paused" {
		t.Errorf("sigcont revert %+v", got)
	}
	if got := p[2].Revert.Toxic; got == nil || *got != *toxic.Toxic {
		t.Errorf("toxic revert %+v", got)
	}
	// A command's environment is stored by name only.
	got := p[0].Revert
	if got.Command == nil || !slices.Equal(got.Command.Argv, cmd.Argv) || got.Command.Timeout != cmd.Timeout ||
		got.Command.Env != nil || !slices.Equal(got.EnvNames, []string{"GAMEDAY_TOKEN", "PLAIN"}) {
		t.Errorf("command revert %+v %+v", got, got.Command)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("hunter2")) {
		t.Errorf("the state file holds a secret:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}

	if err := st.Forget("pause/payments"); err != nil {
		t.Fatal(err)
	}
	if err := st.Forget("not/there"); err != nil {
		t.Fatal(err)
	}
	if keys := pendingKeys(t, openState(t, path)); !slices.Equal(keys, []string{"command/tc", "toxic/x"}) {
		t.Errorf("after Forget: %v", keys)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"state.json", "state.json.lock"}) {
		t.Errorf("files in the state directory: %v", names)
	}
}

func TestStateFileCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st := openState(t, path)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := inject.OpenStateFile(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a gameday state file") {
		t.Errorf("OpenStateFile on a corrupt file: %v", err)
	}
	if err := st.Record("pause/x", inject.Revert{Kind: inject.RevertKilled}); err == nil {
		t.Error("Record on a corrupt file: no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "{not json" {
		t.Errorf("the corrupt file was overwritten: %q", b)
	}
}

func TestDefaultStatePath(t *testing.T) {
	t.Setenv("HOME", "/home/op")
	t.Setenv("XDG_STATE_HOME", "/var/state")
	if got := inject.DefaultStatePath(); got != "/var/state/gameday/state.json" {
		t.Errorf("with XDG_STATE_HOME: %s", got)
	}
	for _, xdg := range []string{"", "relative/dir"} {
		t.Setenv("XDG_STATE_HOME", xdg)
		if got := inject.DefaultStatePath(); got != "/home/op/.local/state/gameday/state.json" {
			t.Errorf("XDG_STATE_HOME=%q: %s", xdg, got)
		}
	}
}

// TestStateFileConcurrent records and forgets from goroutines on two
// StateFile values of one path, while another process does the same.
func TestStateFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	files := []*inject.StateFile{openState(t, path), openState(t, path)}
	spec := stateChildSpec(t, "hammer", path)
	child := exec.Command(spec.Path, spec.Args...)
	child.Env = append(os.Environ(), spec.Env...)
	var stderr syncBuffer
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	childErr := make(chan error, 1)
	var childDone atomic.Bool
	go func() { err := child.Wait(); childDone.Store(true); childErr <- err }()

	const goroutines, keys = 6, 12
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := files[g%2]
			busy := fmt.Sprintf("busy/%d", g)
			for i := 0; i < keys || !childDone.Load(); i++ { // keep at it while the child runs
				if i >= keys {
					if err := st.Record(busy, inject.Revert{Kind: inject.RevertKilled}); err != nil {
						errs <- err
						return
					}
					if err := st.Forget(busy); err != nil {
						errs <- err
						return
					}
					continue
				}
				key := fmt.Sprintf("g%d/%02d", g, i)
				if err := st.Record(key, inject.Revert{Kind: inject.RevertKilled}); err != nil {
					errs <- err
					return
				}
				if i%2 == 1 {
					if err := st.Forget(key); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	select {
	case err := <-childErr:
		if err != nil {
			t.Fatalf("child: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(time.Minute):
		child.Process.Kill()
		t.Fatal("child did not finish")
	}

	var want []string
	for i := 0; i < 30; i += 2 {
		want = append(want, fmt.Sprintf("child/%02d", i))
	}
	for g := range goroutines {
		for i := 0; i < keys; i += 2 {
			want = append(want, fmt.Sprintf("g%d/%02d", g, i))
		}
	}
	slices.Sort(want)
	for _, st := range files {
		if got := pendingKeys(t, st); !slices.Equal(got, want) {
			t.Errorf("pending\n%v\nwant\n%v", got, want)
		}
	}
}

// startTime returns field 22 of /proc/PID/stat.
func startTime(t testing.TB, pid int) uint64 {
	t.Helper()
	f, err := procFields(pid)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
