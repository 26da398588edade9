package tui

import (
	"fmt"

	"github.com/charmbracelet/lipgloss"

	"github.com/gameday-dev/gameday/experiments"
)

// header renders the top line: the experiment, elapsed time, load rate,
// active faults and the LIVE / ALL HALTED badge.
func header(st Styles, s *experiments.Snapshot, w int) string {
	left := st.AppName.Render("GAMEDAY") + "  " + st.Bold.Render(s.Name)
	n := s.ActiveFaults()
	badge := st.Halted.Render("■ ALL HALTED")
	if n > 0 {
		word := "faults"
		if n == 1 {
			word = "fault"
		}
		badge = st.Live.Render(fmt.Sprintf("● LIVE · %d %s active", n, word))
	}
	if s.Aborted != "" {
		badge = st.Live.Render("✗ ABORTED by guardrail · all halted")
	}
	if s.Ended {
		badge = st.Halted.Render("■ ENDED · all halted")
	}
	right := st.Muted.Render("T+"+clock(s.Elapsed())) + "   " +
		st.Muted.Render("load ") + st.Text.Render(experiments.UnitPerSec.Format(s.TargetRate())) + "   " + badge
	// The name gives way first: the state must always show.
	room := w - lipgloss.Width(right) - 2
	if lipgloss.Width(left) > room {
		left = fit(left, max(room, 0))
	}
	return spread(left, right, w)
}
