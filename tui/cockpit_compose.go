package tui

import (
	"fmt"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// The cockpit's side of composed blocks: a opens the compose form (a
// pane of its own, over the body), w writes the blocks composed during
// the game day into the experiment file. The session does both (and
// checks the seat's role again); the timeline says how they went, and
// the seat that pressed w is told in its footer.

// openCompose opens the compose form on the snapshot's experiment.
func (m Model) openCompose() (Model, tea.Cmd) {
	if m.snap.Experiment == nil {
		return m, m.flash("✗ no block can be composed here")
	}
	form, cmd, err := m.compose.Open(m.snap.Experiment)
	if err != nil {
		return m, m.flash("✗ " + err.Error())
	}
	m.compose, m.composing = form, true
	m.foot = m.drawFooter()
	return m, cmd
}

// composeKey gives a key to the open form; ctrl+c still quits.
func (m Model) composeKey(k tea.KeyMsg) (Model, tea.Cmd) {
	if key.Matches(k, m.noteKeys.Quit) {
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.compose, cmd = m.compose.Update(k)
	if m.compose.Writing() {
		return m, cmd
	}
	m.composing = false
	m.foot = m.drawFooter()
	if name := m.compose.Added(); name != "" {
		m.blocks.SelectWhenShown(name)
		m.addAsked, m.addSeq = name, lastSeq(m.snap.Timeline)
		return m, tea.Batch(cmd, m.flash("adding "+name+"…"))
	}
	return m, cmd
}

// addResult says how the block this seat composed went, once the
// session says it: it joined, or why not (another seat took its name
// meanwhile...); "" until then.
func (m *Model) addResult(next *session.Snapshot) string {
	if m.addAsked == "" {
		return ""
	}
	for _, e := range next.Timeline {
		if e.Seq <= m.addSeq || e.Subject != m.addAsked {
			continue
		}
		switch e.Kind {
		case experiments.EventBlockAdded:
			m.addAsked = ""
			then := "w writes it into the file"
			if _, write := next.Experiment.CanCompose(); !write {
				then = "it lives in this game day only"
			}
			return "✚ " + e.Subject + " joins the catalog · enter triggers it · " + then
		case experiments.EventError:
			m.addAsked = ""
			return "✗ " + e.Subject + ": " + e.Text
		}
	}
	return ""
}

// writeBlocks asks the session to write the composed blocks not yet in
// the file.
func (m Model) writeBlocks() (Model, tea.Cmd) {
	exp := m.snap.Experiment
	unsaved := len(m.snap.Composed) - m.snap.ComposedWritten
	if _, write := exp.CanCompose(); !write {
		return m, m.flash("✗ this experiment is built into gameday: there is no file to write blocks to")
	}
	switch {
	case m.snap.Writing:
		return m, m.flash("a write is under way")
	case unsaved == 0:
		return m, m.flash("nothing to write: every composed block is in the file (a composes one)")
	}
	m.src.Do(session.Command{Kind: session.CmdWriteBlocks})
	m.writeAsked, m.writeSeq = true, lastSeq(m.snap.Timeline)
	return m, m.flash(fmt.Sprintf("writing %s into %s…", experiments.Count(unsaved, "composed block", "composed blocks"),
		filepath.Base(exp.File)))
}

// writeResult says how the write this seat asked for went, once the
// session says it in the timeline; "" until then.
func (m *Model) writeResult(next *session.Snapshot) string {
	if !m.writeAsked || next.Experiment == nil {
		return ""
	}
	file := filepath.Base(next.Experiment.File)
	for i := len(next.Timeline) - 1; i >= 0; i-- {
		e := next.Timeline[i]
		if e.Seq <= m.writeSeq {
			break
		}
		if e.Subject == file && (e.Kind == experiments.EventInfo || e.Kind == experiments.EventError) {
			m.writeAsked = false
			if e.Kind == experiments.EventError {
				return "✗ " + file + ": " + e.Text
			}
			return "✓ " + file + ": " + e.Text
		}
	}
	return ""
}

func lastSeq(events []experiments.Event) uint64 {
	if len(events) == 0 {
		return 0
	}
	return events[len(events)-1].Seq
}
