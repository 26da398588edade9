package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
)

// Source is where the cockpit reads snapshots and sends commands: a live
// session, or later a replayed journal.
type Source interface {
	Snapshots() <-chan session.Snapshot
	Do(session.Command)
}

// SnapshotMsg carries a snapshot from the source.
type SnapshotMsg struct{ Snapshot session.Snapshot }

// SourceClosedMsg says the source will send no more snapshots.
type SourceClosedMsg struct{}

// The smallest terminal the cockpit draws in.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Model is the cockpit's root: it lays the panes out, routes keys and
// snapshots to them, and sends commands to the source.
//
//	┌ header ────────────────────────────────────────────┐
//	│ Blocks        │ chart 1                             │
//	│ Assumptions   │ chart 2                             │
//	│ Timeline      │ chart 3                             │
//	└ help / note ───────────────────────────────────────┘
type Model struct {
	src         Source
	styles      *Styles
	keys        KeyMap
	noteKeys    NoteKeyMap
	replayKeys  ReplayKeyMap
	help        help.Model
	note        textinput.Model
	noting      bool
	debrief     DebriefModel
	debriefing  bool // the debrief pane is open
	compose     ComposeModel
	composing   bool   // the compose form is open
	writeAsked  bool   // this seat pressed w: it is told how the write went
	writeSeq    uint64 // the timeline's last event when it did
	addAsked    string // the block this seat composed, until the session says it joined (or why not)
	addSeq      uint64
	preflight   PreflightModel
	shared      *Shared // nil: this cockpit draws alone
	blocks      BlocksModel
	assumptions AssumptionsModel
	timeline    TimelineModel
	charts      []ChartModel
	snap        session.Snapshot
	head        string // the header drawn for snap
	foot        string // the help line drawn for the current size
	have        bool
	w, h        int
	seat        Seat
	serving     string // how others join, for a game day served to a room
	flashText   string // a short message in the footer (a key the seat may not use)
	flashID     int
}

// New returns a cockpit that reads from src. The panes share one copy of
// styles: a Styles is a large value (about 13 KB), and Bubble Tea copies
// the model on every Update and View.
func New(src Source, styles Styles) Model {
	st := &styles
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = st.HelpKey, st.HelpKey
	h.Styles.ShortDesc, h.Styles.FullDesc = st.HelpDesc, st.HelpDesc
	h.Styles.ShortSeparator, h.Styles.FullSeparator = st.HelpSep, st.HelpSep
	ti := textinput.New()
	ti.Placeholder = "what just happened?"
	ti.CharLimit = 200
	ti.Prompt = ""
	return Model{
		src: src, styles: st, keys: DefaultKeyMap(), noteKeys: DefaultNoteKeyMap(), replayKeys: DefaultReplayKeyMap(),
		help: h, note: ti,
		blocks: NewBlocks(st, src.Do), assumptions: NewAssumptions(st), timeline: NewTimeline(st),
		debrief: NewDebrief(st, src.Do), preflight: NewPreflight(st), compose: NewCompose(st, src.Do),
	}
}

// Init starts listening to the source.
func (m Model) Init() tea.Cmd { return m.wait() }

func (m Model) wait() tea.Cmd {
	ch := m.src.Snapshots()
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return SourceClosedMsg{}
		}
		return SnapshotMsg{Snapshot: s}
	}
}

// Update handles keys, sizes, snapshots and commands.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.layout()
		m.redraw()
		return m, nil
	case SnapshotMsg:
		first := !m.have || len(m.charts) != len(msg.Snapshot.Charts)
		replayChanged := (m.snap.Replay == nil) != (msg.Snapshot.Replay == nil)
		replayChanged = replayChanged || headerLines(&m.snap, m.serving) != headerLines(&msg.Snapshot, m.serving)
		// The last fault just halted: the time for the debrief.
		hint := m.have && m.snap.ActiveFaults() > 0 && msg.Snapshot.ActiveFaults() == 0 && msg.Snapshot.Replay == nil &&
			!m.debriefing && m.seat.may(experiments.ActDebrief)
		wrote := strings.Trim(m.addResult(&msg.Snapshot)+"  "+m.writeResult(&msg.Snapshot), " ")
		m.snap, m.have = msg.Snapshot, true
		if first {
			m.charts = m.charts[:0]
			colours := seriesColours(m.snap.Charts)
			for _, c := range m.snap.Charts {
				ch := NewChart(m.styles, c)
				ch.colours = colours
				m.charts = append(m.charts, ch)
			}
		}
		_, writable := m.snap.Experiment.CanCompose()
		m.blocks.SetWritable(writable)
		m.blocks.SetBlocks(m.snap.Blocks, m.snap.Now)
		m.assumptions.SetStates(m.snap.Assumptions, m.snap.Now)
		m.timeline.SetSnapshot(&m.snap)
		m.debrief.SetItems(m.snap.Debrief)
		m.compose.SetSnapshot(&m.snap)
		wasGated := m.preflight.of != nil
		m.preflight.SetSnapshot(&m.snap)
		if wasGated != (m.preflight.of != nil) {
			m.foot = m.drawFooter()
		}
		if first || replayChanged {
			m.layout()
		}
		m.redraw()
		if wrote != "" {
			return m, tea.Batch(m.wait(), m.flash(wrote))
		}
		if hint {
			flash := m.flash("■ every fault is halted · d opens the debrief: findings and action items")
			return m, tea.Batch(m.wait(), flash)
		}
		return m, m.wait()
	case SourceClosedMsg:
		return m, tea.Quit
	case flashDoneMsg:
		if msg.id == m.flashID {
			m.flashText = ""
		}
		return m, nil
	case tea.KeyMsg:
		// Bubble Tea reads keys typed faster than it reads (or sent by a
		// script) as one message of several runes; outside the note
		// prompt each is a key of its own.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.noting {
			cmds := make([]tea.Cmd, 0, len(msg.Runes))
			for _, r := range msg.Runes {
				var cmd tea.Cmd
				m, cmd = m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
				cmds = append(cmds, cmd)
			}
			return m, tea.Batch(cmds...)
		}
		return m.key(msg)
	}
	if m.noting {
		var cmd tea.Cmd
		m.note, cmd = m.note.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m Model) key(k tea.KeyMsg) (Model, tea.Cmd) {
	if m.noting && k.Type == tea.KeyRunes && len(k.Runes) > 1 {
		// Text that came in one read (a paste without bracketed paste,
		// fast typing) is text: "up", "end" or "esc" in it are words,
		// not keys.
		k.Paste = true
		var cmd tea.Cmd
		m.note, cmd = m.note.Update(k)
		return m, cmd
	}
	if m.noting {
		switch {
		case key.Matches(k, m.noteKeys.Save):
			if text := strings.TrimSpace(m.note.Value()); text != "" {
				m.src.Do(session.Command{Kind: session.CmdNote, Text: text})
			}
			m.noting = false
			m.note.Reset()
			m.note.Blur()
			return m, nil
		case key.Matches(k, m.noteKeys.Cancel):
			m.noting = false
			m.note.Reset()
			m.note.Blur()
			return m, nil
		case key.Matches(k, m.noteKeys.Quit):
			return m, tea.Quit
		}
		var cmd tea.Cmd
		m.note, cmd = m.note.Update(k)
		return m, cmd
	}
	if m.composing {
		return m.composeKey(k)
	}
	if m.snap.Replay != nil {
		return m.replayKey(k)
	}
	if m.debriefing {
		return m.debriefKey(k)
	}
	if m.snap.Preflight != nil {
		if mm, cmd, ok := m.preflightKey(k); ok {
			return mm, cmd
		}
	}
	if act, ok := m.actionOf(k); ok && !m.seat.may(act) {
		cmd := m.flash(refusal(m.seat, act))
		return m, cmd
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.HaltAll):
		m.src.Do(session.Command{Kind: session.CmdHaltAll})
		return m, nil
	case key.Matches(k, m.keys.Note):
		m.noting = true
		return m, m.note.Focus()
	case key.Matches(k, m.keys.Help):
		m.toggleHelp()
		return m, nil
	case key.Matches(k, m.keys.Debrief):
		m.debriefing = true
		m.foot = m.drawFooter()
		return m, nil
	case key.Matches(k, m.keys.Compose):
		return m.openCompose()
	case key.Matches(k, m.keys.Write):
		return m.writeBlocks()
	}
	var cmd tea.Cmd
	m.blocks, cmd = m.blocks.Update(k)
	return m, cmd
}

// preflightKey handles the pre-flight's keys: start (for who may) and
// scrolling; the block keys do nothing until the start; halt all, notes,
// the debrief, help and quit work as ever (ok false).
func (m Model) preflightKey(k tea.KeyMsg) (Model, tea.Cmd, bool) {
	pk, bk := m.preflight.Keys, m.blocks.Keys
	switch {
	case key.Matches(k, pk.Start):
		if !m.seat.may(experiments.ActStart) {
			cmd := m.flash(refusal(m.seat, experiments.ActStart) + ": the facilitator starts it")
			return m, cmd, true
		}
		m.src.Do(session.Command{Kind: session.CmdStart})
		return m, nil, true
	case key.Matches(k, pk.Up, pk.Down, pk.PageUp, pk.PageDn):
		m.preflight = m.preflight.Update(k)
		return m, nil, true
	case key.Matches(k, bk.Trigger, bk.Halt, bk.Raise, bk.Lower, bk.Edge):
		cmd := m.flash("the game day is at its pre-flight: nothing is on yet")
		return m, cmd, true
	case key.Matches(k, m.keys.Compose, m.keys.Write):
		cmd := m.flash("the game day is at its pre-flight: compose blocks once it has started")
		return m, cmd, true
	}
	return m, nil, false
}

// debriefKey handles a key while the debrief is open: its form takes
// text; halt all and quit still work outside the form.
func (m Model) debriefKey(k tea.KeyMsg) (Model, tea.Cmd) {
	dk := m.debrief.Keys
	if m.debrief.Writing() {
		if key.Matches(k, m.noteKeys.Quit) {
			return m, tea.Quit
		}
		var cmd tea.Cmd
		m.debrief, cmd = m.debrief.Update(k)
		return m, cmd
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.HaltAll):
		if !m.seat.may(experiments.ActHalt) {
			cmd := m.flash(refusal(m.seat, experiments.ActHalt))
			return m, cmd
		}
		m.src.Do(session.Command{Kind: session.CmdHaltAll})
	case key.Matches(k, dk.Close):
		m.debriefing = false
		m.foot = m.drawFooter()
	case key.Matches(k, dk.Finding), key.Matches(k, dk.Action):
		if !m.seat.may(experiments.ActDebrief) {
			cmd := m.flash(refusal(m.seat, experiments.ActDebrief))
			return m, cmd
		}
		kind := experiments.ItemFinding
		if key.Matches(k, dk.Action) {
			kind = experiments.ItemAction
		}
		var cmd tea.Cmd
		m.debrief, cmd = m.debrief.Open(kind)
		return m, cmd
	}
	return m, nil
}

// replayKey handles the keys of a replay: nothing is live, so only time
// moves.
func (m Model) replayKey(k tea.KeyMsg) (Model, tea.Cmd) {
	rk := m.replayKeys
	do := func(kind session.CommandKind, d float64) { m.src.Do(session.Command{Kind: kind, Delta: d}) }
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.toggleHelp()
	case key.Matches(k, rk.Pause):
		do(journal.CmdReplayPause, 0)
	case key.Matches(k, rk.Normal):
		do(journal.CmdReplaySpeed, 1)
	case key.Matches(k, rk.Fast):
		do(journal.CmdReplaySpeed, 10)
	case key.Matches(k, rk.Back):
		do(journal.CmdReplaySeek, -10)
	case key.Matches(k, rk.Forward):
		do(journal.CmdReplaySeek, 10)
	case key.Matches(k, rk.BackMore):
		do(journal.CmdReplaySeek, -60)
	case key.Matches(k, rk.FwdMore):
		do(journal.CmdReplaySeek, 60)
	case key.Matches(k, m.blocks.Keys.Up, m.blocks.Keys.Down):
		var cmd tea.Cmd
		m.blocks, cmd = m.blocks.Update(k) // the cursor moves; trigger and halt are not sent
		return m, cmd
	}
	return m, nil
}

// toggleHelp switches between the short and the full help, which changes
// the footer's height and so the panes' sizes.
func (m *Model) toggleHelp() {
	m.help.ShowAll = !m.help.ShowAll
	m.layout()
	m.redraw()
}

func (m *Model) headerHeight() int {
	return headerLines(&m.snap, m.serving)
}

func (m *Model) footerHeight() int {
	if m.help.ShowAll && !m.noting {
		return 2
	}
	return 1
}

// layout sizes every pane for the terminal.
func (m *Model) layout() {
	if m.w < MinWidth || m.h < MinHeight {
		return
	}
	m.help.Width = m.w
	m.foot = m.drawFooter()
	body := m.h - m.headerHeight() - m.footerHeight()
	left := min(max(m.w*36/100, 40), 62)
	right := m.w - left
	bh := BlocksHeight(len(m.snap.Blocks))
	ah := AssumptionsHeight(len(m.snap.Assumptions), false)
	if bh+ah+6 > body {
		ah = AssumptionsHeight(len(m.snap.Assumptions), true)
	}
	m.debrief.SetSize(m.w, body)
	m.compose.SetSize(m.w, body)
	m.preflight.SetSize(m.w, body)
	m.blocks.SetSize(left, bh)
	m.assumptions.SetSize(left, ah)
	m.timeline.SetSize(left, max(body-bh-ah, 3))
	n := max(len(m.charts), 1)
	for i := range m.charts {
		ch := body / n
		if i == len(m.charts)-1 {
			ch = body - ch*(n-1)
		}
		m.charts[i].SetSize(right, ch)
	}
}

// redraw draws the charts from the current snapshot.
func (m *Model) redraw() {
	if !m.have || m.w < MinWidth || m.h < MinHeight {
		return
	}
	m.head = header(m.styles, &m.snap, m.w)
	if m.snap.Hypothesis != "" {
		m.head += "\n" + hypothesisLine(m.styles, &m.snap, m.w)
	}
	if len(m.snap.Room) > 0 || m.serving != "" {
		m.head += "\n" + roomLine(m.styles, &m.snap, m.serving, m.w)
	}
	// Every chart draws with the widest chart's Y labels, so that their
	// time axes line up column for column.
	gutter := 0
	for i := range m.charts {
		m.charts[i].prepare(&m.snap)
		gutter = max(gutter, m.charts[i].naturalGutter())
	}
	for i := range m.charts {
		c := &m.charts[i]
		if m.shared == nil || m.styles.look == "" {
			c.draw(&m.snap, gutter)
			continue
		}
		k := sharedKey{chart: i, w: c.w, h: c.h, gutter: gutter, look: m.styles.look}
		c.lines = m.shared.lines(m.snap.Seq, k, func() []string {
			c.draw(&m.snap, gutter)
			return c.lines
		})
	}
}

// View joins the panes drawn by the last snapshot.
func (m Model) View() string {
	if m.w == 0 {
		return ""
	}
	if m.w < MinWidth || m.h < MinHeight {
		msg := fmt.Sprintf("Terminal too small: %d×%d.\nThe cockpit needs at least %d×%d.\nEnlarge the window, or press q to quit.",
			m.w, m.h, MinWidth, MinHeight)
		return lipgloss.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, m.styles.TooSmall.Render(msg))
	}
	if !m.have {
		return lipgloss.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, m.styles.Muted.Render("starting the session…"))
	}
	if m.composing {
		return m.head + "\n" + strings.Join(m.compose.Lines(), "\n") + "\n" + m.footer()
	}
	if m.debriefing {
		return m.head + "\n" + strings.Join(m.debrief.Lines(&m.snap, m.seat.may(experiments.ActDebrief)), "\n") +
			"\n" + m.footer()
	}
	if m.snap.Preflight != nil {
		return m.head + "\n" + strings.Join(m.preflight.Lines(m.seat.may(experiments.ActStart)), "\n") +
			"\n" + m.footer()
	}
	// Every pane is drawn to its exact size, so the body is joined line
	// by line without measuring anything again.
	left := make([]string, 0, m.h)
	left = append(left, m.blocks.Lines()...)
	left = append(left, m.assumptions.Lines()...)
	left = append(left, m.timeline.Lines()...)
	right := make([]string, 0, m.h)
	for i := range m.charts {
		right = append(right, m.charts[i].Lines()...)
	}
	var b strings.Builder
	b.Grow(m.w * m.h * 4)
	b.WriteString(m.head)
	for i, rows := 0, m.h-m.headerHeight()-m.footerHeight(); i < rows; i++ {
		b.WriteByte('\n')
		if i < len(left) {
			b.WriteString(left[i])
		}
		if i < len(right) {
			b.WriteString(right[i])
		}
	}
	b.WriteByte('\n')
	b.WriteString(m.footer())
	return b.String()
}

// footer is the help line, or the note prompt while writing a note, or
// a short message.
func (m *Model) footer() string {
	if m.flashText != "" && !m.noting {
		return fit(m.styles.Paint(m.styles.Warn, m.flashText), m.w)
	}
	if m.noting {
		return fit(m.styles.Paint(m.styles.NotePrompt, "note › ")+m.note.View()+"  "+
			m.help.ShortHelpView([]key.Binding{m.noteKeys.Save, m.noteKeys.Cancel}), m.w)
	}
	return m.foot
}

func (m *Model) drawFooter() string {
	if m.composing {
		return fit(m.help.ShortHelpView(append(m.compose.Keys.ShortHelp(), m.noteKeys.Quit)), m.w)
	}
	if m.debriefing {
		g := m.seat.helpKeys(helpKeys{pane: m.blocks.Keys, global: m.keys}).global
		return fit(m.help.ShortHelpView([]key.Binding{g.HaltAll, m.debrief.Keys.Close, g.Quit}), m.w)
	}
	if m.snap.Preflight != nil && m.snap.Replay == nil {
		g := m.seat.helpKeys(helpKeys{pane: m.blocks.Keys, global: m.keys}).global
		start := m.preflight.Keys.Start
		if !m.seat.may(experiments.ActStart) {
			start.SetEnabled(false)
		}
		return fit(m.help.ShortHelpView([]key.Binding{start, m.preflight.Keys.Up, g.HaltAll, g.Note, g.Quit}), m.w)
	}
	if m.snap.Replay != nil {
		rh := replayHelp{keys: m.replayKeys, global: m.keys}
		if m.help.ShowAll {
			return m.help.FullHelpView(rh.FullHelp())
		}
		return fit(m.help.ShortHelpView(rh.ShortHelp()), m.w)
	}
	keys := m.seat.helpKeys(helpKeys{pane: m.blocks.Keys, global: m.keys, narrow: m.w < 100, wide: m.w >= 120})
	if m.help.ShowAll {
		return m.help.FullHelpView(keys.FullHelp())
	}
	return fit(m.help.ShortHelpView(keys.ShortHelp()), m.w)
}
