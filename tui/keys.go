package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the cockpit's global keys. The catalog pane has its own
// (BlocksKeyMap); the help line shows both.
type KeyMap struct {
	HaltAll key.Binding
	Note    key.Binding
	Compose key.Binding // a block composed in a form (a)
	Write   key.Binding // the composed blocks written into the file (w)
	Debrief key.Binding
	Help    key.Binding
	Quit    key.Binding
}

// DefaultKeyMap returns the cockpit's global keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		HaltAll: key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "halt all")),
		Note:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "note")),
		Compose: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "compose a fault")),
		Write:   key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write new blocks to the file")),
		Debrief: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "debrief")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// NoteKeyMap is the keys of the note prompt.
type NoteKeyMap struct {
	Save   key.Binding
	Cancel key.Binding
	Quit   key.Binding // q is text in a note; ctrl+c still quits
}

// DefaultNoteKeyMap returns the keys of the note prompt.
func DefaultNoteKeyMap() NoteKeyMap {
	return NoteKeyMap{
		Save:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save note")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Quit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// helpKeys joins the focused pane's keys with the global ones for
// bubbles/help.
type helpKeys struct {
	pane   BlocksKeyMap
	global KeyMap
	narrow bool // the short help leaves out what fits only a wide terminal
	wide   bool // the short help has room for compose too
}

func (h helpKeys) ShortHelp() []key.Binding {
	if h.narrow {
		return append(h.pane.ShortHelp(), h.global.HaltAll, h.global.Note, h.global.Help, h.global.Quit)
	}
	if h.wide {
		compose := h.global.Compose
		compose.SetHelp("a", "compose")
		return append(h.pane.ShortHelp(), h.global.HaltAll, h.global.Note, compose, h.global.Debrief, h.global.Help, h.global.Quit)
	}
	return append(h.pane.ShortHelp(), h.global.HaltAll, h.global.Note, h.global.Debrief, h.global.Help, h.global.Quit)
}

func (h helpKeys) FullHelp() [][]key.Binding {
	return append(h.pane.FullHelp(),
		[]key.Binding{h.global.HaltAll, h.global.Note},
		[]key.Binding{h.global.Compose, h.global.Write},
		[]key.Binding{h.global.Debrief, h.global.Help}, []key.Binding{h.global.Quit})
}

// ReplayKeyMap is the keys of a replayed game day.
type ReplayKeyMap struct {
	Pause    key.Binding
	Normal   key.Binding
	Fast     key.Binding
	Back     key.Binding
	Forward  key.Binding
	BackMore key.Binding
	FwdMore  key.Binding
}

// DefaultReplayKeyMap returns the replay's keys.
func DefaultReplayKeyMap() ReplayKeyMap {
	return ReplayKeyMap{
		Pause:    key.NewBinding(key.WithKeys(" ", "p"), key.WithHelp("space", "pause/play")),
		Normal:   key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "1× speed")),
		Fast:     key.NewBinding(key.WithKeys("0"), key.WithHelp("0", "10× speed")),
		Back:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "back 10s")),
		Forward:  key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "on 10s")),
		BackMore: key.NewBinding(key.WithKeys("pgup", "H"), key.WithHelp("pgup", "back 1m")),
		FwdMore:  key.NewBinding(key.WithKeys("pgdown", "L"), key.WithHelp("pgdn", "on 1m")),
	}
}

type replayHelp struct {
	keys   ReplayKeyMap
	global KeyMap
}

func (h replayHelp) ShortHelp() []key.Binding {
	return []key.Binding{h.keys.Pause, h.keys.Normal, h.keys.Fast, h.keys.Back, h.keys.Forward, h.global.Quit}
}

func (h replayHelp) FullHelp() [][]key.Binding {
	return [][]key.Binding{{h.keys.Pause, h.keys.Normal, h.keys.Fast},
		{h.keys.Back, h.keys.Forward, h.keys.BackMore, h.keys.FwdMore}, {h.global.Help, h.global.Quit}}
}
