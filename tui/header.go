package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// probeHealth says whether the probes answer: "probes ✓ 3" or
// "probes ✗ 1 of 3 failing: queue".
func probeHealth(st *Styles, ps []session.ProbeState, compact bool) string {
	var failing []string
	for _, p := range ps {
		if !p.Healthy {
			failing = append(failing, p.Name)
		}
	}
	if len(failing) == 0 {
		if compact {
			return st.Good.Render("✓ probes")
		}
		return st.Muted.Render("probes ") + st.Good.Render(fmt.Sprintf("✓ %d ok", len(ps)))
	}
	if compact {
		return st.Bad.Render(fmt.Sprintf("✗ %d probe(s) failing", len(failing)))
	}
	txt := fmt.Sprintf("✗ %d of %d failing: %s", len(failing), len(ps), failing[0])
	if len(failing) > 1 {
		txt += ", …"
	}
	return st.Muted.Render("probes ") + st.Bad.Render(txt)
}

// header renders the top line: the experiment, elapsed time, load rate,
// active faults and the LIVE / ALL HALTED badge.
func header(st *Styles, s *session.Snapshot, w int) string {
	left := st.AppName.Render("GAMEDAY") + "  " + st.Bold.Render(s.Name)
	n, stuck := s.ActiveFaults(), s.Stuck()
	badge := st.Halted.Render("■ ALL HALTED")
	if n > 0 {
		badge = st.Live.Render(fmt.Sprintf("● LIVE · %d %s active", n, plural(n, "fault", "faults")))
	}
	if n == 0 && s.FaultsStarted == 0 && !s.Ended {
		badge = st.Halted.Render("○ READY · nothing triggered yet")
	}
	if s.Preflight != nil {
		badge = st.Replaying.Render("◇ PRE-FLIGHT · nothing on")
	}
	if s.Aborted != "" && n == 0 {
		badge = st.Live.Render("✗ ABORTED by guardrail · all halted")
	}
	if s.Ended {
		badge = st.Halted.Render("■ ENDED · all halted")
	}
	if stuck > 0 {
		badge = st.Live.Render(fmt.Sprintf("✗ %d %s may still be on: halt failed", stuck, plural(stuck, "fault", "faults")))
	}
	if r := s.Replay; r != nil {
		state := fmt.Sprintf("▶ REPLAY %g×", r.Speed)
		if r.Paused {
			state = "⏸ REPLAY PAUSED"
		}
		badge = st.Replaying.Render(fmt.Sprintf("%s %s / %s", state, clock(r.At), clock(r.Duration)))
	}
	compact := w < 120
	sep := "   "
	if compact {
		sep = "  "
	}
	right := st.Muted.Render("T+"+clock(s.Elapsed())) + sep
	if len(s.Loads) > 0 {
		if !compact {
			right += st.Muted.Render("load ")
		}
		right += st.Text.Render(formatValue(experiments.UnitPerSec, s.TargetRate())) + sep
	}
	if len(s.Probes) > 0 {
		right += probeHealth(st, s.Probes, compact) + sep
	}
	if n := len(s.Exposed); n > 0 {
		// A proxy others on the network can reach: said, never silent.
		txt := "⚠ listening on " + s.Exposed[0]
		if n > 1 {
			txt += fmt.Sprintf(" +%d", n-1)
		}
		if compact {
			txt = fmt.Sprintf("⚠ %d exposed", n)
		}
		right += st.Warn.Render(txt) + sep
	}
	right += badge
	// The name gives way first: the state must always show.
	room := w - lipgloss.Width(right) - 2
	if lipgloss.Width(left) > room {
		left = fit(left, max(room, 0))
	}
	return spread(left, right, w)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// headerLines is how many lines the header takes: its first, the
// hypothesis, and how to join and who is in the room.
func headerLines(s *session.Snapshot, serving string) int {
	n := 1
	if s.Hypothesis != "" {
		n++
	}
	if len(s.Room) > 0 || serving != "" {
		n++
	}
	return n
}

// hypothesisLine states what the game day sets out to show.
func hypothesisLine(st *Styles, s *session.Snapshot, w int) string {
	return fit(st.Muted.Render("hypothesis: ")+st.Text.Render(s.Hypothesis), w)
}

// roomLine is the header's second line: how to join, and who is in the
// room, by role; the observers are counted once there are more than two.
func roomLine(st *Styles, s *session.Snapshot, serving string, w int) string {
	var people []string
	var observers []string
	seats := 0
	for _, p := range s.Room {
		seats += p.Seats
		if p.Role == experiments.RoleObserver {
			observers = append(observers, p.Name)
			continue
		}
		people = append(people, st.Text.Render(p.Name)+st.Muted.Render(" · "+string(p.Role)))
	}
	switch n := len(observers); {
	case n > 2:
		people = append(people, st.Text.Render(fmt.Sprintf("%d observers", n)))
	default:
		for _, o := range observers {
			people = append(people, st.Text.Render(o)+st.Muted.Render(" · observer"))
		}
	}
	line := ""
	if serving != "" {
		line = st.Muted.Render("join: ") + st.Text.Render(serving) + "   "
	}
	if len(people) > 0 {
		line += st.Muted.Render(fmt.Sprintf("room (%d %s) ", seats, plural(seats, "seat", "seats"))) + strings.Join(people, st.Muted.Render(", "))
	}
	return fit(line, w)
}
