package seats

import (
	"fmt"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/tui"
)

// source is a seat's view of the game day: its own stream of snapshots,
// and commands signed with its name and role. The session refuses what
// the role may not do, whatever a cockpit sends.
type source struct {
	sub    *session.Subscription
	game   Game
	who    who
	last   atomic.Pointer[session.Snapshot]
	bucket bucket
}

func (src *source) Snapshots() <-chan session.Snapshot { return src.sub.C() }

// Do sends a seat's command, signed. A seat that sends faster than a
// person types (a paste of "+", a stuck key, a script) has the excess
// dropped, so that no seat can crowd the session's queue ahead of
// someone's halt. A halt is never dropped.
func (src *source) Do(c session.Command) {
	halt := c.Kind == session.CmdHalt || c.Kind == session.CmdHaltAll
	if !halt && !src.bucket.take(time.Now()) {
		return
	}
	c.By, c.Role = src.who.name, src.who.role
	src.game.Do(c)
}

// bucket lets a seat send seatRate commands a second, in bursts of
// seatBurst.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

const (
	seatRate  = 20
	seatBurst = 40
)

func (b *bucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.tokens = seatBurst
	} else {
		b.tokens = min(seatBurst, b.tokens+now.Sub(b.last).Seconds()*seatRate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

var seatKey = &ctxKey{"seat source"}

// admit runs around a seat's whole visit: it refuses a session without a
// terminal and a full room, says the seat joined and left, and says how
// the game day ended to a seat that stayed to the end.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			wish.Fatalln(sess, "gameday: the cockpit needs a terminal: ssh -t -p PORT HOST")
			return
		}
		s.mu.Lock()
		full := s.seats >= maxSeats
		if !full {
			s.seats++
		}
		s.mu.Unlock()
		if full {
			wish.Fatalln(sess, fmt.Sprintf("gameday: the room is full (%d seats)", maxSeats))
			return
		}
		defer func() {
			s.mu.Lock()
			s.seats--
			s.mu.Unlock()
		}()
		w := s.identify(sess)
		src := &source{sub: s.game.Subscribe(), game: s.game, who: w}
		defer src.sub.Close()
		sess.Context().SetValue(seatKey, src)
		from := ""
		if h, _, err := net.SplitHostPort(sess.RemoteAddr().String()); err == nil {
			from = "from " + h
		}
		s.log.Info("seat joined", "name", w.name, "role", string(w.role), "from", from)
		s.game.Do(session.Command{Kind: session.CmdJoin, By: w.name, Role: w.role, Text: from})
		defer s.game.Do(session.Command{Kind: session.CmdLeave, By: w.name, Role: w.role})
		next(sess)
		if last := src.last.Load(); last != nil && last.Ended {
			wish.Println(sess, "gameday: "+last.Name+" ended; "+endWords(last))
		}
		_ = sess.Exit(0)
	}
}

func endWords(s *session.Snapshot) string {
	if n := s.Stuck(); n > 0 {
		return experiments.Count(n, "fault", "faults") + " could not be halted and may still be on."
	}
	return "every fault was halted."
}

// program makes a seat's cockpit: its own styles for its own terminal,
// its seat, and a guard so that a panic in one seat's cockpit ends that
// seat only, never the game day.
func (s *Server) program(sess ssh.Session) *tea.Program {
	src, _ := sess.Context().Value(seatKey).(*source)
	if src == nil {
		return nil
	}
	styles := tui.NewStylesFor(renderer(sess), tui.DefaultPalette())
	seat := tui.Seat{Name: src.who.name, Role: src.who.role, AnyoneCanHalt: s.room.AnyoneCanHalt}
	m := guard{m: tui.New(src, styles).WithSeat(seat).WithServing(s.join).WithShared(s.shared), src: src, log: s}
	opts := append(bm.MakeOptions(sess), tea.WithAltScreen(), tea.WithoutSignalHandler())
	return tea.NewProgram(m, opts...)
}

// renderer draws for a seat's terminal: its colours from the TERM and
// COLORTERM it sent. It never asks the terminal for its background (wish's
// MakeRenderer does, and a client that does not answer then hangs until
// its first key, which the question eats): dark, unless COLORFGBG says
// light.
func renderer(sess ssh.Session) *lipgloss.Renderer {
	env := sess.Environ()
	pty, _, _ := sess.Pty()
	env = append(env, "TERM="+pty.Term)
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(environ(env)), termenv.WithUnsafe(), termenv.WithColorCache(true))
	dark := true
	if fgbg := environ(env).Getenv("COLORFGBG"); fgbg != "" {
		bg := fgbg[strings.LastIndexByte(fgbg, ';')+1:]
		dark = bg != "7" && bg != "15"
	}
	r.SetHasDarkBackground(dark)
	return r
}

// environ is a seat's environment, for termenv.
type environ []string

func (e environ) Environ() []string { return e }

func (e environ) Getenv(k string) string {
	v := ""
	for _, kv := range e {
		if rest, ok := strings.CutPrefix(kv, k+"="); ok {
			v = rest // the last one wins, as in a shell
		}
	}
	return v
}

// guard keeps a seat's panic in that seat, logged: Bubble Tea's own
// recovery (kept as the last resort) would print the stack on the
// process's stdout, the facilitator's screen. It also keeps the newest
// snapshot the seat saw.
type guard struct {
	m   tea.Model
	src *source
	log *Server
}

func (g guard) Init() tea.Cmd { return g.m.Init() }

func (g guard) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.log.log.Error("a seat's cockpit panicked; the seat is closed", "seat", g.src.who.name,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			cmd = tea.Quit
		}
	}()
	if sm, ok := msg.(tui.SnapshotMsg); ok {
		snap := sm.Snapshot
		g.src.last.Store(&snap)
	}
	g.m, cmd = g.m.Update(msg)
	return g, cmd
}

func (g guard) View() (v string) {
	defer func() {
		if r := recover(); r != nil {
			g.log.log.Error("a seat's cockpit panicked drawing", "seat", g.src.who.name, "panic", fmt.Sprint(r))
			v = "gameday: this seat's cockpit failed; the game day goes on. Reconnect to rejoin."
		}
	}()
	return g.m.View()
}

// Local is the facilitator's seat on the local terminal: its source,
// joined to the room, and what to call when it leaves.
func (s *Server) Local(game Game, name string) (tui.Source, tui.Seat, func()) {
	for _, st := range s.room.Seats {
		if strings.EqualFold(st.Name, name) && st.Role != experiments.RoleFacilitator {
			name += " (local)" // a seat of the same name is someone else's key
			break
		}
	}
	s.mu.Lock()
	s.local = name
	s.mu.Unlock()
	w := who{name: name, role: experiments.RoleFacilitator}
	src := &source{sub: game.Subscribe(), game: game, who: w}
	game.Do(session.Command{Kind: session.CmdJoin, By: w.name, Role: w.role, Text: "at the local terminal"})
	leave := func() {
		src.sub.Close()
		game.Do(session.Command{Kind: session.CmdLeave, By: w.name, Role: w.role})
	}
	return src, tui.Seat{Name: name, Role: w.role, AnyoneCanHalt: s.room.AnyoneCanHalt}, leave
}
