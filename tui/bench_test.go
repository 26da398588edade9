package tui_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gameday-dev/gameday/tui"
)

// benchProfiles runs a benchmark without colour and with 256 colours (what
// tmux offers), since colour conversion is part of the cost.
func benchProfiles(b *testing.B, f func(b *testing.B)) {
	for _, p := range []struct {
		name    string
		profile termenv.Profile
	}{{"ascii", termenv.Ascii}, {"ansi256", termenv.ANSI256}} {
		b.Run(p.name, func(b *testing.B) {
			lipgloss.SetColorProfile(p.profile)
			defer lipgloss.SetColorProfile(termenv.Ascii)
			f(b)
		})
	}
}

// BenchmarkCockpitView is the cost of View at 160×48 with three full
// charts: joining what the last snapshot drew.
func BenchmarkCockpitView(b *testing.B) {
	benchProfiles(b, func(b *testing.B) {
		var m tea.Model = tui.New(newFakeSource(), tui.DefaultStyles())
		m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: fixedSnapshot()})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_ = m.View()
		}
	})
}

// BenchmarkCockpitSnapshot is the cost of taking a snapshot in: every
// pane updated and the three charts (about 380 points each) drawn.
func BenchmarkCockpitSnapshot(b *testing.B) {
	benchProfiles(b, func(b *testing.B) {
		var m tea.Model = tui.New(newFakeSource(), tui.DefaultStyles())
		m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		snap := fixedSnapshot()
		msg := tui.SnapshotMsg{Snapshot: snap}
		m, _ = m.Update(msg)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m, _ = m.Update(msg)
		}
	})
}
