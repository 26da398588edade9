package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHaltAllWhileAStartHangs: a command fault whose start takes 20 s
// holds nobody: the cockpit keeps drawing (its T+ clock moves), and halt
// all reverts the two fast faults within a second and cancels the slow
// start, whose revert runs; quitting is quick and leaves nothing behind.
func TestHaltAllWhileAStartHangs(t *testing.T) {
	bin := ownBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "slow.yaml")
	writeFile(t, file, fmt.Sprintf(`name: a slow start
interval: 100ms
blocks:
  - name: slow start
    fault: {kind: command, start: [sleep, "20"], revert: [touch, %[1]s/slow-reverted]}
  - name: fast one
    fault: {kind: command, start: [touch, %[1]s/one-on], revert: [rm, %[1]s/one-on]}
  - name: fast two
    fault: {kind: command, start: [touch, %[1]s/two-on], revert: [rm, %[1]s/two-on]}
`, dir))
	state := filepath.Join(dir, "state.json")
	frames := filepath.Join(dir, "frames")
	p := startPane(t, 160, 48, fmt.Sprintf("GAMEDAY_TEST_FRAMES=%s %s play --yes --state-file %s --log-file %s %s",
		shq(frames), shq(bin), shq(state), shq(filepath.Join(dir, "log")), shq(file)))
	p.waitText("slow start", 15*time.Second)
	exists := func(name string) bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }

	p.keys("j", "Enter", "j", "Enter") // fast one, fast two
	p.waitFor("both fast faults on", 10*time.Second, func(string) bool { return exists("one-on") && exists("two-on") })
	p.keys("k", "k", "Enter") // slow start
	screen := p.waitFor("the slow start under way", 10*time.Second, func(s string) bool {
		return strings.Contains(line(s, "1 slow start"), "starting…")
	})
	startedAt := time.Now()
	t0 := elapsedOf(t, screen)
	time.Sleep(2500 * time.Millisecond)
	p.waitFor("the cockpit drawing during the slow start", 5*time.Second, func(s string) bool {
		return strings.Contains(line(s, "1 slow start"), "starting…") && elapsedOf(t, s) >= t0+2
	})

	asked := time.Now()
	p.keys("!")
	var reverted time.Duration
	for deadline := asked.Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if !exists("one-on") && !exists("two-on") {
			reverted = time.Since(asked)
			break
		}
	}
	if reverted == 0 {
		t.Fatalf("the fast faults were not reverted within 10 s of halt all; screen:\n%s", p.capture())
	}
	t.Logf("the two fast faults were reverted %v after halt all", reverted)
	if reverted > time.Second {
		t.Errorf("the fast faults were reverted %v after halt all, want within 1 s", reverted)
	}
	p.waitFor("the slow start cancelled and reverted", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "start cancelled") && exists("slow-reverted") && strings.Contains(s, "ALL HALTED")
	})

	// Frames kept coming during the slow start.
	gap := longestGap(t, frames, startedAt, asked)
	t.Logf("the longest gap between two cockpit frames during the slow start: %v", gap)
	if gap > 2*time.Second {
		t.Errorf("the cockpit drew no frame for %v during the slow start", gap)
	}

	quit := time.Now()
	p.keys("q")
	screen = p.waitText("gameday exited", 20*time.Second)
	if !strings.Contains(screen, "gameday exited 0") || !strings.Contains(screen, "every fault was halted") {
		t.Fatalf("quit: want exit 0 with every fault halted; screen:\n%s", screen)
	}
	t.Logf("quit took %v", time.Since(quit))
	data, err := os.ReadFile(state)
	if err == nil && strings.Contains(string(data), `"key"`) {
		t.Fatalf("the state file still holds reverts after a clean exit:\n%s", data)
	}
}

// elapsedOf reads the header's T+ clock, in seconds.
func elapsedOf(t *testing.T, screen string) int {
	t.Helper()
	m := regexp.MustCompile(`T\+(\d+):(\d\d)`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no T+ clock on the screen:\n%s", screen)
	}
	mins, _ := strconv.Atoi(m[1])
	secs, _ := strconv.Atoi(m[2])
	return mins*60 + secs
}

// longestGap is the longest time between two frames logged in file
// (GAMEDAY_TEST_FRAMES) within [from, to].
func longestGap(t *testing.T, file string, from, to time.Time) time.Duration {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var at []int64
	for _, l := range strings.Fields(string(data)) {
		if ms, err := strconv.ParseInt(l, 10, 64); err == nil && ms >= from.UnixMilli() && ms <= to.UnixMilli() {
			at = append(at, ms)
		}
	}
	slices.Sort(at)
	if len(at) < 2 {
		t.Fatalf("%d frames logged between %v and %v", len(at), from, to)
	}
	gap := max(time.Duration(at[0]-from.UnixMilli()), time.Duration(to.UnixMilli()-at[len(at)-1])) * time.Millisecond
	for i := 1; i < len(at); i++ {
		gap = max(gap, time.Duration(at[i]-at[i-1])*time.Millisecond)
	}
	return gap
}

// TestSignalWaitsForASlowRevertAndSaysSo: SIGTERM while a revert takes
// 3 s: gameday says which fault it waits for, the revert runs to its end,
// and the exit code is the signal's.
func TestSignalWaitsForASlowRevertAndSaysSo(t *testing.T) {
	bin := ownBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "slow-revert.yaml")
	writeFile(t, file, fmt.Sprintf(`name: a slow revert
interval: 100ms
blocks:
  - name: slow revert
    fault: {kind: command, start: [touch, %[1]s/on], revert: [sh, -c, 'sleep 3; rm %[1]s/on']}
schedule: {baseline: 100ms, steps: [{blocks: [slow revert], for: 1m}], recovery: 1s}
`, dir))
	p := startGameday(t, bin, "slow revert", "--state-file", filepath.Join(dir, "state.json"), "run", "--log-file", filepath.Join(dir, "log"), file)
	p.waitLine("slow revert fault-started", 15*time.Second)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLine("waiting for slow revert (halting", 10*time.Second)
	if code := p.wait(t, 20*time.Second); code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit %d, want %d:\n%s", code, 128+int(syscall.SIGTERM), p.output())
	}
	if _, err := os.Stat(filepath.Join(dir, "on")); err == nil {
		t.Fatalf("the revert did not run to its end:\n%s", p.output())
	}
	if !strings.Contains(p.output(), "fault-halted") {
		t.Errorf("no halt in the progress:\n%s", p.output())
	}
}
