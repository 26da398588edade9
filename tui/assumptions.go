package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
)

// AssumptionsModel is the pane of assumptions: each with its state as a
// symbol and a word, its value against the threshold and the margin.
type AssumptionsModel struct {
	styles *Styles
	states []assume.AssumptionState
	now    time.Time
	w, h   int
	lines  []string // drawn by draw
}

// NewAssumptions returns an empty assumptions pane.
func NewAssumptions(st *Styles) AssumptionsModel { return AssumptionsModel{styles: st} }

// SetSize sets the pane's outer size.
func (m *AssumptionsModel) SetSize(w, h int) {
	m.w, m.h = w, h
	m.draw()
}

// SetStates shows the states of a snapshot.
func (m *AssumptionsModel) SetStates(states []assume.AssumptionState, now time.Time) {
	m.states, m.now = states, now
	m.draw()
}

// AssumptionsHeight is the rows the pane wants for n assumptions.
func AssumptionsHeight(n int, compact bool) int {
	if compact {
		return n + 2
	}
	return 2*n + 2
}

// badge renders a status as symbol and word, e.g. "✗ NOT RECOVERED".
func (m AssumptionsModel) badge(s assume.Status) string {
	style, sym, s := statusLook(m.styles, s)
	return style.Render(sym + " " + strings.ToUpper(string(s)))
}

// statusMark renders a status's symbol alone, e.g. "✗".
func statusMark(st *Styles, s assume.Status) string {
	style, sym, _ := statusLook(st, s)
	return style.Render(sym)
}

// statusLook is how a status shows: its style and symbol, and the status
// to name (an unknown one reads as waiting).
func statusLook(st *Styles, s assume.Status) (lipgloss.Style, string, assume.Status) {
	switch s {
	case assume.StatusHolding, assume.StatusRecovered:
		return st.Good, "✓", s
	case assume.StatusViolated, assume.StatusNotRecovered:
		return st.Bad, "✗", s
	case assume.StatusRecovering, assume.StatusPending:
		return st.Warn, "◷", s
	case assume.StatusInactive:
		return st.Muted, "–", s
	}
	return st.Muted, "…", assume.StatusWaiting
}

// View returns the pane as drawn.
func (m AssumptionsModel) View() string { return strings.Join(m.lines, "\n") }

// Lines returns the pane as drawn, a line per row.
func (m AssumptionsModel) Lines() []string { return m.lines }

func (m *AssumptionsModel) draw() {
	st := m.styles
	inner := m.w - 2
	compact := m.h-2 < 2*len(m.states) // one line per assumption when space is short
	var lines []string
	for i := range m.states {
		s := &m.states[i]
		name := s.Name + " " + s.Condition()
		badge := m.badge(s.Status)
		if s.Status == assume.StatusWaiting && s.Kind == experiments.AssumeThreshold && !s.HasValue {
			badge = st.Muted.Render("… NO DATA") // waiting for what may never come: say what is missing
		}
		if s.Status == assume.StatusViolated {
			badge += st.Bad.Render(" " + clock(s.Elapsed(m.now)))
		}
		if compact {
			left := fit(name, max(10, inner-lipgloss.Width(badge)-1))
			lines = append(lines, spread(left, badge, inner))
			continue
		}
		// The name gives way to the badge: the state must always show.
		left := st.Text.Render(name)
		if room := inner - lipgloss.Width(badge) - 1; lipgloss.Width(left) > room {
			left = fit(left, max(10, room))
		}
		lines = append(lines, spread(left, badge, inner))
		dst := st.Muted
		if s.Status.Bad() {
			dst = st.Bad
		}
		lines = append(lines, "  "+dst.Render(s.Detail(m.now)))
	}
	m.lines = frame(st, st.PaneTitle.Render("Assumptions"), lines, m.w, m.h)
}
