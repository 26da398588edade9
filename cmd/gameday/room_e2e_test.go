package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRoomEndToEnd: a game day served to a room, with OpenSSH clients in
// tmux: the facilitator at the local terminal, an operator and a scribe
// on their keys, two observers on none. Every seat sees the pre-flight
// until the facilitator starts; an observer's enter does nothing and
// says why; the operator triggers and both observers see it
// within a second or so; the scribe's note reaches every seat,
// attributed; the report says who did what.
func TestRoomEndToEnd(t *testing.T) {
	sshBin := requireTool(t, "ssh")
	keygen := requireTool(t, "ssh-keygen")
	bin := ownBinary(t)
	dir := t.TempDir()
	for _, who := range []string{"alice", "sam"} {
		if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", filepath.Join(dir, who)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub := func(who string) string {
		b, err := os.ReadFile(filepath.Join(dir, who+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	writeFile(t, filepath.Join(dir, "seats"), "# the room\nrole=operator "+pub("alice")+"\n")
	file := filepath.Join(dir, "room.yaml")
	writeFile(t, file, fmt.Sprintf(`name: room game day
interval: 100ms
room:
  seats:
    - role: scribe
      key: %q
blocks:
  - name: flag
    fault: {kind: command, start: [touch, %[2]s/flag-on], revert: [rm, -f, %[2]s/flag-on]}
`, pub("sam"), dir))
	port := freePort(t)
	out := filepath.Join(dir, "out")
	fac := startPane(t, 160, 48, fmt.Sprintf("%s play --serve 127.0.0.1:%d --seats %s --state-file %s --log-file %s --out %s %s",
		shq(bin), port, shq(filepath.Join(dir, "seats")), shq(filepath.Join(dir, "state", "state.json")),
		shq(filepath.Join(dir, "log")), shq(out), shq(file)))
	fac.waitText("join: ssh -p", 20*time.Second)

	ssh := func(user, key string) *tmuxPane {
		auth := "-o PubkeyAuthentication=no"
		if key != "" {
			auth = "-o IdentitiesOnly=yes -i " + shq(filepath.Join(dir, key))
		}
		return startPane(t, 160, 48, fmt.Sprintf("%s -p %d %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -l %s 127.0.0.1",
			shq(sshBin), port, auth, user))
	}
	alice, sam := ssh("alice", "alice"), ssh("sam", "sam")
	olga, oscar := ssh("olga", ""), ssh("oscar", "")
	for _, p := range []*tmuxPane{fac, alice, sam, olga, oscar} {
		p.waitText("room (5 seats)", 15*time.Second)
	}
	screen := fac.capture()
	for _, want := range []string{"alice · operator", "sam · scribe", "olga · observer", "oscar · observer"} {
		if !strings.Contains(line(screen, "room (5 seats)"), want) {
			t.Errorf("the header %q does not say %q", line(screen, "room (5 seats)"), want)
		}
	}

	// Everyone is at the pre-flight, which says what will be touched;
	// only the facilitator starts the game day.
	for _, p := range []*tmuxPane{olga, alice} {
		p.waitText("PRE-FLIGHT", 5*time.Second)
		p.waitText("flag-on", 5*time.Second) // the command the block runs
	}
	alice.keys("Enter")
	alice.waitText("an operator may not start the game day", 5*time.Second)
	fac.keys("Enter")
	for _, p := range []*tmuxPane{olga, oscar, alice, sam} {
		p.waitText("READY · nothing triggered yet", 5*time.Second)
	}

	// An observer's enter does nothing, and says why.
	olga.keys("Enter")
	olga.waitText("an observer may not trigger a fault", 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(dir, "flag-on")); err == nil {
		t.Fatal("an observer's enter started the fault")
	}

	// The operator triggers; both observers see it.
	asked := time.Now()
	alice.keys("Enter")
	for _, p := range []*tmuxPane{olga, oscar} {
		p.waitText("LIVE · 1 fault active", 5*time.Second)
		t.Logf("an observer saw the trigger after %v (the screen is polled every 200 ms)", time.Since(asked).Round(10*time.Millisecond))
	}
	if _, err := os.Stat(filepath.Join(dir, "flag-on")); err != nil {
		t.Fatal("the operator's enter did not start the fault")
	}

	// The scribe's note reaches every seat, attributed.
	sam.keys("n")
	sam.waitText("note ›", 5*time.Second)
	sam.keys("-l", "queue backs up")
	sam.keys("Enter")
	for _, p := range []*tmuxPane{fac, alice, olga, oscar} {
		p.waitText("note (sam · scribe): queue backs up", 5*time.Second)
	}

	// The scribe writes the debrief; every seat can read it.
	sam.keys("d")
	sam.waitText("Findings (0)", 5*time.Second)
	sam.keys("f")
	sam.keys("-l", "no timeout on the flag client")
	sam.keys("Enter")
	sam.keys("a")
	sam.keys("-l", "add a timeout")
	sam.keys("Tab")
	sam.keys("-l", "alice")
	sam.keys("Tab")
	sam.keys("-l", "2026-12-10")
	sam.keys("Enter")
	sam.waitText("Action items (1)", 5*time.Second)
	olga.keys("d")
	olga.waitText("no timeout on the flag client", 5*time.Second)
	olga.keys("f")
	olga.waitText("an observer may not write the debrief", 5*time.Second)
	olga.keys("d")

	// An observer leaves; the game day goes on.
	oscar.keys("q")
	fac.waitText("oscar left as observer", 5*time.Second)
	fac.keys("q")
	fac.waitText("gameday exited 0", 20*time.Second)
	olga.waitText("room game day ended; every fault was halted.", 10*time.Second)
	if _, err := os.Stat(filepath.Join(dir, "flag-on")); err == nil {
		t.Fatal("the fault is still on after quit")
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| alice · operator |", "| sam · scribe | queue backs up |", "| olga | olga · observer | joined as observer",
		"| 1 | no timeout on the flag client | sam · scribe |", "| 1 | add a timeout | alice | 2026-12-10 | sam · scribe |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md does not say %q:\n%s", want, tail(string(md), 2000))
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestRoomBadServe: --serve on a port in use, or a closed room nobody
// could join, is exit 2 with a clear message and nothing started.
func TestRoomBadServe(t *testing.T) {
	bin := ownBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "room.yaml")
	writeFile(t, file, fmt.Sprintf("name: bad serve\nblocks:\n  - name: flag\n    fault: {kind: command, start: [touch, %[1]s/on], revert: [rm, -f, %[1]s/on]}\n", dir))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct{ serve, want string }{
		{busy.Addr().String(), "address already in use"},
		{"10.255.255.1:2222", "the room is closed (not loopback) and has no seats"},
		{"not-a-port", `want a port (2222) or host:port`},
	} {
		p := startPane(t, 160, 48, fmt.Sprintf("%s play --yes --serve %s --state-file %s --log-file %s %s",
			shq(bin), tc.serve, shq(filepath.Join(dir, "state.json")), shq(filepath.Join(dir, "log")), shq(file)))
		screen := p.waitText("gameday exited", 20*time.Second)
		if !strings.Contains(screen, "gameday exited 2") || !strings.Contains(screen, tc.want) {
			t.Errorf("--serve %s: want exit 2 saying %q; the screen:\n%s", tc.serve, tc.want, screen)
		}
	}
}
