package tui_test

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/probes"
	"github.com/gameday-dev/gameday/tui"
)

func seatAt(t *testing.T, src *fakeSource, seat tui.Seat) tea.Model {
	t.Helper()
	var m tea.Model = tui.New(src, tui.DefaultStyles()).WithSeat(seat)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m, _ = m.Update(tui.SnapshotMsg{Snapshot: fixedSnapshot()})
	return m
}

// TestSeatRoles: a key a role may not use sends nothing and says why in
// the footer; the keys it may use work.
func TestSeatRoles(t *testing.T) {
	cases := []struct {
		role   experiments.Role
		anyone bool
		keys   []string
		want   []session.CommandKind
		says   string
	}{
		{experiments.RoleObserver, false, []string{"enter"}, nil, "an observer may not trigger a fault"},
		{experiments.RoleObserver, false, []string{"!"}, nil, "an observer may not halt"},
		{experiments.RoleObserver, false, []string{"n"}, nil, "an observer may not write notes"},
		{experiments.RoleObserver, true, []string{"!"}, []session.CommandKind{session.CmdHaltAll}, ""},
		{experiments.RoleScribe, false, []string{"j", "j", "j", "+"}, nil, "a scribe may not change a fault's intensity"},
		{experiments.RoleScribe, false, []string{"n", "a", "enter", "j", "j", "j", "x"},
			[]session.CommandKind{session.CmdNote, session.CmdHalt}, ""},
		{experiments.RoleOperator, false, []string{"enter", "!"}, []session.CommandKind{session.CmdTrigger, session.CmdHaltAll}, ""},
	}
	for _, tc := range cases {
		t.Run(string(tc.role)+" "+strings.Join(tc.keys, ""), func(t *testing.T) {
			src := newFakeSource()
			m := seatAt(t, src, tui.Seat{Name: "x", Role: tc.role, AnyoneCanHalt: tc.anyone})
			m = press(m, src, tc.keys...)
			var got []session.CommandKind
			for _, c := range src.cmds {
				got = append(got, c.Kind)
			}
			if strings.Join(kinds(got), ",") != strings.Join(kinds(tc.want), ",") {
				t.Fatalf("commands %v, want %v", got, tc.want)
			}
			if tc.says != "" {
				lines := strings.Split(m.View(), "\n")
				if foot := lines[len(lines)-1]; !strings.Contains(foot, tc.says) {
					t.Fatalf("footer %q, want %q", foot, tc.says)
				}
			}
		})
	}
}

func kinds(ks []session.CommandKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// TestNotePasteKeepsWords: text that arrives in one message is text, even
// the words that name keys ("up", "end", "esc", "enter").
func TestNotePasteKeepsWords(t *testing.T) {
	src := newFakeSource()
	m := cockpitAt(t, src, 160, 48, fixedSnapshot())
	m = press(m, src, "n")
	text := "queue backs up, left end of esc enter q"
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text)})
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("up")})
	press(m, src, "enter")
	if len(src.cmds) != 1 || src.cmds[0].Text != text+"up" {
		t.Fatalf("commands %+v, want one note %q", src.cmds, text+"up")
	}
}

// TestDebriefPane: d opens the debrief; a scribe writes a finding and an
// action item (tab between fields, pasted text kept); a bad date is said
// inline with its field and nothing is sent; an observer may read it but
// not write; ! still halts everything from the debrief.
func TestDebriefPane(t *testing.T) {
	src := newFakeSource()
	m := seatAt(t, src, tui.Seat{Name: "sam", Role: experiments.RoleScribe})
	m = press(m, src, "d", "f")
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("no timeout: p99 went up to the delay")})
	m = press(m, src, "enter", "a")
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("add a 200 ms timeout")})
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyTab})
	m = press(m, src, "a", "l", "i", "c", "e")
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyTab})
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("next week")})
	m = press(m, src, "enter")
	if !strings.Contains(m.View(), "due: want a date as 2026-12-31") {
		t.Fatalf("a bad date is not said inline:\n%s", m.View())
	}
	for range len("next week") {
		m, _ = m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2026-12-10")})
	m = press(m, src, "enter")
	if len(src.cmds) != 2 {
		t.Fatalf("commands %+v, want a finding and an action item", src.cmds)
	}
	f, a := src.cmds[0].Item, src.cmds[1].Item
	if f == nil || f.Kind != experiments.ItemFinding || f.Text != "no timeout: p99 went up to the delay" {
		t.Errorf("finding %+v", f)
	}
	if a == nil || a.Kind != experiments.ItemAction || a.Text != "add a 200 ms timeout" || a.Owner != "alice" || a.Due != "2026-12-10" {
		t.Errorf("action %+v", a)
	}
	press(m, src, "!")
	if len(src.cmds) != 3 || src.cmds[2].Kind != session.CmdHaltAll {
		t.Errorf("! in the debrief: %+v, want halt all", src.cmds)
	}

	obs := newFakeSource()
	o := seatAt(t, obs, tui.Seat{Name: "olga", Role: experiments.RoleObserver})
	o = press(o, obs, "d")
	if v := o.View(); !strings.Contains(v, "Debrief") || !strings.Contains(v, "the facilitator and the scribe write the debrief") {
		t.Fatalf("an observer's debrief:\n%s", v)
	}
	o = press(o, obs, "f")
	if len(obs.cmds) != 0 || !strings.Contains(o.View(), "an observer may not write the debrief") {
		t.Fatalf("an observer's f: %+v\n%s", obs.cmds, o.View())
	}
	checkFrame(t, o.View(), 160, 48)
}

// TestPreflightPane: at the pre-flight the cockpit shows what will be
// touched; the facilitator's enter starts the game day; an observer's
// says who starts it; the block keys do nothing; ! still halts all.
func TestPreflightPane(t *testing.T) {
	exp := &experiments.Experiment{Name: "x", Hypothesis: "it holds",
		Blocks: []experiments.Block{{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultCommand,
			Start: &experiments.CommandSpec{Argv: []string{"touch", "/tmp/on"}}, Revert: &experiments.CommandSpec{Argv: []string{"rm", "/tmp/on"}}}}}}
	p := exp.Preview()
	snap := fixedSnapshot()
	snap.Preflight, snap.Hypothesis = &p, exp.Hypothesis
	snap.Room = []session.Present{{Name: "root", Role: experiments.RoleFacilitator, Seats: 1}}
	for _, tc := range []struct {
		role experiments.Role
		keys []string
		want []session.CommandKind
		says string
	}{
		{experiments.RoleFacilitator, []string{"j", "x", "enter"}, []session.CommandKind{session.CmdStart}, ""},
		{experiments.RoleObserver, []string{"enter"}, nil, "an observer may not start the game day: the facilitator starts it"},
		{experiments.RoleOperator, []string{"+"}, nil, "at its pre-flight: nothing is on yet"},
		{experiments.RoleOperator, []string{"!"}, []session.CommandKind{session.CmdHaltAll}, ""},
	} {
		src := newFakeSource()
		var m tea.Model = tui.New(src, tui.DefaultStyles()).WithSeat(tui.Seat{Name: "x", Role: tc.role})
		m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: snap})
		v := m.View()
		checkFrame(t, v, 160, 48)
		for _, want := range []string{"PRE-FLIGHT", "hypothesis: it holds", "touch /tmp/on", "root · facilitator"} {
			if !strings.Contains(v, want) {
				t.Fatalf("%s: the pre-flight lacks %q:\n%s", tc.role, want, v)
			}
		}
		m = press(m, src, tc.keys...)
		var got []session.CommandKind
		for _, c := range src.cmds {
			got = append(got, c.Kind)
		}
		if strings.Join(kinds(got), ",") != strings.Join(kinds(tc.want), ",") {
			t.Errorf("%s %v: commands %v, want %v", tc.role, tc.keys, got, tc.want)
		}
		if tc.says != "" && !strings.Contains(m.View(), tc.says) {
			t.Errorf("%s %v: the screen does not say %q", tc.role, tc.keys, tc.says)
		}
	}
}

// TestSharedCockpitsDrawAlike: cockpits that share their charts draw the
// same screen as one that draws alone.
func TestSharedCockpitsDrawAlike(t *testing.T) {
	shared := tui.NewShared()
	r := lipgloss.NewRenderer(io.Discard, termenv.WithProfile(termenv.Ascii))
	view := func(sh *tui.Shared) string {
		var m tea.Model = tui.New(newFakeSource(), tui.NewStylesFor(r, tui.DefaultPalette())).WithShared(sh)
		m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: fixedSnapshot()})
		return m.View()
	}
	alone, first, second := view(nil), view(shared), view(shared)
	if first != alone || second != alone {
		t.Fatal("a cockpit drawing through the shared cache differs from one drawing alone")
	}
}

// TestHistoryDrawnGrey: points from before the session (a PromQL probe's
// history) are drawn left of 0:00, in the muted colour, apart from the
// session's own.
func TestHistoryDrawnGrey(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	snap := fixedSnapshot()
	snap.Now, snap.WindowStart = sec(30), sec(-60)
	snap.FaultWindows, snap.Series = nil, map[string][]probes.Point{}
	for i := -60; i <= 30; i++ {
		v := 50.0
		if i < 0 {
			v = 400
		}
		snap.Series["checkout.p99"] = append(snap.Series["checkout.p99"], probes.Point{T: sec(float64(i)), V: v})
	}
	var m tea.Model = tui.New(newFakeSource(), tui.NewStylesFor(r, tui.DefaultPalette()))
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m, _ = m.Update(tui.SnapshotMsg{Snapshot: snap})
	v := m.View()
	if !strings.Contains(v, "-1:00") || !strings.Contains(v, "0:00") {
		t.Fatalf("no time left of 0:00 on the axis:\n%s", ansiStrip(v))
	}
	colours := brailleColours(v)
	if colours["38;2;139;147;158"] == 0 { // the dark palette's Muted, #8b949e
		t.Errorf("the history is not drawn in the muted colour: %v", colours)
	}
	if colours["38;2;188;140;255"] == 0 { // p99, the second series colour, #bc8cff
		t.Errorf("the session's own points are not drawn in the series' colour: %v", colours)
	}
}

// brailleColours counts the chart cells (braille) by the foreground
// they are drawn in.
func brailleColours(s string) map[string]int {
	out := map[string]int{}
	fg := ""
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			j := strings.IndexByte(s[i:], 'm')
			if j < 0 {
				break
			}
			seq := s[i+2 : i+j]
			switch {
			case seq == "0" || seq == "39":
				fg = ""
			case strings.HasPrefix(seq, "38;"):
				fg = seq
			}
			i += j + 1
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r > 0x2800 && r <= 0x28ff {
			out[fg]++
		}
		i += n
	}
	return out
}

func ansiStrip(s string) string { return regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(s, "") }
