package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// demoPane starts `gameday demo` in tmux and waits for the cockpit with
// data in it. Every test gets its own copy of the binary, so that the
// processes it counts are its own.
func demoPane(t *testing.T, args string) (*tmuxPane, string) {
	t.Helper()
	bin := ownBinary(t)
	logFile := filepath.Join(t.TempDir(), "demo.log")
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(logFile); err == nil {
				t.Logf("gameday log:\n%s", tail(string(b), 40))
			}
		}
		for pid := range processesOf(bin) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	p := startPane(t, 160, 48, fmt.Sprintf("%s demo --yes --state-file %s --log-file %s %s", shq(bin), shq(filepath.Join(t.TempDir(), "state.json")), shq(logFile), args))
	p.waitFor("the cockpit with latency data", 20*time.Second, func(s string) bool {
		_, ok := chartP99(s)
		return ok && strings.Contains(s, "READY")
	})
	return p, bin
}

// TestDemoEndToEnd is the story of issue 2: trigger inventory latency, see
// it on screen, halt everything, see recovery, quit, nothing left behind.
func TestDemoEndToEnd(t *testing.T) {
	p, bin := demoPane(t, "")
	if n := len(processesOf(bin)); n != 4 {
		t.Fatalf("want gameday and its 3 shop processes, found %d: %v", n, processesOf(bin))
	}
	screen := p.waitFor("checkout p99 holding", 15*time.Second, func(s string) bool {
		return strings.Contains(line(s, "checkout p99 <"), "✓ HOLDING")
	})
	base, _ := chartP99(screen)
	if base >= 250 {
		t.Fatalf("baseline p99 %.1f ms, want under 250 ms before any fault", base)
	}

	p.keys("Enter") // the first block: inventory latency
	screen = p.waitFor("latency assumption violated", 20*time.Second, func(s string) bool {
		return strings.Contains(line(s, "checkout p99 <"), "✗ VIOLATED")
	})
	if !strings.Contains(screen, "● LIVE") || !strings.Contains(line(screen, "inventory latency"), "● ON") {
		t.Fatalf("after enter, want LIVE and the block ON; screen:\n%s", screen)
	}
	p.waitFor("p99 on the chart raised by the 300 ms delay", 15*time.Second, func(s string) bool {
		v, ok := chartP99(s)
		return ok && v >= 250
	})

	p.keys("!")
	screen = p.waitFor("recovery after halt all", 40*time.Second, func(s string) bool {
		return strings.Contains(s, "ALL HALTED") && strings.Contains(line(s, "recovery within"), "✓ RECOVERED")
	})
	if !strings.Contains(line(screen, "checkout p99 <"), "✓ HOLDING") {
		t.Fatalf("after recovery the latency assumption should hold; screen:\n%s", screen)
	}
	if !strings.Contains(screen, "recovered in") {
		t.Fatalf("the measured recovery time should show; screen:\n%s", screen)
	}

	p.keys("q")
	screen = p.waitText("gameday exited", 20*time.Second)
	if !strings.Contains(screen, "gameday exited 1") { // as run: checkout p99 failed
		t.Fatalf("q after a failed assumption should exit 1, as run does; screen:\n%s", screen)
	}
	for _, want := range []string{"checkout p99 (< 250 ms): FAILED", "recovery (within 30s): PASSED"} {
		if !strings.Contains(screen, want) {
			t.Errorf("verdict line %q missing; screen:\n%s", want, screen)
		}
	}
	waitGone(t, bin, 5*time.Second)
}

// TestDemoExitPaths checks that every way out halts the faults and leaves
// no process behind, with payments paused (SIGSTOP) at the time.
func TestDemoExitPaths(t *testing.T) {
	cases := []struct {
		name     string
		exit     func(p *tmuxPane, gamedayPID int)
		wantCode string // "" when the pane is gone
	}{
		// q and ctrl+c exit with the verdict's code (as run does): 1 when
		// a line says FAILED (a probe with no value yet, this early), else 0.
		{"q", func(p *tmuxPane, _ int) { p.keys("q") }, "verdict"},
		{"ctrl+c", func(p *tmuxPane, _ int) { p.keys("C-c") }, "verdict"},
		{"SIGTERM", func(_ *tmuxPane, pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }, "gameday exited 143"},
		{"SIGINT", func(_ *tmuxPane, pid int) { _ = syscall.Kill(pid, syscall.SIGINT) }, "gameday exited 130"},
		{"SIGHUP (terminal closed)", func(p *tmuxPane, _ int) {
			_ = execTmux("kill-session", "-t", p.name)
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, bin := demoPane(t, "")
			procs := processesOf(bin)
			var gamedayPID, paymentsPID int
			for pid, cmd := range procs {
				switch {
				case strings.Contains(cmd, " demo "):
					gamedayPID = pid
				case strings.Contains(cmd, "--role payments"):
					paymentsPID = pid
				}
			}
			if gamedayPID == 0 || paymentsPID == 0 {
				t.Fatalf("could not find gameday and payments among %v", procs)
			}
			p.keys("j", "j", "j", "Enter") // the fourth block: payments paused
			p.waitFor("payments paused", 10*time.Second, func(s string) bool {
				return strings.Contains(line(s, "payments paused"), "● ON")
			})
			if st := procState(paymentsPID); st != "T" {
				t.Fatalf("payments (pid %d) state %q, want T (stopped)", paymentsPID, st)
			}
			tc.exit(p, gamedayPID)
			if tc.wantCode != "" {
				screen := p.waitText("gameday exited", 20*time.Second)
				want := tc.wantCode
				if want == "verdict" {
					want = "gameday exited 0"
					if strings.Contains(screen, ": FAILED") {
						want = "gameday exited 1"
					}
				}
				if !strings.Contains(screen, want) {
					t.Fatalf("want %q; screen:\n%s", want, screen)
				}
				if !strings.Contains(screen, "every fault was halted") {
					t.Fatalf("the verdict should say every fault was halted; screen:\n%s", screen)
				}
			}
			waitGone(t, bin, 15*time.Second)
		})
	}
}

// TestDemoPortInUse: a frontend address already taken is a clear error at
// start-up, exit 2, and nothing is left running.
func TestDemoPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bin := ownBinary(t)
	p := startPane(t, 160, 48, fmt.Sprintf("%s demo --yes --state-file %s --log-file %s --frontend-addr %s",
		shq(bin), shq(filepath.Join(t.TempDir(), "state.json")), shq(filepath.Join(t.TempDir(), "log")), ln.Addr()))
	screen := p.waitText("gameday exited", 20*time.Second)
	if !strings.Contains(screen, "gameday exited 2") || !strings.Contains(screen, "address already in use") {
		t.Fatalf("want exit 2 and 'address already in use'; screen:\n%s", screen)
	}
	if !strings.Contains(screen, ln.Addr().String()) {
		t.Fatalf("the error should name the address %s; screen:\n%s", ln.Addr(), screen)
	}
	waitGone(t, bin, 10*time.Second)
}

// TestDemoChildDies: a shop process that dies shows in the timeline; the
// cockpit keeps running and quits cleanly.
func TestDemoChildDies(t *testing.T) {
	p, bin := demoPane(t, "")
	var inventoryPID int
	for pid, cmd := range processesOf(bin) {
		if strings.Contains(cmd, "--role inventory") {
			inventoryPID = pid
		}
	}
	if inventoryPID == 0 {
		t.Fatalf("no inventory process among %v", processesOf(bin))
	}
	if err := syscall.Kill(inventoryPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the death in the timeline", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "inventory error") && strings.Contains(s, "exited")
	})
	p.waitFor("checkouts failing without inventory", 15*time.Second, func(s string) bool {
		return strings.Contains(line(s, "error rate <"), "✗ VIOLATED")
	})
	p.keys("q")
	screen := p.waitText("gameday exited", 20*time.Second)
	if !strings.Contains(screen, "gameday exited 1") { // the error rate failed
		t.Fatalf("quit after a child died and checkouts failed: want exit 1; screen:\n%s", screen)
	}
	waitGone(t, bin, 10*time.Second)
}

// TestPlayExampleFile: gameday play on an example file starts its
// processes, pauses the consumer for real, sees the backlog grow and
// drain, and stops what it started on quit.
func TestPlayExampleFile(t *testing.T) {
	bin := ownBinary(t)
	queue := t.TempDir()
	// A path relative to where gameday runs, as a user types it.
	root, _ := filepath.Abs("../..")
	example := "examples/worker-queue.yaml"
	p := startPane(t, 160, 48, fmt.Sprintf("cd %s && QUEUE_DIR=%s %s play --yes --state-file %s --log-file %s %s",
		shq(root), shq(queue), shq(bin), shq(filepath.Join(t.TempDir(), "state.json")), shq(filepath.Join(t.TempDir(), "log")), shq(example)))
	p.waitFor("the backlog holding", 20*time.Second, func(s string) bool {
		return strings.Contains(line(s, "backlog bounded"), "✓ HOLDING")
	})
	if n := len(childrenOf(bin)); n != 2 {
		t.Fatalf("want the 2 processes of the file (consumer, producer), found %d", n)
	}
	p.keys("Enter") // consumer paused
	p.waitFor("the backlog violated", 30*time.Second, func(s string) bool {
		return strings.Contains(line(s, "backlog bounded"), "✗ VIOLATED")
	})
	p.keys("!")
	p.waitFor("the backlog drained", 40*time.Second, func(s string) bool {
		return strings.Contains(line(s, "backlog drains"), "✓ RECOVERED")
	})
	p.keys("q")
	screen := p.waitText("gameday exited", 20*time.Second)
	if !strings.Contains(screen, "gameday exited 1") { // the backlog was violated
		t.Fatalf("want exit 1 (an assumption failed), as run; screen:\n%s", screen)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(childrenOf(bin)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if left := childrenOf(bin); len(left) > 0 {
		t.Fatalf("processes the file started are still running: %v", left)
	}
}
