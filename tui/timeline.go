package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// TimelineModel is the pane of what happened, newest at the bottom.
type TimelineModel struct {
	styles  *Styles
	events  []experiments.Event
	started time.Time
	w, h    int
	lines   []string // drawn by draw
}

// NewTimeline returns an empty timeline pane.
func NewTimeline(st *Styles) TimelineModel { return TimelineModel{styles: st} }

// SetSize sets the pane's outer size.
func (m *TimelineModel) SetSize(w, h int) { m.w, m.h = w, h; m.draw() }

// SetSnapshot shows the timeline of a snapshot.
func (m *TimelineModel) SetSnapshot(s *session.Snapshot) {
	m.events = s.Timeline
	m.started = s.Started
	m.draw()
}

func (m TimelineModel) symbol(e experiments.Event) string {
	st := m.styles
	switch e.Kind {
	case experiments.EventFaultStarted:
		return st.Fault.Render("▶")
	case experiments.EventFaultHalted:
		return st.Good.Render("■")
	case experiments.EventViolated, experiments.EventNotRecovered, experiments.EventFaultError:
		return st.Bad.Render("✗")
	case experiments.EventRestored, experiments.EventRecovered, experiments.EventProbeOK:
		return st.Good.Render("✓")
	case experiments.EventNote:
		return st.Text.Render("✎")
	case experiments.EventPhase:
		return st.Text.Render("»")
	case experiments.EventBlockAdded:
		return st.Fault.Render("✚")
	case experiments.EventProbeError, experiments.EventError, experiments.EventNoData:
		return st.Warn.Render("⚠")
	default:
		return st.Muted.Render("•")
	}
}

// verb says what happened to the subject.
func verb(k experiments.EventKind) string {
	switch k {
	case experiments.EventFaultStarted:
		return "started"
	case experiments.EventFaultHalted:
		return "halted"
	case experiments.EventFaultError:
		return "fault error"
	case experiments.EventViolated:
		return "violated"
	case experiments.EventRestored:
		return "holds again"
	case experiments.EventRecovered:
		return "passed"
	case experiments.EventNotRecovered:
		return "failed"
	case experiments.EventProbeError:
		return "probe failing"
	case experiments.EventProbeOK:
		return "probe ok"
	case experiments.EventNoData:
		return "no data"
	case experiments.EventError:
		return "error"
	case experiments.EventBlockAdded:
		return "composed"
	}
	return ""
}

// View returns the pane as drawn.
func (m TimelineModel) View() string { return strings.Join(m.lines, "\n") }

// Lines returns the pane as drawn, a line per row.
func (m TimelineModel) Lines() []string { return m.lines }

// draw renders the pane: the newest events that fit, long ones wrapped.
func (m *TimelineModel) draw() {
	st := m.styles
	inner := m.w - 2
	rows := m.h - 2
	var lines []string
	for i := len(m.events) - 1; i >= 0 && len(lines) < rows; i-- {
		e := m.events[i]
		at := "+" + clock(e.Time.Sub(m.started))
		head := st.Muted.Render(fmt.Sprintf("%6s ", at)) + m.symbol(e) + " "
		text := e.Text
		switch v := verb(e.Kind); {
		case e.Kind == experiments.EventNote:
			text = "note: " + e.Text
			if e.Role != "" {
				text = "note (" + experiments.Who(e.By, e.Role) + "): " + e.Text
			} else if e.By != "" && e.By != session.ByOperator {
				text = "note (" + e.By + "): " + e.Text
			}
		case e.Kind == experiments.EventJoined || e.Kind == experiments.EventLeft:
			text = st.Bold.Render(e.Subject) + " " + e.Text
		case e.Kind == experiments.EventPhase:
			text = st.Bold.Render(e.Subject) + ": " + e.Text
		case e.Subject == "all" || e.Subject == "":
		case e.Kind == experiments.EventInfo || e.Kind == experiments.EventOutput:
			text = st.Bold.Render(e.Subject) + ": " + e.Text
		case v != "":
			text = st.Bold.Render(e.Subject) + " " + v + ": " + e.Text
		}
		if e.Role != "" && !strings.Contains(e.Text, e.By) && e.Kind != experiments.EventNote &&
			e.Kind != experiments.EventJoined && e.Kind != experiments.EventLeft {
			text += st.Muted.Render(" · by " + experiments.Who(e.By, e.Role))
		}
		text += e.Timing(m.started)
		body := ansi.Wrap(text, max(10, inner-9), " ")
		parts := strings.Split(body, "\n")
		entry := []string{head + parts[0]}
		for _, p := range parts[1:] {
			entry = append(entry, strings.Repeat(" ", 9)+p)
		}
		// Prepend the entry, keeping its own lines in order; an older
		// entry that does not fit whole is left out.
		if room := rows - len(lines); len(entry) > room {
			if len(lines) > 0 {
				break
			}
			entry = entry[:room]
		}
		lines = append(entry, lines...)
	}
	m.lines = frame(st, st.PaneTitle.Render("Timeline"), lines, m.w, m.h)
}
