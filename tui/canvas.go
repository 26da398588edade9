package tui

import (
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	"github.com/charmbracelet/lipgloss"
)

// ink renders text in simple styles (colours and bold) from a cache of
// each style's escape sequences. lipgloss converts a colour for the
// terminal on every Render, which dominates the cost of drawing a chart
// cell by cell; the cockpit has few distinct styles, so each is rendered
// once. Only the cockpit's goroutine uses it.
type ink struct {
	wraps map[styleKey][2]string
}

type styleKey struct {
	fg, bg lipgloss.TerminalColor
	bold   bool
}

func newInk() *ink { return &ink{wraps: map[styleKey][2]string{}} }

// paint renders text in style s; text must be a single line.
func (r *ink) paint(s lipgloss.Style, text string) string {
	if s.GetHorizontalPadding() > 0 || s.GetHorizontalMargins() > 0 || s.GetWidth() > 0 {
		return s.Render(text)
	}
	w := r.wrap(keyOf(s), s)
	return w[0] + text + w[1]
}

func keyOf(s lipgloss.Style) styleKey {
	return styleKey{fg: s.GetForeground(), bg: s.GetBackground(), bold: s.GetBold()}
}

// wrap returns the escape sequences that open and close style s, whose
// key is k.
func (r *ink) wrap(k styleKey, s lipgloss.Style) [2]string {
	if w, ok := r.wraps[k]; ok {
		return w
	}
	out := s.Render("\x00")
	i := strings.IndexByte(out, 0)
	w := [2]string{out[:i], out[i+1:]}
	r.wraps[k] = w
	return w
}

// canvas renders an ntcharts canvas as lines of text, writing runs of
// cells that share a style between one pair of escape sequences.
func (r *ink) canvas(c *canvas.Model) []string {
	w, h := c.Width(), c.Height()
	lines := make([]string, 0, h)
	var b strings.Builder
	for y := 0; y < h; y++ {
		b.Reset()
		var (
			cur  styleKey
			open [2]string
			have bool
		)
		for x := 0; x < w; x++ {
			cell := c.Cell(canvas.Point{X: x, Y: y})
			ch := cell.Rune
			if ch == runes.Null {
				ch = ' '
			}
			if k := keyOf(cell.Style); !have || k != cur {
				wr := r.wrap(k, cell.Style)
				if have {
					b.WriteString(open[1])
				}
				b.WriteString(wr[0])
				cur, open, have = k, wr, true
			}
			b.WriteRune(ch)
		}
		if have {
			b.WriteString(open[1])
		}
		lines = append(lines, b.String())
	}
	return lines
}
