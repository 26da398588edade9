package tui

import "github.com/charmbracelet/lipgloss"

// Palette is the cockpit's colours, each adaptive to light and dark
// terminals. State is never shown by colour alone: every coloured state
// also has a symbol and a word.
type Palette struct {
	Text, Muted, Border, Accent lipgloss.AdaptiveColor
	Good, Bad, Warn, Fault      lipgloss.AdaptiveColor
	Band                        lipgloss.AdaptiveColor // behind a chart while a fault was on
	Series                      []lipgloss.AdaptiveColor
}

// DefaultPalette is the cockpit's standard palette.
func DefaultPalette() Palette {
	return Palette{
		Text:   lipgloss.AdaptiveColor{Light: "#1f2328", Dark: "#e6edf3"},
		Muted:  lipgloss.AdaptiveColor{Light: "#6e7781", Dark: "#8b949e"},
		Border: lipgloss.AdaptiveColor{Light: "#afb8c1", Dark: "#3d444d"},
		Accent: lipgloss.AdaptiveColor{Light: "#0969da", Dark: "#58a6ff"},
		Good:   lipgloss.AdaptiveColor{Light: "#1a7f37", Dark: "#3fb950"},
		Bad:    lipgloss.AdaptiveColor{Light: "#cf222e", Dark: "#f85149"},
		Warn:   lipgloss.AdaptiveColor{Light: "#9a6700", Dark: "#d29922"},
		Fault:  lipgloss.AdaptiveColor{Light: "#bc4c00", Dark: "#f0883e"},
		Band:   lipgloss.AdaptiveColor{Light: "#e4e4e4", Dark: "#3a3a3a"},
		Series: []lipgloss.AdaptiveColor{
			{Light: "#0969da", Dark: "#58a6ff"},
			{Light: "#8250df", Dark: "#bc8cff"},
			{Light: "#cf222e", Dark: "#ff7b72"},
			{Light: "#1a7f37", Dark: "#56d364"},
		},
	}
}

// Styles are the cockpit's styles, built once from a palette and passed to
// every pane.
type Styles struct {
	ink         *ink
	look        string // the terminal's look, for Shared; "" not to share
	Palette     Palette
	Text        lipgloss.Style
	Muted       lipgloss.Style
	Bold        lipgloss.Style
	Border      lipgloss.Style
	PaneTitle   lipgloss.Style
	AppName     lipgloss.Style
	Live        lipgloss.Style // badge: faults are on
	Halted      lipgloss.Style // badge: no fault is on
	Replaying   lipgloss.Style // badge: a recorded game day
	Good        lipgloss.Style
	Bad         lipgloss.Style
	Warn        lipgloss.Style
	Fault       lipgloss.Style
	Selected    lipgloss.Style
	Cursor      lipgloss.Style
	Threshold   lipgloss.Style
	Axis        lipgloss.Style
	Series      []lipgloss.Style
	HelpKey     lipgloss.Style
	HelpDesc    lipgloss.Style
	HelpSep     lipgloss.Style
	NotePrompt  lipgloss.Style
	TooSmall    lipgloss.Style
	FaultStrip  lipgloss.Style
	FaultMarker lipgloss.Style
	OffScale    lipgloss.Style // a value beyond a chart's axis: its ▲ ▼ marks and note
}

// DefaultStyles builds the styles of the default palette.
func DefaultStyles() Styles { return NewStyles(DefaultPalette()) }

// NewStyles builds the styles of a palette for the process's terminal.
func NewStyles(p Palette) Styles { return newStyles(lipgloss.DefaultRenderer(), p) }

// NewStylesFor builds the styles of a palette for a terminal of its own
// (an SSH seat), whose colours and background may differ from the
// process's.
func NewStylesFor(r *lipgloss.Renderer, p Palette) Styles {
	s := newStyles(r, p)
	s.look = lookOf(r)
	return s
}

func newStyles(r *lipgloss.Renderer, p Palette) Styles {
	s := Styles{Palette: p, ink: newInk()}
	s.Text = r.NewStyle().Foreground(p.Text)
	s.Muted = r.NewStyle().Foreground(p.Muted)
	s.Bold = r.NewStyle().Bold(true)
	s.Border = r.NewStyle().Foreground(p.Border)
	s.PaneTitle = r.NewStyle().Foreground(p.Accent).Bold(true)
	s.AppName = r.NewStyle().Foreground(p.Accent).Bold(true)
	s.Live = r.NewStyle().Bold(true).Padding(0, 1).
		Foreground(lipgloss.Color("#ffffff")).Background(p.Bad)
	s.Halted = r.NewStyle().Bold(true).Padding(0, 1).
		Foreground(lipgloss.Color("#ffffff")).Background(p.Good)
	s.Replaying = r.NewStyle().Bold(true).Padding(0, 1).
		Foreground(lipgloss.Color("#ffffff")).Background(p.Accent)
	s.Good = r.NewStyle().Foreground(p.Good)
	s.Bad = r.NewStyle().Foreground(p.Bad).Bold(true)
	s.Warn = r.NewStyle().Foreground(p.Warn)
	s.Fault = r.NewStyle().Foreground(p.Fault).Bold(true)
	s.Selected = r.NewStyle().Bold(true)
	s.Cursor = r.NewStyle().Foreground(p.Accent).Bold(true)
	s.Threshold = r.NewStyle().Foreground(p.Bad)
	s.Axis = r.NewStyle().Foreground(p.Muted)
	for _, c := range p.Series {
		s.Series = append(s.Series, r.NewStyle().Foreground(c))
	}
	s.HelpKey = r.NewStyle().Foreground(p.Accent)
	s.HelpDesc = r.NewStyle().Foreground(p.Muted)
	s.HelpSep = r.NewStyle().Foreground(p.Border)
	s.NotePrompt = r.NewStyle().Foreground(p.Accent).Bold(true)
	s.TooSmall = r.NewStyle().Foreground(p.Warn).Bold(true)
	s.FaultStrip = r.NewStyle().Foreground(p.Muted)
	s.FaultMarker = r.NewStyle().Foreground(p.Fault).Bold(true)
	s.OffScale = r.NewStyle().Foreground(p.Warn).Bold(true)
	return s
}

// Paint renders a single line of text in a simple style (colours, bold)
// from a cache, much faster than st.Render on hot paths.
func (s *Styles) Paint(st lipgloss.Style, text string) string {
	if s.ink == nil {
		return st.Render(text)
	}
	return s.ink.paint(st, text)
}

// SeriesStyle returns the style of the i-th line of a chart.
func (s *Styles) SeriesStyle(i int) lipgloss.Style {
	if len(s.Series) == 0 {
		return s.Text
	}
	return s.Series[i%len(s.Series)]
}
