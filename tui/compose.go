package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// ComposeKeyMap is the keys of the compose form.
type ComposeKeyMap struct {
	Next   key.Binding
	Prev   key.Binding
	Left   key.Binding // the kind or target before (on those rows)
	Right  key.Binding
	Save   key.Binding
	Cancel key.Binding
}

// DefaultComposeKeyMap returns the compose form's keys.
func DefaultComposeKeyMap() ComposeKeyMap {
	return ComposeKeyMap{
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "back")),
		Left:   key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous choice")),
		Right:  key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next choice")),
		Save:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "add")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp implements help.KeyMap.
func (k ComposeKeyMap) ShortHelp() []key.Binding {
	choose := key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose"))
	return []key.Binding{k.Next, k.Prev, choose, k.Save, k.Cancel}
}

// FullHelp implements help.KeyMap.
func (k ComposeKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev}, {k.Left, k.Right}, {k.Save, k.Cancel}}
}

// composeField is a row of the form: a text the user types, or a choice
// (the kind, the target) taken with ← and →.
type composeField struct {
	name     string // the draft's field: name, kind, target, a parameter, curve, duration
	about    string // what it takes, its default and unit
	required bool
	choice   bool
	input    textinput.Model
}

// ComposeModel is the form that composes a block during the game day: a
// fault kind from the fault-kind table, a target of the experiment that
// kind acts on, its parameters, and an optional curve and duration. It
// checks the block with the file's own validator (experiments'
// Compose), shows its messages under their fields, and sends the block
// to the session, which checks it again.
type ComposeModel struct {
	Keys    ComposeKeyMap
	styles  *Styles
	send    func(session.Command)
	open    bool
	exp     *experiments.Experiment
	prior   []experiments.Draft // composed before, from the snapshot
	names   []string            // the blocks' names, for a name not taken
	choices []experiments.FaultChoice
	kind    int // in choices
	target  int // in choices[kind].Targets
	fields  []composeField
	typed   map[string]string // what was typed per field, kept across kinds
	named   bool              // the user typed a name: no more suggestions
	focus   int
	errs    experiments.DraftErrors
	added   string // the block just sent, for the cockpit to select
	w, h    int
}

// NewCompose returns the form, closed; it sends blocks through send.
func NewCompose(st *Styles, send func(session.Command)) ComposeModel {
	return ComposeModel{Keys: DefaultComposeKeyMap(), styles: st, send: send}
}

// SetSize sets the form's outer size.
func (m *ComposeModel) SetSize(w, h int) {
	m.w, m.h = w, h
	for i := range m.fields {
		m.fields[i].input.Width = m.valueWidth() - 1
	}
}

func (m *ComposeModel) valueWidth() int { return min(max(16, (m.w-18)/3), 40) }

// SetSnapshot keeps what the form checks against: the blocks composed so
// far, and every block's name.
func (m *ComposeModel) SetSnapshot(s *session.Snapshot) {
	m.prior = s.Composed
	m.names = make([]string, 0, len(s.Blocks)) // not the old array: copies of the model share it
	for _, b := range s.Blocks {
		m.names = append(m.names, b.Name)
	}
}

// Writing reports whether the form is open: keys are text then.
func (m ComposeModel) Writing() bool { return m.open }

// Added returns the name of the block the form just sent, once.
func (m *ComposeModel) Added() string {
	a := m.added
	m.added = ""
	return a
}

// Open opens the form on the experiment; an error says why no block can
// be composed for it.
func (m ComposeModel) Open(exp *experiments.Experiment) (ComposeModel, tea.Cmd, error) {
	if ok, _ := exp.CanCompose(); !ok {
		return m, nil, experiments.ErrNoFile
	}
	choices := exp.FaultChoices()
	if len(choices) == 0 {
		return m, nil, fmt.Errorf("no fault kind has a target in this experiment")
	}
	m.open, m.exp, m.choices, m.errs, m.named = true, exp, choices, nil, false
	m.typed = map[string]string{}
	m.kind = slices.IndexFunc(choices, func(c experiments.FaultChoice) bool { return c.Kind == experiments.FaultLatency })
	m.kind = max(m.kind, 0)
	m.target, m.focus = 0, 0
	m.rebuild()
	return m, m.fields[0].input.Focus(), nil
}

// rebuild makes the rows for the kind and target chosen, keeping what
// was typed.
func (m *ComposeModel) rebuild() {
	for _, f := range m.fields {
		if !f.choice {
			m.typed[f.name] = f.input.Value()
		}
	}
	c := m.choices[m.kind]
	t := c.Targets[m.target]
	on := t.On
	if on == "" {
		on = "no target"
	}
	fields := []composeField{
		{name: "name", about: "the block's name in the catalog"},
		{name: "kind", about: c.About, choice: true},
		{name: "target", about: on, choice: !t.Typed}, // typed: a kind of target the form does not know
	}
	for _, p := range t.Params {
		fields = append(fields, composeField{name: p.Name, about: p.About, required: p.Required})
	}
	fields = append(fields,
		composeField{name: "curve", about: "optional: step, random-walk, or a mapping like {shape: ramp, from: 10%, over: 1m} or {shape: pulse, period: 10s}"},
		composeField{name: "duration", about: "optional: it halts by itself after this long, like 2m"})
	for i := range fields {
		if fields[i].choice {
			continue
		}
		in := textinput.New()
		in.Prompt, in.CharLimit, in.Width = "", 500, m.valueWidth()-1
		in.SetValue(m.typed[fields[i].name])
		fields[i].input = in
	}
	m.fields = fields
	if !m.named {
		m.fields[0].input.SetValue(m.suggestName())
	}
	m.focus = min(m.focus, len(m.fields)-1)
	if !m.fields[m.focus].choice {
		m.fields[m.focus].input.Focus()
	}
}

// suggestName names the block after its target and kind, with a number
// when that name is taken.
func (m *ComposeModel) suggestName() string {
	c := m.choices[m.kind]
	base := string(c.Kind)
	if t := c.Targets[m.target].Name; t != "" {
		base = t + " " + base
	}
	name := base
	for i := 2; slices.Contains(m.names, name) || slices.ContainsFunc(m.prior, func(d experiments.Draft) bool { return d.Name == name }); i++ {
		name = fmt.Sprintf("%s %d", base, i)
	}
	return name
}

// Draft is the block as the form holds it.
func (m ComposeModel) Draft() experiments.Draft {
	c := m.choices[m.kind]
	d := experiments.Draft{Kind: string(c.Kind), Target: c.Targets[m.target].Name}
	for _, f := range m.fields {
		v := strings.TrimSpace(f.input.Value())
		switch f.name {
		case "kind":
		case "target":
			if !f.choice {
				d.Target = v
			}
		case "name":
			d.Name = f.input.Value()
		case "curve":
			d.Curve = v
		case "duration":
			d.Duration = v
		default:
			if v != "" {
				d.Params = append(d.Params, experiments.DraftParam{Key: f.name, Value: v})
			}
		}
	}
	return d
}

// Update handles a key of the open form.
func (m ComposeModel) Update(k tea.KeyMsg) (ComposeModel, tea.Cmd) {
	f := &m.fields[m.focus]
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 {
		k.Paste = true // text that came in one read is text (see the note prompt)
	} else {
		switch {
		case key.Matches(k, m.Keys.Cancel):
			m.open = false
			return m, nil
		case key.Matches(k, m.Keys.Next), key.Matches(k, m.Keys.Prev):
			step := 1
			if key.Matches(k, m.Keys.Prev) {
				step = len(m.fields) - 1
			}
			return m, m.moveTo((m.focus + step) % len(m.fields))
		case f.choice && key.Matches(k, m.Keys.Left, m.Keys.Right):
			step := 1
			if key.Matches(k, m.Keys.Left) {
				step = -1
			}
			if f.name == "kind" {
				m.kind = (m.kind + step + len(m.choices)) % len(m.choices)
				m.target = 0
			} else {
				n := len(m.choices[m.kind].Targets)
				m.target = (m.target + step + n) % n
			}
			m.errs = nil
			m.rebuild()
			return m, nil
		case key.Matches(k, m.Keys.Save):
			return m.submit()
		}
	}
	if f.choice {
		return m, nil
	}
	var cmd tea.Cmd
	before := f.input.Value()
	f.input, cmd = f.input.Update(k)
	if f.input.Value() != before {
		if f.name == "name" {
			m.named = true
		}
		var kept experiments.DraftErrors // a new slice: an older copy of the model keeps its own
		for _, e := range m.errs {
			if e.Field != f.name {
				kept = append(kept, e)
			}
		}
		m.errs = kept
	}
	return m, cmd
}

// moveTo focuses row i.
func (m *ComposeModel) moveTo(i int) tea.Cmd {
	if !m.fields[m.focus].choice {
		m.fields[m.focus].input.Blur()
	}
	m.focus = i
	if m.fields[i].choice {
		return nil
	}
	return m.fields[i].input.Focus()
}

// submit checks the block with the file's validator: on errors they show
// under their fields, the first of them focused; else the block goes to
// the session and the form closes.
func (m ComposeModel) submit() (ComposeModel, tea.Cmd) {
	d := m.Draft()
	_, err := m.exp.Compose(m.prior, d)
	if err != nil {
		m.errs = nil
		if de, ok := err.(experiments.DraftErrors); ok {
			m.errs = de
		} else {
			m.errs = experiments.DraftErrors{{Field: "block", Msg: err.Error()}}
		}
		for i, f := range m.fields {
			if m.fieldErrs(f.name) != nil {
				return m, m.moveTo(i)
			}
		}
		return m, nil
	}
	m.send(session.Command{Kind: session.CmdAddBlock, Draft: &d})
	m.open, m.added = false, d.Name
	return m, nil
}

// fieldErrs are the errors about one row; the fault's own show under
// the kind.
func (m ComposeModel) fieldErrs(field string) []experiments.DraftError {
	var out []experiments.DraftError
	for _, e := range m.errs {
		if e.Field == field || field == "kind" && e.Field == "fault" {
			out = append(out, e)
		}
	}
	return out
}

// Lines draws the form, w×h.
func (m ComposeModel) Lines() []string {
	st := m.styles
	inner := m.w - 2
	labelW, valueW := 13, m.valueWidth()
	var out []string
	wrapped := func(indent int, s string, style lipgloss.Style) {
		for _, l := range strings.Split(ansi.Wrap(s, max(10, inner-indent), " "), "\n") {
			out = append(out, strings.Repeat(" ", indent)+st.Paint(style, l))
		}
	}
	exp := m.exp
	where := "it lives in this game day only: the experiment is built into gameday"
	if _, write := exp.CanCompose(); write {
		where = "w writes it into " + filepath.Base(exp.File)
	}
	wrapped(1, "A block for this game day: it joins the catalog (enter triggers it there); "+where+".", st.Muted)
	out = append(out, "")
	known := map[string]bool{}
	for i, f := range m.fields {
		known[f.name] = true
		cursor := "  "
		if i == m.focus {
			cursor = st.Cursor.Render("▸ ")
		}
		label := st.Paint(st.NotePrompt, fmt.Sprintf("%-*s", labelW-2, f.name))
		var value string
		if f.choice {
			value = m.choiceText(f.name, i == m.focus)
		} else {
			value = fit(f.input.View(), valueW)
		}
		about := f.about
		if f.required {
			about = strings.TrimPrefix(about, "required; ")
			about = "required · " + about
		}
		line := " " + cursor + label + fit(value, valueW) + "  " + st.Paint(st.Muted, about)
		out = append(out, line)
		for _, e := range m.fieldErrs(f.name) {
			wrapped(1+labelW, "✗ "+e.Error(), st.Bad)
		}
	}
	for _, e := range m.errs { // about no row: the block, the file, another composed block
		if !known[e.Field] && e.Field != "fault" {
			wrapped(3, "✗ "+e.Error(), st.Bad)
		}
	}
	if f := m.fields[m.focus]; lipgloss.Width(f.about) > inner-4-labelW-valueW {
		out = append(out, "") // the focused field's text, whole
		wrapped(1, f.name+": "+f.about, st.Muted)
	}
	foot := []string{"", st.Paint(st.Muted, " as it is written in the file:")}
	for _, l := range strings.Split(strings.TrimRight(m.Draft().YAML(), "\n"), "\n") {
		foot = append(foot, "   "+l)
	}
	body := max(0, m.h-2)
	if len(out)+len(foot) <= body {
		out = append(out, foot...)
	}
	return frame(st, st.PaneTitle.Render("Compose a fault"), out, m.w, m.h)
}

// choiceText draws a choice row's value: ‹ latency › and where it stands
// among the choices.
func (m ComposeModel) choiceText(field string, focused bool) string {
	st := m.styles
	var v, of string
	if field == "kind" {
		v, of = string(m.choices[m.kind].Kind), fmt.Sprintf("%d/%d", m.kind+1, len(m.choices))
	} else {
		ts := m.choices[m.kind].Targets
		v, of = ts[m.target].Name, fmt.Sprintf("%d/%d", m.target+1, len(ts))
		if v == "" {
			v = "(none)"
		}
	}
	if focused {
		return st.Selected.Render("‹ "+v+" ›") + st.Paint(st.Muted, " "+of)
	}
	return "  " + v + st.Paint(st.Muted, "   "+of)
}
