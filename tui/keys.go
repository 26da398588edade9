package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the cockpit's global keys. The catalog pane has its own
// (BlocksKeyMap); the help line shows both.
type KeyMap struct {
	HaltAll key.Binding
	Note    key.Binding
	Help    key.Binding
	Quit    key.Binding
}

// DefaultKeyMap returns the cockpit's global keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		HaltAll: key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "halt all")),
		Note:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "note")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// NoteKeyMap is the keys of the note prompt.
type NoteKeyMap struct {
	Save   key.Binding
	Cancel key.Binding
}

// DefaultNoteKeyMap returns the keys of the note prompt.
func DefaultNoteKeyMap() NoteKeyMap {
	return NoteKeyMap{
		Save:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save note")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// helpKeys joins the focused pane's keys with the global ones for
// bubbles/help.
type helpKeys struct {
	pane   BlocksKeyMap
	global KeyMap
}

func (h helpKeys) ShortHelp() []key.Binding {
	return append(h.pane.ShortHelp(), h.global.HaltAll, h.global.Note, h.global.Help, h.global.Quit)
}

func (h helpKeys) FullHelp() [][]key.Binding {
	return append(h.pane.FullHelp(),
		[]key.Binding{h.global.HaltAll, h.global.Note},
		[]key.Binding{h.global.Help, h.global.Quit})
}
