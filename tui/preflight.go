package tui

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// PreflightKeyMap is the keys of the pre-flight.
type PreflightKeyMap struct {
	Start  key.Binding
	Up     key.Binding
	Down   key.Binding
	PageUp key.Binding
	PageDn key.Binding
}

// DefaultPreflightKeyMap returns the pre-flight's keys.
func DefaultPreflightKeyMap() PreflightKeyMap {
	return PreflightKeyMap{
		Start:  key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter", "start the game day")),
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑↓/jk", "scroll")),
		Down:   key.NewBinding(key.WithKeys("down", "j")),
		PageUp: key.NewBinding(key.WithKeys("pgup")),
		PageDn: key.NewBinding(key.WithKeys("pgdown", " ")),
	}
}

// PreflightModel is the pre-flight: before the first fault, what the game
// day will touch, block by block, and who is in the room. The facilitator
// starts the game day from here; every other seat waits.
type PreflightModel struct {
	Keys   PreflightKeyMap
	styles *Styles
	of     *experiments.Preflight // what text was made from
	room   string
	text   []string
	scroll int
	w, h   int
}

// NewPreflight returns the pre-flight pane.
func NewPreflight(st *Styles) PreflightModel {
	return PreflightModel{Keys: DefaultPreflightKeyMap(), styles: st}
}

// SetSize sets the pane's outer size.
func (m *PreflightModel) SetSize(w, h int) { m.w, m.h = w, h; m.clamp() }

// SetSnapshot makes the text again when the pre-flight or the room changed.
func (m *PreflightModel) SetSnapshot(s *session.Snapshot) {
	if s.Preflight == nil {
		m.of, m.text = nil, nil
		return
	}
	var room []string
	for _, p := range s.Room {
		line := experiments.Who(p.Name, p.Role)
		if p.Seats > 1 {
			line += " (" + strconv.Itoa(p.Seats) + " seats)"
		}
		room = append(room, line)
	}
	key := strings.Join(room, "\n")
	if s.Preflight == m.of && key == m.room {
		return
	}
	p := *s.Preflight
	p.Room = room
	var b bytes.Buffer
	_ = experiments.WritePreview(&b, p)
	m.of, m.room = s.Preflight, key
	m.text = strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	m.clamp()
}

func (m *PreflightModel) clamp() {
	m.scroll = max(0, min(m.scroll, len(m.text)-(m.h-2)))
}

// Update scrolls.
func (m PreflightModel) Update(k tea.KeyMsg) PreflightModel {
	page := max(1, m.h-3)
	switch {
	case key.Matches(k, m.Keys.Up):
		m.scroll--
	case key.Matches(k, m.Keys.Down):
		m.scroll++
	case key.Matches(k, m.Keys.PageUp):
		m.scroll -= page
	case key.Matches(k, m.Keys.PageDn):
		m.scroll += page
	}
	m.clamp()
	return m
}

// Lines draws the pane, w×h.
func (m PreflightModel) Lines(canStart bool) []string {
	st := m.styles
	rows := m.h - 2
	body := make([]string, 0, rows)
	for i := m.scroll; i < len(m.text) && len(body) < rows; i++ {
		body = append(body, m.text[i])
	}
	title := st.PaneTitle.Render("Pre-flight") + st.Muted.Render(" · nothing is injected until the game day starts")
	if !canStart {
		title += st.Warn.Render(" · waiting for the facilitator to start")
	}
	if more := len(m.text) - m.scroll - rows; more > 0 && len(body) > 0 {
		body[len(body)-1] = st.Muted.Render("  … " + strconv.Itoa(more) + " more lines: ↓ / space")
	}
	return frame(st, title, body, m.w, m.h)
}
