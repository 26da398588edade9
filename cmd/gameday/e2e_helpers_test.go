package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/e2e"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// requireTool returns the path of a tool the test needs. Without it the
// test skips, unless GAMEDAY_REQUIRE_ALL=1 (as in .ci/run), where it fails.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("GAMEDAY_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is required (GAMEDAY_REQUIRE_ALL=1) but not installed: %v", name, err)
		}
		t.Skipf("%s is not installed; skipping (install it, or set GAMEDAY_REQUIRE_ALL=1 to make this a failure)", name)
	}
	return p
}

// gamedayBinary builds the gameday binary once for the end-to-end tests.
func gamedayBinary(t *testing.T) string { return e2e.Binary(t) }

// ownBinary is a copy of the gameday binary for one test, so that the
// processes the test counts by their executable are its own.
func ownBinary(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(gamedayBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "gameday")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// tmuxPane is a detached tmux session running one command.
type tmuxPane struct {
	t    *testing.T
	name string
}

// startPane runs shell command cmd in a new detached tmux session of w×h;
// when the command ends the pane prints its exit status and stays.
func startPane(t *testing.T, w, h int, cmd string) *tmuxPane {
	t.Helper()
	requireTool(t, "tmux")
	p := &tmuxPane{t: t, name: fmt.Sprintf("gd-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)}
	wrapped := cmd + `; echo "gameday exited $?"; sleep 120`
	out, err := tmuxCmd("new-session", "-d", "-s", p.name,
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "sh", "-c", wrapped).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = tmuxCmd("kill-session", "-t", p.name).Run() })
	return p
}

func (p *tmuxPane) capture() string {
	out, err := tmuxCmd("capture-pane", "-p", "-t", p.name).CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	args := append([]string{"send-keys", "-t", p.name}, keys...)
	if out, err := tmuxCmd(args...).CombinedOutput(); err != nil {
		p.t.Fatalf("tmux send-keys %v: %v: %s", keys, err, out)
	}
}

// waitFor polls the screen until cond holds, or fails after timeout
// showing the last screen.
func (p *tmuxPane) waitFor(what string, timeout time.Duration, cond func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = p.capture()
		if cond(screen) {
			return screen
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.t.Fatalf("timed out after %v waiting for %s; the screen:\n%s", timeout, what, screen)
	return ""
}

func (p *tmuxPane) waitText(text string, timeout time.Duration) string {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("%q", text), timeout, func(s string) bool { return strings.Contains(s, text) })
}

// line returns the first line of screen that contains text.
func line(screen, text string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

var p99Title = regexp.MustCompile(`p99 ([0-9.]+) (ms|s)`)

// chartP99 reads the p99 value from the latency chart's title, in ms.
func chartP99(screen string) (float64, bool) {
	m := p99Title.FindStringSubmatch(line(screen, "Checkout latency"))
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	if m[2] == "s" {
		v *= 1000
	}
	return v, true
}

// pids lists the processes running now.
func pids() []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// processesOf lists the PIDs of processes running the executable bin,
// with their command lines.
func processesOf(bin string) map[int]string {
	out := map[int]string{}
	for _, pid := range pids() {
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		if exe, err := os.Readlink(filepath.Join(dir, "exe")); err != nil || exe != bin {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		out[pid] = strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " ")
	}
	return out
}

// procStat reads a process's state letter (R, S, T...) and parent from
// /proc/PID/stat.
func procStat(pid int) (state string, ppid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces and parentheses
	if i < 0 {
		return "", 0, false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return "", 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0], ppid, true
}

// procState is the state letter of a process ("" when it is gone).
func procState(pid int) string {
	state, _, _ := procStat(pid)
	return state
}

// waitGone waits until no process runs bin.
func waitGone(t *testing.T, bin string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if len(processesOf(bin)) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("processes of %s still running after %v: %v", bin, timeout, processesOf(bin))
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func execTmux(args ...string) error { return tmuxCmd(args...).Run() }

// tmuxSocket is this test binary's own tmux server: a session started by
// a test takes its environment from the server, so a server shared with
// other tests (or the developer's) would hand it someone else's. The
// server ends with its last session.
var tmuxSocket = fmt.Sprintf("gameday-test-%d", os.Getpid())

// tmuxCmd is tmux on this test binary's own server.
func tmuxCmd(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", tmuxSocket}, args...)...)
}

// childrenOf lists the processes whose parent runs bin.
func childrenOf(bin string) []int {
	parents := processesOf(bin)
	var out []int
	for _, pid := range pids() {
		if _, ppid, ok := procStat(pid); ok {
			if _, ok := parents[ppid]; ok {
				out = append(out, pid)
			}
		}
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string { return e2e.Tail(s, n) }

// tailFile returns the last lines of a file, for failure messages.
func tailFile(path string) string { return e2e.TailFile(path) }

// readJournal reads a journal whole, for the tests that look into it.
func readJournal(path string) (*journal.Journal, error) {
	j, err := e2e.ReadJournal(path)
	if err != nil {
		return nil, usageError{err}
	}
	return j, nil
}
