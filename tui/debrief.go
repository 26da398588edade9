package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// DebriefKeyMap is the keys of the debrief pane.
type DebriefKeyMap struct {
	Finding key.Binding
	Action  key.Binding
	Close   key.Binding
	Next    key.Binding // the form's next field
	Prev    key.Binding
	Save    key.Binding
	Cancel  key.Binding
}

// DefaultDebriefKeyMap returns the debrief's keys.
func DefaultDebriefKeyMap() DebriefKeyMap {
	return DebriefKeyMap{
		Finding: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "new finding")),
		Action:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "new action item")),
		Close:   key.NewBinding(key.WithKeys("d", "esc"), key.WithHelp("d/esc", "back to the cockpit")),
		Next:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Save:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// The form's fields: a finding has the first only.
const (
	fieldText = iota
	fieldOwner
	fieldDue
	fieldCount
)

// DebriefModel is the debrief: what the room found and what it will do,
// each action with an owner and a date, shown to every seat; the
// facilitator and the scribe write it.
type DebriefModel struct {
	Keys   DebriefKeyMap
	styles *Styles
	send   func(session.Command)
	items  []session.DebriefEntry
	form   string // "" (no form), experiments.ItemFinding or ItemAction
	inputs [fieldCount]textinput.Model
	focus  int
	err    string
	w, h   int
}

// NewDebrief returns the debrief pane; it sends items through send.
func NewDebrief(st *Styles, send func(session.Command)) DebriefModel {
	m := DebriefModel{Keys: DefaultDebriefKeyMap(), styles: st, send: send}
	for i, ph := range [fieldCount]string{"what was found, or what to do", "who does it", "by when: 2026-12-31"} {
		in := textinput.New()
		in.Placeholder, in.Prompt = ph, ""
		in.CharLimit = [fieldCount]int{500, 64, 10}[i]
		m.inputs[i] = in
	}
	return m
}

// SetSize sets the pane's outer size.
func (m *DebriefModel) SetSize(w, h int) {
	m.w, m.h = w, h
	for i := range m.inputs {
		m.inputs[i].Width = max(10, w-30)
	}
}

// SetItems shows the debrief so far.
func (m *DebriefModel) SetItems(items []session.DebriefEntry) { m.items = items }

// Writing reports whether a form is open: keys are text then.
func (m DebriefModel) Writing() bool { return m.form != "" }

// Open opens the form for a new item of kind.
func (m DebriefModel) Open(kind string) (DebriefModel, tea.Cmd) {
	m.form, m.err, m.focus = kind, "", fieldText
	for i := range m.inputs {
		m.inputs[i].Reset()
		m.inputs[i].Blur()
	}
	return m, m.inputs[fieldText].Focus()
}

func (m DebriefModel) fields() int {
	if m.form == experiments.ItemAction {
		return fieldCount
	}
	return 1
}

// Update handles a key of the open form: tab moves, enter saves an item
// that checks out (or says which field is wrong), esc cancels.
func (m DebriefModel) Update(k tea.KeyMsg) (DebriefModel, tea.Cmd) {
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 {
		k.Paste = true // text that came in one read is text (see the note prompt)
	} else {
		switch {
		case key.Matches(k, m.Keys.Cancel):
			m.form = ""
			return m, nil
		case key.Matches(k, m.Keys.Next), key.Matches(k, m.Keys.Prev):
			step := 1
			if key.Matches(k, m.Keys.Prev) {
				step = m.fields() - 1
			}
			m.inputs[m.focus].Blur()
			m.focus = (m.focus + step) % m.fields()
			return m, m.inputs[m.focus].Focus()
		case key.Matches(k, m.Keys.Save):
			it := experiments.DebriefItem{Kind: m.form, Text: strings.TrimSpace(m.inputs[fieldText].Value())}
			if m.form == experiments.ItemAction {
				it.Owner = strings.TrimSpace(m.inputs[fieldOwner].Value())
				it.Due = strings.TrimSpace(m.inputs[fieldDue].Value())
			}
			if err := it.Check(); err != nil {
				m.err = err.Error()
				return m, nil
			}
			m.send(session.Command{Kind: session.CmdDebrief, Item: &it})
			m.form = ""
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.inputs[m.focus], cmd = m.inputs[m.focus].Update(k)
	m.err = ""
	return m, cmd
}

// Lines draws the pane, w×h.
func (m DebriefModel) Lines(snap *session.Snapshot, canWrite bool) []string {
	st := m.styles
	inner := m.w - 2
	var out []string
	add := func(s string) { out = append(out, s) }
	wrap := func(prefix, text string) {
		for i, l := range strings.Split(ansi.Wrap(text, max(10, inner-len(prefix)-1), " "), "\n") {
			if i == 0 {
				add(prefix + l)
			} else {
				add(strings.Repeat(" ", len(prefix)) + l)
			}
		}
	}
	add(st.PaneTitle.Render("What happened"))
	for _, a := range snap.Assumptions {
		line := "  " + statusMark(st, a.Status) + " " + a.Name + st.Muted.Render(" ("+a.Condition()+")")
		if !math.IsNaN(a.Worst) && a.Kind != experiments.AssumeRecovery {
			line += st.Muted.Render(", worst ") + formatValue(a.Unit, a.Worst)
		}
		if a.Violations > 0 {
			line += st.Muted.Render(fmt.Sprintf(", broke %d×", a.Violations))
		}
		add(line)
	}
	for _, w := range snap.FaultWindows {
		end, on := "still on", ""
		if !w.End.IsZero() {
			end, on = "+"+clock(w.End.Sub(snap.Started)), " ("+experiments.FormatDuration(w.End.Sub(w.Start).Seconds())+")"
		}
		add("  " + st.Fault.Render("▶ "+w.Block) + st.Muted.Render(" +"+clock(w.Start.Sub(snap.Started))+" → "+end+on))
	}
	if len(snap.FaultWindows) > 0 && snap.WindowStart.After(snap.Started) {
		add(st.Muted.Render("  (faults of the charts' last " + experiments.FormatDuration(snap.Window.Seconds()) + "; the report has them all)"))
	}
	add("")
	var findings, actions []session.DebriefEntry
	for _, it := range m.items {
		if it.Kind == experiments.ItemAction {
			actions = append(actions, it)
		} else {
			findings = append(findings, it)
		}
	}
	add(st.PaneTitle.Render(fmt.Sprintf("Findings (%d)", len(findings))))
	if len(findings) == 0 {
		add(st.Muted.Render("  none yet"))
	}
	for i, f := range findings {
		wrap(fmt.Sprintf("  %d. ", i+1), f.Text+st.Muted.Render("  — "+experiments.Who(f.By, f.Role)))
	}
	add("")
	add(st.PaneTitle.Render(fmt.Sprintf("Action items (%d)", len(actions))))
	if len(actions) == 0 {
		add(st.Muted.Render("  none yet"))
	}
	for i, a := range actions {
		due := a.Due
		if due == "" {
			due = "no date"
		}
		wrap(fmt.Sprintf("  %d. ", i+1), a.Text+st.Muted.Render("  owner ")+a.Owner+st.Muted.Render(", due ")+due+
			st.Muted.Render("  — "+experiments.Who(a.By, a.Role)))
	}
	form := m.formLines(canWrite)
	body := max(0, m.h-2-len(form))
	if len(out) > body { // the newest items matter most: keep the head, cut the middle
		out = append(out[:max(0, body-1)], st.Muted.Render("  …"))
	}
	for len(out) < body {
		add("")
	}
	return frame(st, st.PaneTitle.Render("Debrief"), append(out, form...), m.w, m.h)
}

func (m DebriefModel) formLines(canWrite bool) []string {
	st := m.styles
	if m.form == "" {
		if !canWrite {
			return []string{st.Muted.Render("the facilitator and the scribe write the debrief · d back to the cockpit")}
		}
		return []string{st.HelpKey.Render("f") + st.HelpDesc.Render(" new finding · ") + st.HelpKey.Render("a") +
			st.HelpDesc.Render(" new action item · ") + st.HelpKey.Render("d") + st.HelpDesc.Render(" back to the cockpit")}
	}
	labels := [fieldCount]string{"finding › ", "owner › ", "due › "}
	if m.form == experiments.ItemAction {
		labels[fieldText] = "action › "
	}
	var out []string
	for i := 0; i < m.fields(); i++ {
		out = append(out, st.NotePrompt.Render(fmt.Sprintf("%10s", labels[i]))+m.inputs[i].View())
	}
	if m.err != "" {
		out = append(out, st.Bad.Render("✗ "+m.err))
	}
	help := "enter save · esc cancel"
	if m.fields() > 1 {
		help = "tab next field · " + help
	}
	return append(out, st.Muted.Render(help))
}
