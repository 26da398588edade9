package seats

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/gameday-dev/gameday/experiments"
)

// Who joins: a seat of the room, known by its key, or a guest of an open
// room, an observer named by its SSH user.
//
// Only a seat's key passes the public key step, so that a client with
// several keys goes on to the one that is a seat. A client left with no
// seat's key comes to the keyboard-interactive step: an open room lets it
// in as an observer (no question is asked: `ssh -p PORT host` just
// works); a closed room says why it is refused, in the client.

type ctxKey struct{ name string }

var (
	offeredKey = &ctxKey{"offered keys"}
	toldKey    = &ctxKey{"refusal told"}
	whoKey     = &ctxKey{"who"}
)

// who is a seat's identity in the game day.
type who struct {
	name string
	role experiments.Role
}

func (s *Server) publicKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if s.room.SeatOf(key) != nil {
		return true
	}
	offered, _ := ctx.Value(offeredKey).([]string)
	if len(offered) < 8 {
		ctx.SetValue(offeredKey, append(offered, gossh.FingerprintSHA256(key)))
	}
	return false
}

func (s *Server) keyboardInteractive(ctx ssh.Context, ask gossh.KeyboardInteractiveChallenge) bool {
	if s.open {
		return true
	}
	if told, _ := ctx.Value(toldKey).(bool); !told {
		ctx.SetValue(toldKey, true)
		offered, _ := ctx.Value(offeredKey).([]string)
		_, _ = ask("", refusal(offered), nil, nil)
	}
	return false
}

// refusal is what a refused client reads.
func refusal(offered []string) string {
	msg := "gameday: this game day's room is closed: only its seats may join, and "
	if len(offered) == 0 {
		msg += "your client offered no SSH key."
	} else {
		msg += fmt.Sprintf("no key you offered is a seat (%s).", strings.Join(offered, ", "))
	}
	return msg + "\nAsk the facilitator to add your public key (~/.ssh/id_ed25519.pub) to the room's seats.\n"
}

// identify says who a connection is, once authenticated.
func (s *Server) identify(sess ssh.Session) who {
	if st := s.room.SeatOf(sess.PublicKey()); st != nil {
		return who{name: st.Name, role: st.Role}
	}
	name := cleanName(sess.User())
	if s.reserved(name) {
		name += " (guest)" // not the seat or the facilitator of that name
	}
	return who{name: name, role: experiments.RoleObserver}
}

// cleanName makes an SSH user name fit to show: printable, short.
func cleanName(u string) string {
	var b strings.Builder
	for _, r := range u {
		if b.Len() >= 32 {
			break
		}
		if unicode.IsPrint(r) && !unicode.IsSpace(r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "guest"
	}
	return b.String()
}

func fingerprintOf(st experiments.Seat) string {
	if st.PublicKey == nil {
		return st.Name
	}
	return gossh.FingerprintSHA256(st.PublicKey)
}

// reserved reports whether a name is a seat's or the facilitator's: a
// guest of that name is someone else.
func (s *Server) reserved(name string) bool {
	s.mu.Lock()
	local := s.local
	s.mu.Unlock()
	if local != "" && strings.EqualFold(local, name) {
		return true
	}
	for _, st := range s.room.Seats {
		if strings.EqualFold(st.Name, name) {
			return true
		}
	}
	return false
}
