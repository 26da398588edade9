package seats_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/tui/seats"
)

// TestRoomOverSSH: an operator and two observers on real SSH clients; the
// operator triggers and both observers see it; an observer's enter does
// nothing and says why; every action is attributed; a seat that leaves
// leaves the game day running.
func TestRoomOverSSH(t *testing.T) {
	alice, aliceKey := seat(t, "alice", experiments.RoleOperator)
	g := newGame(t, &experiments.Room{Seats: []experiments.Seat{alice}})
	strangerKey, _ := newKey(t, "stranger")

	op, err := dial(t, g, "alice", aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	op.open(160, 48, true)
	var obs []*client
	for _, user := range []string{"olga", "oscar"} {
		c, err := dial(t, g, user, strangerKey) // not a seat: an observer of the open room
		if err != nil {
			t.Fatalf("%s: an open room on loopback refused an unknown key: %v", user, err)
		}
		c.open(120, 40, true)
		obs = append(obs, c)
	}
	for _, c := range append(obs, op) {
		c.waitFor("room (3 seats)", 5*time.Second)
	}
	op.waitFor("alice · operator", time.Second)

	// An observer's enter does nothing, and says so.
	obs[0].press("\r")
	obs[0].waitFor("an observer may not trigger a fault", 2*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := g.fault.starts.Load(); n != 0 {
		t.Fatalf("an observer's enter started the fault (%d starts)", n)
	}

	// The operator triggers: both observers see it, attributed.
	for _, c := range obs {
		c.mark()
	}
	op.press("\r")
	for _, c := range obs {
		took := c.waitFor("LIVE", 3*time.Second)
		t.Logf("an observer saw the trigger %v after the key", took)
		c.waitFor("alice · operator", 2*time.Second)
	}
	if n := g.fault.starts.Load(); n != 1 {
		t.Fatalf("%d starts after the operator's enter, want 1", n)
	}

	// The operator leaves; the game day goes on, and the fault with it.
	op.conn.Close()
	obs[1].waitFor("alice left", 3*time.Second)
	time.Sleep(200 * time.Millisecond)
	if n := g.fault.stops.Load(); n != 0 {
		t.Fatalf("a seat leaving stopped the fault (%d stops)", n)
	}
	select {
	case <-g.sess.Done():
		t.Fatal("the session ended when a seat left")
	default:
	}
}

// TestAndonCord: with anyone_can_halt, an observer's ! halts everything.
func TestAndonCord(t *testing.T) {
	g := newGame(t, &experiments.Room{AnyoneCanHalt: true})
	key, _ := newKey(t, "x")
	c, err := dial(t, g, "olga", key)
	if err != nil {
		t.Fatal(err)
	}
	c.open(160, 48, true)
	c.waitFor("olga · observer", 5*time.Second)
	g.sess.Do(sessionTrigger("slow"))
	c.waitFor("LIVE", 3*time.Second)
	c.mark()
	c.press("!")
	c.waitFor("ALL HALTED", 3*time.Second)
	if n := g.fault.stops.Load(); n < 1 {
		t.Fatalf("the andon cord did not stop the fault")
	}
}

// TestClosedRoom: a key that is not a seat is refused with a message
// that says why; a seat's key among several offered gets in as its seat.
func TestClosedRoom(t *testing.T) {
	closed := false
	bob, bobKey := seat(t, "bob", experiments.RoleScribe)
	g := newGame(t, &experiments.Room{Open: &closed, Seats: []experiments.Seat{bob}})
	stranger, _ := newKey(t, "stranger")

	c, err := dial(t, g, "mallory", stranger)
	if err == nil {
		t.Fatal("a closed room let in a key that is not a seat")
	}
	if !strings.Contains(c.banner, "room is closed") || !strings.Contains(c.banner, "SHA256:") {
		t.Fatalf("the refused client was told %q, want why and the key it offered", c.banner)
	}

	// A client with two keys: the stranger's first, then bob's.
	conn, err := gossh.Dial("tcp", g.server.Addr().String(), &gossh.ClientConfig{User: "bob",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(stranger, bobKey)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("bob's key, offered second, was refused: %v", err)
	}
	b := &client{t: t, conn: conn}
	t.Cleanup(func() { conn.Close() })
	b.open(160, 48, true)
	b.waitFor("bob · scribe", 5*time.Second)
}

// TestSeatTerminal: a seat has its own size; a window change redraws it;
// a session without a terminal is told it needs one.
func TestSeatTerminal(t *testing.T) {
	g := newGame(t, nil)
	key, _ := newKey(t, "x")
	c, err := dial(t, g, "olga", key)
	if err != nil {
		t.Fatal(err)
	}
	c.open(160, 48, true)
	c.waitFor("GAMEDAY", 5*time.Second)
	c.mark()
	if err := c.sess.WindowChange(20, 60); err != nil {
		t.Fatal(err)
	}
	c.waitFor("Terminal too small: 60×20", 3*time.Second)
	c.mark()
	if err := c.sess.WindowChange(40, 100); err != nil {
		t.Fatal(err)
	}
	c.waitFor("GAMEDAY", 3*time.Second)

	d, err := dial(t, g, "script", key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.CombinedOutput("")
	if err == nil || !strings.Contains(string(out), "needs a terminal") {
		t.Fatalf("without a terminal: %v %q, want a refusal that says it needs one", err, out)
	}
}

// TestStalledViewer: a seat that never reads holds up neither the session
// nor the other seats.
func TestStalledViewer(t *testing.T) {
	g := newGame(t, nil)
	key, _ := newKey(t, "x")
	for i := range 3 {
		s, err := dial(t, g, "stalled", key)
		if err != nil {
			t.Fatal(err)
		}
		s.open(160, 48, false) // never reads
		_ = i
	}
	c, err := dial(t, g, "reader", key)
	if err != nil {
		t.Fatal(err)
	}
	c.open(160, 48, true)
	c.waitFor("room (4 seats)", 5*time.Second)
	// A minute of snapshots at 100 ms in six seconds: far more than an
	// SSH window holds, so the stalled seats stopped reading long ago.
	sub := g.sess.Subscribe()
	defer sub.Close()
	start := time.Now()
	first := (<-sub.C()).Seq
	var last uint64
	for time.Since(start) < 6*time.Second {
		last = (<-sub.C()).Seq
	}
	if n := last - first; n < 40 {
		t.Fatalf("%d snapshots in 6 s at a 100 ms interval with stalled seats", n)
	}
	c.mark()
	g.sess.Do(sessionTrigger("slow"))
	c.waitFor("LIVE", 3*time.Second)
}

// TestHostKey: made once, mode 0600, kept; one others may read is refused.
func TestHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "ssh_host_ed25519_key")
	_, fp1, err := seats.HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %v mode %v, want 0600", err, fi.Mode())
	}
	_, fp2, err := seats.HostKey(path)
	if err != nil || fp1 != fp2 {
		t.Fatalf("second start: %v, fingerprint %s then %s, want the same key", err, fp1, fp2)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := seats.HostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a host key others may read: %v, want refused with the fix", err)
	}
}

// TestListenAddr: a port alone is loopback; a port in use is an error.
func TestListenAddr(t *testing.T) {
	for _, tc := range []struct {
		in, addr string
		loop     bool
	}{
		{"2222", "127.0.0.1:2222", true}, {":2222", "127.0.0.1:2222", true},
		{"localhost:0", "localhost:0", true}, {"[::1]:22", "[::1]:22", true},
		{"0.0.0.0:2222", "0.0.0.0:2222", false}, {"10.1.2.3:22", "10.1.2.3:22", false},
	} {
		addr, loop, err := seats.ListenAddr(tc.in)
		if err != nil || addr != tc.addr || loop != tc.loop {
			t.Errorf("ListenAddr(%q) = %q %v %v, want %q %v", tc.in, addr, loop, err, tc.addr, tc.loop)
		}
	}
	for _, bad := range []string{"", "abc", "host:", "1:99999", "a:b:c"} {
		if _, _, err := seats.ListenAddr(bad); err == nil {
			t.Errorf("ListenAddr(%q): no error", bad)
		}
	}
	g := newGame(t, nil)
	_, err := seats.Listen(seats.Config{Addr: g.server.Addr().String(), HostKey: filepath.Join(t.TempDir(), "k")})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("a port in use: %v", err)
	}
}

// TestSeatFlood: a seat that sends far faster than a person types (here
// a paste of 5,000 "+") has the excess dropped; the session is not
// swamped, and another seat's halt all goes through at once.
func TestSeatFlood(t *testing.T) {
	alice, aliceKey := seat(t, "alice", experiments.RoleOperator)
	bob, bobKey := seat(t, "bob", experiments.RoleOperator)
	g := newGame(t, &experiments.Room{Seats: []experiments.Seat{alice, bob}})
	a, err := dial(t, g, "alice", aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	a.open(160, 48, true)
	b, err := dial(t, g, "bob", bobKey)
	if err != nil {
		t.Fatal(err)
	}
	b.open(160, 48, true)
	a.waitFor("room (2 seats)", 5*time.Second)
	g.sess.Do(sessionTrigger("slow"))
	a.waitFor("LIVE", 3*time.Second)
	for range 50 {
		a.press(strings.Repeat("-+", 50))
	}
	b.mark()
	b.press("!")
	took := b.waitFor("ALL HALTED", 5*time.Second)
	t.Logf("halt all through a flood of 5,000 keys from another seat: seen in %v", took)
	sub := g.sess.Subscribe()
	defer sub.Close()
	var changes int
	for _, e := range (<-sub.C()).Timeline {
		if e.By == "alice" && strings.Contains(e.Text, "intensity set") {
			changes++
		}
	}
	if changes > 60 { // a burst of 40, then 20 a second
		t.Errorf("%d intensity changes from a flood of 5,000 keys: the excess was not dropped", changes)
	}
}
