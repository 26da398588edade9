package seats_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/tui/seats"
)

// switchInjector counts its starts and stops: the fault under test.
type switchInjector struct{ starts, stops atomic.Int32 }

func (s *switchInjector) Start(context.Context) error           { s.starts.Add(1); return nil }
func (s *switchInjector) Update(context.Context, float64) error { return nil }
func (s *switchInjector) Stop(context.Context) error            { s.stops.Add(1); return nil }

// game is a live session with one block, "slow", served to a room.
type game struct {
	sess   *session.Session
	fault  *switchInjector
	server *seats.Server
	cancel context.CancelFunc
}

func newGame(t *testing.T, room *experiments.Room, extra ...experiments.Seat) *game {
	t.Helper()
	exp := &experiments.Experiment{Name: "room test", Interval: 100 * time.Millisecond, Room: room,
		Blocks: []experiments.Block{{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultCommand,
			Start:  &experiments.CommandSpec{Argv: []string{"true"}},
			Revert: &experiments.CommandSpec{Argv: []string{"true"}}}}}}
	fault := &switchInjector{}
	sess, err := session.NewSession(exp, session.Env{}, session.WithInjector("slow", fault))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := seats.Listen(seats.Config{Addr: "127.0.0.1:0", Room: room, Seats: extra,
		HostKey: filepath.Join(t.TempDir(), "host_key")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go srv.Serve(sess)
	go sess.Run(ctx)
	g := &game{sess: sess, fault: fault, server: srv, cancel: cancel}
	t.Cleanup(func() {
		cancel()
		select {
		case <-sess.Done():
		case <-time.After(10 * time.Second):
			t.Error("the session did not end")
		}
		srv.Close()
	})
	return g
}

// newKey makes an SSH key pair: its signer and its authorized_keys line.
func newKey(t *testing.T, comment string) (gossh.Signer, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sp))) + " " + comment
}

func seat(t *testing.T, name string, role experiments.Role) (experiments.Seat, gossh.Signer) {
	t.Helper()
	signer, line := newKey(t, name)
	return experiments.Seat{Name: name, Role: role, Key: line, PublicKey: signer.PublicKey()}, signer
}

// client is a real SSH client on a seat, with a terminal of w×h: what the
// server draws accumulates in screen.
type client struct {
	t      *testing.T
	conn   *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser
	mu     sync.Mutex
	screen strings.Builder
	banner string // what a keyboard-interactive step said
}

func dial(t *testing.T, g *game, user string, key gossh.Signer) (*client, error) {
	t.Helper()
	c := &client{t: t}
	var auth []gossh.AuthMethod
	if key != nil {
		auth = append(auth, gossh.PublicKeys(key))
	}
	auth = append(auth, gossh.KeyboardInteractive(func(name, instruction string, qs []string, echos []bool) ([]string, error) {
		c.banner += instruction
		return make([]string, len(qs)), nil
	}))
	conn, err := gossh.Dial("tcp", g.server.Addr().String(), &gossh.ClientConfig{User: user, Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		return c, err
	}
	c.conn = conn
	t.Cleanup(func() { conn.Close() })
	return c, nil
}

// open asks for a terminal and starts reading the screen; read=false
// never reads (a viewer that stopped).
func (c *client) open(w, h int, read bool) {
	c.t.Helper()
	s, err := c.conn.NewSession()
	if err != nil {
		c.t.Fatal(err)
	}
	c.sess = s
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		c.t.Fatal(err)
	}
	c.stdin, _ = s.StdinPipe()
	out, _ := s.StdoutPipe()
	if err := s.Shell(); err != nil {
		c.t.Fatal(err)
	}
	if read {
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := out.Read(buf)
				c.mu.Lock()
				c.screen.Write(buf[:n])
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
}

func (c *client) press(keys string) {
	c.t.Helper()
	if _, err := c.stdin.Write([]byte(keys)); err != nil {
		c.t.Fatal(err)
	}
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\a]*\a`)

// text is everything drawn so far since the last mark, without escapes.
func (c *client) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ansiRE.ReplaceAllString(c.screen.String(), "")
}

// mark forgets what was drawn, so that waitFor sees only what comes next.
func (c *client) mark() {
	c.mu.Lock()
	c.screen.Reset()
	c.mu.Unlock()
}

// waitFor waits until the screen shows want; it returns how long that took.
func (c *client) waitFor(want string, timeout time.Duration) time.Duration {
	c.t.Helper()
	start := time.Now()
	for time.Since(start) < timeout {
		if strings.Contains(c.text(), want) {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	txt := c.text()
	if len(txt) > 2000 {
		txt = txt[len(txt)-2000:]
	}
	c.t.Fatalf("the screen did not show %q within %v; it ends with:\n%s", want, timeout, txt)
	return 0
}

func sessionTrigger(block string) session.Command {
	return session.Command{Kind: session.CmdTrigger, Block: block}
}
