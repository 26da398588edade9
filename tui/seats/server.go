package seats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	charmlog "github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/tui"
)

// Game is the live game day the seats watch and act on: a session.
type Game interface {
	Subscribe() *session.Subscription
	Do(session.Command)
}

// Config is how the room is served.
type Config struct {
	// Addr is where to listen: "2222", ":2222" and "localhost:2222" are
	// loopback; a host or address other than loopback must be written.
	Addr string
	// Room is the file's room: section (nil: no seats, the defaults);
	// Seats are more seats, from --seats.
	Room  *experiments.Room
	Seats []experiments.Seat
	// HostKey is where the server's key is kept (made on first use).
	HostKey string
	Log     *slog.Logger
}

// maxSeats bounds the seats at once: a room, not a broadcast.
const maxSeats = 64

// Server is the SSH server of a room.
type Server struct {
	ssh         *ssh.Server
	ln          net.Listener
	game        Game
	room        experiments.Room // the file's, with the --seats added
	open        bool
	log         *slog.Logger
	fingerprint string
	join        string
	shared      *tui.Shared // what the seats draw alike, drawn once

	mu      sync.Mutex
	seats   int
	serving bool
	local   string // the facilitator's name, at the local terminal
	done    chan struct{}
}

func (s *Server) isServing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serving
}

// Listen makes the room's server and binds its address, so that a port
// in use is an error before anything starts; Serve then serves the game.
func Listen(cfg Config) (*Server, error) {
	addr, loopback, err := ListenAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	pemKey, fp, err := HostKey(cfg.HostKey)
	if err != nil {
		return nil, err
	}
	s := &Server{log: cfg.Log, fingerprint: fp, done: make(chan struct{}), shared: tui.NewShared()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Room != nil {
		s.room = *cfg.Room
	}
	s.room.Seats = append(append([]experiments.Seat(nil), s.room.Seats...), cfg.Seats...)
	s.open = s.room.IsOpen(loopback)
	if err := checkUnique(s.room.Seats); err != nil {
		return nil, err
	}
	// wish's Bubble Tea middleware logs through charmbracelet/log's
	// default logger, to stderr: that is the facilitator's screen.
	charmlog.SetOutput(discard{})
	s.ssh, err = wish.NewServer(
		wish.WithHostKeyPEM(pemKey),
		wish.WithPublicKeyAuth(s.publicKey),
		wish.WithKeyboardInteractiveAuth(s.keyboardInteractive),
		wish.WithIdleTimeout(0),
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii),
			s.admit, // outermost: runs first
		),
	)
	if err != nil {
		return nil, fmt.Errorf("--serve: %w", err)
	}
	s.ln, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--serve %s: %w", cfg.Addr, err)
	}
	host, port, _ := net.SplitHostPort(s.ln.Addr().String())
	s.join = "ssh -p " + port + " " + host
	return s, nil
}

// Serve serves the game to the room until Close.
func (s *Server) Serve(game Game) {
	s.mu.Lock()
	s.game, s.serving = game, true
	s.mu.Unlock()
	defer close(s.done)
	if err := s.ssh.Serve(s.ln); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		s.log.Error("the room's SSH server stopped", "err", err.Error())
	}
}

// Close closes the server and every seat's connection, without waiting
// for any of them: a seat that does not read holds nobody.
func (s *Server) Close() error {
	err := s.ssh.Close()
	if !s.isServing() {
		_ = s.ln.Close() // never served
	}
	return err
}

// Shutdown lets the seats that are still connected read how the game day
// ended, for at most grace, then closes the server.
func (s *Server) Shutdown(grace time.Duration) {
	if s.isServing() {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		_ = s.ssh.Shutdown(ctx)
	}
	_ = s.Close()
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// JoinCommand is what others type to join: "ssh -p 2222 127.0.0.1".
func (s *Server) JoinCommand() string { return s.join }

// Fingerprint is the host key's, for people to check when ssh asks.
func (s *Server) Fingerprint() string { return s.fingerprint }

// Open reports whether keys that are not seats may join as observers.
func (s *Server) Open() bool { return s.open }

// ListenAddr turns --serve's value into an address to listen on: a port
// alone, or an empty host, means loopback. It reports whether the address
// is loopback.
func ListenAddr(v string) (addr string, loopback bool, err error) {
	host, port := "", v
	if h, p, err := net.SplitHostPort(v); err == nil {
		host, port = h, p
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", false, fmt.Errorf("--serve %q: want a port (2222) or host:port (10.0.0.5:2222)", v)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	loopback = host == "localhost"
	if ip := net.ParseIP(host); ip != nil {
		loopback = ip.IsLoopback()
	}
	return net.JoinHostPort(host, port), loopback, nil
}

func checkUnique(seats []experiments.Seat) error {
	seen := map[string]string{}
	for _, st := range seats {
		fp := fingerprintOf(st)
		if other, ok := seen[fp]; ok {
			return fmt.Errorf("seats %q and %q have the same key (%s): a key is one person", other, st.Name, fp)
		}
		seen[fp] = st.Name
	}
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
