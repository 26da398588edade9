package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/gameday-dev/gameday/experiments/session"
)

// BlocksKeyMap is the keys of the catalog pane.
type BlocksKeyMap struct {
	Up      key.Binding
	Down    key.Binding
	Trigger key.Binding
	Halt    key.Binding
	Raise   key.Binding
	Lower   key.Binding
	Edge    key.Binding
}

// DefaultBlocksKeyMap returns the catalog's keys.
func DefaultBlocksKeyMap() BlocksKeyMap {
	return BlocksKeyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Trigger: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "trigger")),
		Halt:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "halt")),
		Raise:   key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "stronger")),
		Lower:   key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "weaker")),
		Edge:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "find the edge")),
	}
}

// ShortHelp implements help.KeyMap; up and down show as one entry.
func (k BlocksKeyMap) ShortHelp() []key.Binding {
	sel := key.NewBinding(key.WithKeys(append(k.Up.Keys(), k.Down.Keys()...)...), key.WithHelp("↑↓/jk", "select"))
	return []key.Binding{sel, k.Trigger, k.Halt}
}

// FullHelp implements help.KeyMap.
func (k BlocksKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Trigger, k.Halt}, {k.Raise, k.Lower}, {k.Edge}}
}

// BlocksModel is the catalog pane: the experiment's blocks, each idle or
// active, with a cursor to pick one.
type BlocksModel struct {
	Keys   BlocksKeyMap
	styles *Styles
	// send hands a command to the session at once, so that commands keep
	// the order of the keys that made them.
	send   func(session.Command)
	blocks []session.BlockState
	now    time.Time
	cursor int
	// pick is a block to select once it shows (one just composed).
	pick string
	// writable: the composed blocks can be written into the file (w).
	writable bool
	w, h     int
	lines    []string // drawn by draw, returned by Lines
}

// NewBlocks returns an empty catalog pane that sends its commands
// (trigger, halt) through send.
func NewBlocks(st *Styles, send func(session.Command)) BlocksModel {
	return BlocksModel{Keys: DefaultBlocksKeyMap(), styles: st, send: send}
}

// SetSize sets the pane's outer size.
func (m *BlocksModel) SetSize(w, h int) { m.w, m.h = w, h; m.draw() }

// SetBlocks shows the blocks of a snapshot.
func (m *BlocksModel) SetBlocks(blocks []session.BlockState, now time.Time) {
	m.blocks, m.now = blocks, now
	if m.pick != "" {
		for i, b := range blocks {
			if b.Name == m.pick {
				m.cursor, m.pick = i, ""
			}
		}
	}
	if m.cursor >= len(blocks) {
		m.cursor = max(0, len(blocks)-1)
	}
	m.draw()
}

// SetWritable says whether composed blocks can be written into the file.
func (m *BlocksModel) SetWritable(w bool) { m.writable = w }

// SelectWhenShown selects the named block once a snapshot shows it.
func (m *BlocksModel) SelectWhenShown(name string) { m.pick = name }

// Selected returns the block under the cursor.
func (m BlocksModel) Selected() (session.BlockState, bool) {
	if m.cursor < len(m.blocks) {
		return m.blocks[m.cursor], true
	}
	return session.BlockState{}, false
}

// BlocksHeight is the number of rows the pane wants for n blocks.
func BlocksHeight(n int) int { return n + 3 }

// Update moves the cursor, and triggers or halts the selected block.
func (m BlocksModel) Update(msg tea.Msg) (BlocksModel, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.Keys.Up):
		if m.cursor > 0 {
			m.cursor--
			m.draw()
		}
	case key.Matches(k, m.Keys.Down):
		if m.cursor < len(m.blocks)-1 {
			m.cursor++
			m.draw()
		}
	case key.Matches(k, m.Keys.Trigger):
		if b, ok := m.Selected(); ok && (b.Phase == session.PhaseIdle || b.Phase == session.PhaseHalting) {
			m.send(session.Command{Kind: session.CmdTrigger, Block: b.Name})
		}
	case key.Matches(k, m.Keys.Halt):
		// A starting block's start is cancelled; a stuck one is halted
		// again.
		if b, ok := m.Selected(); ok && b.Phase != session.PhaseIdle && b.Phase != session.PhaseHalting {
			m.send(session.Command{Kind: session.CmdHalt, Block: b.Name})
		}
	case key.Matches(k, m.Keys.Edge):
		// Raise the idle block's intensity step by step until an
		// assumption breaks (the session's edge search).
		if b, ok := m.Selected(); ok && b.Phase == session.PhaseIdle {
			m.send(session.Command{Kind: session.CmdEdge, Block: b.Name, Delta: session.DefaultEdgeStep, Dwell: session.DefaultEdgeDwell})
		}
	case key.Matches(k, m.Keys.Raise, m.Keys.Lower):
		if b, ok := m.Selected(); ok && (b.Phase == session.PhaseOn || b.Phase == session.PhaseStarting) {
			d := 0.1
			if key.Matches(k, m.Keys.Lower) {
				d = -0.1
			}
			m.send(session.Command{Kind: session.CmdIntensity, Block: b.Name, Delta: d})
		}
	}
	return m, nil
}

// View returns the pane as drawn.
func (m BlocksModel) View() string { return strings.Join(m.lines, "\n") }

// Lines returns the pane as drawn, a line per row.
func (m BlocksModel) Lines() []string { return m.lines }

// draw renders the pane into lines.
func (m *BlocksModel) draw() {
	st := m.styles
	nameW, unsaved := 0, 0
	for _, b := range m.blocks {
		nameW = max(nameW, len([]rune(b.Name))+composedMark(b))
		if b.Unsaved {
			unsaved++
		}
	}
	inner := m.w - 2
	lines := make([]string, 0, len(m.blocks)+1)
	for i, b := range m.blocks {
		cursor := "  "
		name := b.Name
		if i == m.cursor {
			cursor = st.Cursor.Render("▸ ")
			name = st.Selected.Render(name)
		}
		if composedMark(b) > 0 {
			name += st.Paint(st.Muted, " ✚")
		}
		name += strings.Repeat(" ", nameW-len([]rune(b.Name))-composedMark(b))
		left := fmt.Sprintf("%s%d %s", cursor, b.Index+1, name)
		room := inner - lipgloss.Width(left) - 1
		var state string
		switch b.Phase {
		case session.PhaseOn:
			state = st.Fault.Render(m.activeState(b, room))
		case session.PhaseStarting:
			state = st.Warn.Render(firstFit(room, "◌ starting… "+clock(m.now.Sub(b.Asked)), "◌ starting…", "◌"))
		case session.PhaseHalting:
			state = st.Warn.Render(firstFit(room, "◌ halting… "+clock(m.now.Sub(b.Asked)), "◌ halting…", "◌"))
		case session.PhaseStuck:
			state = st.Bad.Render(firstFit(room, "✗ STILL ON? halt failed", "✗ STILL ON?", "✗"))
		default:
			state = st.Muted.Render("○ idle")
		}
		lines = append(lines, spread(left, state, inner))
	}
	if b, ok := m.Selected(); ok {
		if b.Phase == session.PhaseStuck {
			lines = append(lines, st.Bad.Render("  x: halt again · or quit, then gameday recover · "+b.Err))
		} else {
			desc := b.Description
			if desc == "" {
				desc = b.Summary()
			}
			if b.Engine != "" && b.Active {
				desc = b.Engine // what the cluster's engine says of it, while on
			}
			lines = append(lines, st.Muted.Render("  "+desc))
		}
	}
	title := st.PaneTitle.Render("Blocks")
	switch {
	case unsaved > 0 && m.writable:
		title += st.Paint(st.Muted, fmt.Sprintf(" ✚ %d not in the file · w writes", unsaved))
	case unsaved > 0:
		title += st.Paint(st.Muted, fmt.Sprintf(" ✚ %d composed", unsaved))
	}
	m.lines = frame(st, title, lines, m.w, m.h)
}

// activeState says how long an active block has been on, at what
// intensity, and the countdown to its halt (by its own duration or by the
// guardrail's longest time on), in the longest form that fits room.
func (m BlocksModel) activeState(b session.BlockState, room int) string {
	on := clock(m.now.Sub(b.Since))
	at := ""
	if b.Intensity < 0.995 { // NaN is not: it shows as full
		at = fmt.Sprintf(" at %d%%", int(max(b.Intensity, 0)*100+0.5)) // -Inf and below 0 as 0 %
	}
	left := ""
	if b.Remaining > 0 {
		left = clock(b.Remaining + time.Second - 1)
	}
	forms := []string{"● ON " + on + at}
	if left != "" {
		forms = []string{"● ON " + on + at + ", " + left + " left", "● ON " + on + at + " ·" + left, "● " + on + at + " ·" + left, "● ON " + on + at}
	}
	return firstFit(room, forms...)
}

// firstFit returns the first of forms that fits in room columns, else the last.
func firstFit(room int, forms ...string) string {
	for _, f := range forms {
		if lipgloss.Width(f) <= room {
			return f
		}
	}
	return forms[len(forms)-1]
}

// clock renders a duration as m:ss (or h:mm:ss); before the start (a
// chart's history) as -m:ss.
func clock(d time.Duration) string {
	if d <= -time.Second && d > -1000*time.Hour {
		return "-" + clock(-d)
	}
	if d < 0 || d > 1000*time.Hour {
		d = 0 // not a time anyone wants to read: a zero time
	}
	s := int(d.Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, (s%3600)/60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// composedMark is the width of the mark of a block composed during the
// game day and not yet in the file (" ✚"), 0 for the others.
func composedMark(b session.BlockState) int {
	if b.Unsaved {
		return 2
	}
	return 0
}
