package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// frame draws a rounded box of exactly w×h cells with a title in its top
// border, and content clipped and padded to the inside, as h lines:
//
//	╭─ Title ───────╮
//	│content        │
//	╰───────────────╯
func frame(st *Styles, title string, content []string, w, h int) []string {
	if w < 4 || h < 2 {
		return blank(w, h)
	}
	inner := w - 2
	lines := make([]string, 0, h)
	t := ansi.Truncate(title, inner-3, "…")
	top := st.Paint(st.Border, "╭─ ") + t + st.Paint(st.Border, " "+strings.Repeat("─", max(0, inner-3-lipgloss.Width(t)))+"╮")
	if title == "" {
		top = st.Paint(st.Border, "╭"+strings.Repeat("─", inner)+"╮")
	}
	lines = append(lines, top)
	side := st.Paint(st.Border, "│")
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(content) {
			line = content[i]
		}
		lines = append(lines, side+fit(line, inner)+side)
	}
	return append(lines, st.Paint(st.Border, "╰"+strings.Repeat("─", inner)+"╯"))
}

// blank is h lines of w spaces.
func blank(w, h int) []string {
	lines := make([]string, max(h, 0))
	for i := range lines {
		lines[i] = strings.Repeat(" ", max(w, 0))
	}
	return lines
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := lipgloss.Width(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = lipgloss.Width(s)
	}
	return s + strings.Repeat(" ", w-sw)
}

// spread puts left and right on one line of width w, with spaces between.
func spread(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fit(left+" "+right, w)
	}
	return left + strings.Repeat(" ", gap) + right
}
