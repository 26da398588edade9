package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gameday-dev/gameday/experiments"
)

// Seat is who sits at this cockpit, in a game day served to a room: the
// keys a role may not use show a short message and do nothing. The zero
// Seat (a game day without a room) may do everything.
type Seat struct {
	Name          string
	Role          experiments.Role
	AnyoneCanHalt bool
}

// may reports whether the seat may take an action.
func (s Seat) may(a experiments.Action) bool {
	return s.Role == "" || s.Role.May(a, s.AnyoneCanHalt)
}

// WithSeat returns the cockpit for a seat of the room.
func (m Model) WithSeat(s Seat) Model {
	m.seat = s
	return m
}

// WithServing returns the cockpit of a game day served to a room: the
// header says how to join ("ssh -p 2222 10.0.0.5").
func (m Model) WithServing(join string) Model {
	m.serving = join
	return m
}

// actionOf is what a key asks to do, if it is an action a role may not
// be allowed.
func (m *Model) actionOf(k tea.KeyMsg) (experiments.Action, bool) {
	bk := m.blocks.Keys
	switch {
	case key.Matches(k, m.keys.HaltAll), key.Matches(k, bk.Halt):
		return experiments.ActHalt, true
	case key.Matches(k, m.keys.Note):
		return experiments.ActNote, true
	case key.Matches(k, bk.Trigger), key.Matches(k, bk.Edge):
		return experiments.ActTrigger, true
	case key.Matches(k, bk.Raise, bk.Lower):
		return experiments.ActIntensity, true
	case key.Matches(k, m.keys.Compose, m.keys.Write):
		return experiments.ActCompose, true
	}
	return "", false
}

// refusal says why a seat may not: "an observer may not trigger".
func refusal(s Seat, a experiments.Action) string {
	what := map[experiments.Action]string{
		experiments.ActTrigger: "trigger a fault", experiments.ActHalt: "halt",
		experiments.ActIntensity: "change a fault's intensity", experiments.ActNote: "write notes",
		experiments.ActDebrief: "write the debrief", experiments.ActStart: "start the game day",
		experiments.ActCompose: "compose a fault or write the file",
	}[a]
	article := "a"
	if r := string(s.Role); r != "" && (r[0] == 'o' || r[0] == 'a' || r[0] == 'e' || r[0] == 'i' || r[0] == 'u') {
		article = "an"
	}
	return "✗ " + article + " " + string(s.Role) + " may not " + what
}

// flashFor is how long a refusal stays in the footer.
const flashFor = 3 * time.Second

// flashDoneMsg clears the footer's message, unless a newer one replaced it.
type flashDoneMsg struct{ id int }

// flash shows msg in the footer for a while.
func (m *Model) flash(msg string) tea.Cmd {
	m.flashID++
	m.flashText = msg
	id := m.flashID
	return tea.Tick(flashFor, func(time.Time) tea.Msg { return flashDoneMsg{id: id} })
}

// helpKeys leaves out of the help the keys the seat may not use (they
// still answer, with the reason).
func (s Seat) helpKeys(h helpKeys) helpKeys {
	off := func(b *key.Binding, a experiments.Action) {
		if !s.may(a) {
			b.SetEnabled(false)
		}
	}
	off(&h.pane.Trigger, experiments.ActTrigger)
	off(&h.pane.Edge, experiments.ActTrigger)
	off(&h.pane.Halt, experiments.ActHalt)
	off(&h.pane.Raise, experiments.ActIntensity)
	off(&h.pane.Lower, experiments.ActIntensity)
	off(&h.global.HaltAll, experiments.ActHalt)
	off(&h.global.Note, experiments.ActNote)
	off(&h.global.Compose, experiments.ActCompose)
	off(&h.global.Write, experiments.ActCompose)
	return h
}
