package tui_test

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/probes"
	"github.com/gameday-dev/gameday/tui"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// fakeSource records the commands the cockpit sends.
type fakeSource struct {
	ch   chan session.Snapshot
	cmds []session.Command
}

func newFakeSource() *fakeSource { return &fakeSource{ch: make(chan session.Snapshot, 1)} }

func (f *fakeSource) Snapshots() <-chan session.Snapshot { return f.ch }
func (f *fakeSource) Do(c session.Command)               { f.cmds = append(f.cmds, c) }

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// fixedSnapshot is a game day 95 s in: inventory latency ran from 30 s to
// 60 s, payments has been paused since 80 s.
func fixedSnapshot() session.Snapshot {
	now := sec(95)
	s := session.Snapshot{
		Seq: 380, Name: "Demo shop · resilience none", Now: now, Started: t0,
		Window: 3 * time.Minute, WindowStart: t0,
		Loads:  []session.LoadState{{Name: "checkout", TargetRate: 50, SentRate: 50}},
		Probes: []session.ProbeState{{Name: "queue", Healthy: true}},
		Series: map[string][]probes.Point{},
		Charts: []experiments.Chart{
			{Title: "Checkout latency", Unit: experiments.UnitMillis, Series: []experiments.ChartSeries{
				{Series: "checkout.p50", Label: "p50"}, {Series: "checkout.p99", Label: "p99"}}},
			{Title: "Error rate", Unit: experiments.UnitPercent, Series: []experiments.ChartSeries{
				{Series: "checkout.error_rate", Label: "errors"}}},
			{Title: "Order queue depth", Series: []experiments.ChartSeries{{Series: "queue", Label: "queued"}}},
		},
		FaultWindows: []session.FaultWindow{
			{Block: "inventory latency", Index: 0, Start: sec(30), End: sec(60)},
			{Block: "payments paused", Index: 3, Start: sec(80)},
		},
	}
	for i := 0; i <= 95*4; i++ {
		t := float64(i) / 4
		p50, p99, queue := 8+math.Sin(t/3), 20+3*math.Sin(t/2), 0.0
		if t >= 30 && t < 63 {
			p50, p99 = 310+10*math.Sin(t), 360+5*math.Sin(t)
		}
		if t >= 80 {
			queue = (t - 80) * 50
		}
		at := sec(t)
		s.Series["checkout.p50"] = append(s.Series["checkout.p50"], probes.Point{T: at, V: p50})
		s.Series["checkout.p99"] = append(s.Series["checkout.p99"], probes.Point{T: at, V: p99})
		s.Series["checkout.error_rate"] = append(s.Series["checkout.error_rate"], probes.Point{T: at, V: 0})
		s.Series["queue"] = append(s.Series["queue"], probes.Point{T: at, V: queue})
	}
	blocks := []experiments.Block{
		{Name: "inventory latency", Description: "300 ms ± 50 ms on every call to inventory"},
		{Name: "inventory errors", Description: "half of the calls to inventory answered 503"},
		{Name: "payments blackhole", Description: "calls to payments hang until halted"},
		{Name: "payments paused", Description: "the payments process is stopped (SIGSTOP)"},
		{Name: "load spike", Description: "4× the checkout rate for 30 s"},
	}
	for i, b := range blocks {
		st := session.BlockState{Block: b, Index: i, Since: sec(60), Phase: session.PhaseIdle}
		if i == 3 {
			st.Phase, st.Active, st.Since, st.Intensity = session.PhaseOn, true, sec(80), 1
			st.Remaining, st.Guarded = 9*time.Minute+45*time.Second, true
		}
		s.Blocks = append(s.Blocks, st)
	}
	nan := math.NaN()
	s.Assumptions = []assume.AssumptionState{
		{Assumption: experiments.Assumption{Name: "checkout p99", Op: "<", Threshold: 250, Unit: experiments.UnitMillis,
			Kind: experiments.AssumeThreshold, Series: "checkout", Aggregate: experiments.AggP99},
			Status: assume.StatusHolding, Value: 21, HasValue: true, Worst: 365, Violations: 1},
		{Assumption: experiments.Assumption{Name: "error rate", Op: "<", Threshold: 1, Unit: experiments.UnitPercent,
			Kind: experiments.AssumeThreshold, Series: "checkout", Aggregate: experiments.AggErrorRate},
			Status: assume.StatusHolding, Value: 0, HasValue: true, Worst: 0},
		{Assumption: experiments.Assumption{Name: "queue depth", Op: "<", Threshold: 100,
			Kind: experiments.AssumeThreshold, Series: "queue"},
			Status: assume.StatusViolated, Since: sec(82), Value: 750, HasValue: true, Worst: 750, Violations: 1},
		{Assumption: experiments.Assumption{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 30 * time.Second},
			Status: assume.StatusPending, Value: nan, Worst: nan, LastRecovery: 3500 * time.Millisecond},
	}
	s.Timeline = []experiments.Event{
		{Seq: 1, Time: t0, Kind: experiments.EventStarted, Subject: s.Name, Text: "session started"},
		{Seq: 2, Time: sec(30), Kind: experiments.EventFaultStarted, Subject: "inventory latency", Text: "300 ms ± 50 ms delay on inventory"},
		{Seq: 3, Time: sec(31), Kind: experiments.EventViolated, Subject: "checkout p99", Text: "355 ms, threshold < 250 ms"},
		{Seq: 4, Time: sec(45), Kind: experiments.EventNote, Subject: "operator", Text: "p99 follows the injected delay; no timeout on the inventory client"},
		{Seq: 5, Time: sec(60), Kind: experiments.EventFaultHalted, Subject: "inventory latency", Text: "halted by operator after 30.0s"},
		{Seq: 6, Time: sec(63.5), Kind: experiments.EventRestored, Subject: "checkout p99", Text: "22 ms, after 32.5s violated"},
		{Seq: 7, Time: sec(63.5), Kind: experiments.EventRecovered, Subject: "recovery", Text: "all assumptions hold again 3.5s after the halt"},
		{Seq: 8, Time: sec(80), Kind: experiments.EventFaultStarted, Subject: "payments paused", Text: "process payments paused (SIGSTOP)"},
		{Seq: 9, Time: sec(82), Kind: experiments.EventViolated, Subject: "queue depth", Text: "102, threshold < 100"},
	}
	return s
}

// cockpitAt returns a cockpit of size w×h that has received snap.
func cockpitAt(t *testing.T, src *fakeSource, w, h int, snap session.Snapshot) tea.Model {
	t.Helper()
	var m tea.Model = tui.New(src, tui.DefaultStyles())
	m, _ = m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m, _ = m.Update(tui.SnapshotMsg{Snapshot: snap})
	return m
}

func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, lw, w, l)
		}
	}
}

func TestCockpitGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"160x48", 160, 48}, {"100x30", 100, 30}, {"80x24", 80, 24}} {
		t.Run(size.name, func(t *testing.T) {
			m := cockpitAt(t, newFakeSource(), size.w, size.h, fixedSnapshot())
			view := m.View()
			checkFrame(t, view, size.w, size.h)
			golden.RequireEqual(t, []byte(view))
		})
	}
}

func TestCockpitTooSmall(t *testing.T) {
	m := cockpitAt(t, newFakeSource(), 70, 20, fixedSnapshot())
	view := m.View()
	if !strings.Contains(view, "Terminal too small: 70×20") || !strings.Contains(view, "80×24") {
		t.Fatalf("a 70×20 terminal should say it is too small and what is needed, got:\n%s", view)
	}
	checkFrame(t, view, 70, 20)
	// Growing again draws the cockpit.
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if v := m.View(); !strings.Contains(v, "Assumptions") {
		t.Fatalf("after resizing to 120×40 the cockpit should draw, got:\n%s", v)
	}
}

func TestCockpitResizeKeepsFrame(t *testing.T) {
	m := cockpitAt(t, newFakeSource(), 160, 48, fixedSnapshot())
	for _, sz := range [][2]int{{100, 30}, {203, 61}, {81, 25}, {120, 35}, {80, 24}} {
		m, _ = m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFrame(t, m.View(), sz[0], sz[1])
	}
}

func press(m tea.Model, src *fakeSource, keys ...string) tea.Model {
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "shift+tab":
			msg = tea.KeyMsg{Type: tea.KeyShiftTab}
		case "left":
			msg = tea.KeyMsg{Type: tea.KeyLeft}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		_ = cmd // commands go to the source synchronously, not through tea.Cmd
	}
	return m
}

func TestCockpitKeys(t *testing.T) {
	cases := []struct {
		name string
		keys []string
		want []session.Command
	}{
		{"enter triggers the first block", []string{"enter"},
			[]session.Command{{Kind: session.CmdTrigger, Block: "inventory latency"}}},
		{"down and j move, enter triggers", []string{"down", "j", "enter"},
			[]session.Command{{Kind: session.CmdTrigger, Block: "payments blackhole"}}},
		{"k moves up", []string{"j", "j", "k", "enter"},
			[]session.Command{{Kind: session.CmdTrigger, Block: "inventory errors"}}},
		{"x halts the selected active block", []string{"j", "j", "j", "x"},
			[]session.Command{{Kind: session.CmdHalt, Block: "payments paused"}}},
		{"enter on an active block does nothing", []string{"j", "j", "j", "enter"}, nil},
		{"x on an idle block does nothing", []string{"x"}, nil},
		{"! halts all", []string{"!"}, []session.Command{{Kind: session.CmdHaltAll}}},
		{"+ and - change the intensity of an active block", []string{"j", "j", "j", "+", "-", "="},
			[]session.Command{{Kind: session.CmdIntensity, Block: "payments paused", Delta: 0.1},
				{Kind: session.CmdIntensity, Block: "payments paused", Delta: -0.1},
				{Kind: session.CmdIntensity, Block: "payments paused", Delta: 0.1}}},
		{"+ on an idle block does nothing", []string{"+"}, nil},
		{"e searches the edge of an idle block", []string{"e"},
			[]session.Command{{Kind: session.CmdEdge, Block: "inventory latency", Delta: 0.1, Dwell: 10 * time.Second}}},
		{"e on an active block does nothing", []string{"j", "j", "j", "e"}, nil},
		{"commands keep the order of their keys", []string{"j", "j", "j", "x", "j", "enter", "!"},
			[]session.Command{{Kind: session.CmdHalt, Block: "payments paused"},
				{Kind: session.CmdTrigger, Block: "load spike"}, {Kind: session.CmdHaltAll}}},
		{"n writes a note", []string{"n", "q", "!", " ", "x", "enter"},
			[]session.Command{{Kind: session.CmdNote, Text: "q! x"}}},
		{"esc cancels a note", []string{"n", "a", "esc", "!"}, []session.Command{{Kind: session.CmdHaltAll}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := newFakeSource()
			m := cockpitAt(t, src, 160, 48, fixedSnapshot())
			press(m, src, tc.keys...)
			if len(src.cmds) != len(tc.want) {
				t.Fatalf("commands %+v, want %+v", src.cmds, tc.want)
			}
			for i := range tc.want {
				if src.cmds[i] != tc.want[i] {
					t.Fatalf("command %d = %+v, want %+v", i, src.cmds[i], tc.want[i])
				}
			}
		})
	}
}

func TestCockpitQuit(t *testing.T) {
	for _, k := range []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("q")}, {Type: tea.KeyCtrlC}} {
		m := cockpitAt(t, newFakeSource(), 160, 48, fixedSnapshot())
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Fatalf("%s: no command, want quit", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s: want tea.Quit", k)
		}
	}
}

func TestCockpitHelpToggles(t *testing.T) {
	src := newFakeSource()
	m := cockpitAt(t, src, 160, 48, fixedSnapshot())
	short := m.View()
	m = press(m, src, "?")
	full := m.View()
	checkFrame(t, full, 160, 48)
	if short == full || !strings.Contains(full, "halt all") {
		t.Fatalf("? should show the full help")
	}
}

// Keys that arrive together come as one message of several runes; each
// still counts.
func TestCockpitKeysInOneMessage(t *testing.T) {
	src := newFakeSource()
	m := cockpitAt(t, src, 160, 48, fixedSnapshot())
	m, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	if cmd != nil {
		cmd()
	}
	press(m, src, "x")
	want := session.Command{Kind: session.CmdHalt, Block: "payments paused"}
	if len(src.cmds) != 1 || src.cmds[0] != want {
		t.Fatalf("after \"jjj\" and x: commands %+v, want %+v", src.cmds, want)
	}
}

func TestCockpitProbeHealth(t *testing.T) {
	snap := fixedSnapshot()
	snap.Probes = []session.ProbeState{{Name: "queue", Healthy: false, Err: "connection refused"}}
	m := cockpitAt(t, newFakeSource(), 160, 48, snap)
	head := strings.Split(m.View(), "\n")[0]
	if !strings.Contains(head, "probes ✗ 1 of 1 failing: queue") {
		t.Fatalf("a failing probe should show in the header: %q", head)
	}
}

// A threshold on a series' rate or slope is not drawn on the series.
func TestChartThresholdsOnlyInTheirUnit(t *testing.T) {
	snap := fixedSnapshot()
	snap.Assumptions = append(snap.Assumptions, assume.AssumptionState{Assumption: experiments.Assumption{
		Name: "queue growth", Kind: experiments.AssumeThreshold, Series: "queue", Aggregate: experiments.AggSlope,
		Op: experiments.BelowOrEqual, Threshold: 400}, Status: assume.StatusHolding, Value: 3, HasValue: true})
	m := cockpitAt(t, newFakeSource(), 160, 48, snap)
	lines := strings.Split(m.View(), "\n")
	dashed := 0
	for _, l := range lines[33:47] { // the queue chart
		if strings.Count(l, "┄") > 20 {
			dashed++
		}
	}
	if dashed != 1 {
		t.Fatalf("the queue chart has %d threshold lines, want 1 (100, not the slope's 400)", dashed)
	}
}

// A replay moves only time: its keys seek, pause and change the speed,
// the cursor still moves, and no block is triggered, halted or changed.
func TestCockpitReplayKeys(t *testing.T) {
	snap := fixedSnapshot()
	snap.Replay = &session.ReplayState{At: 95 * time.Second, Duration: 3 * time.Minute, Speed: 1}
	src := newFakeSource()
	m := cockpitAt(t, src, 160, 48, snap)
	m = press(m, src, "j", "enter", "j", "j", "x", "+", "-", "!", "l", " ", "0")
	if v := m.View(); !strings.Contains(v, "▸ 4 payments paused") {
		t.Errorf("after j j j the cursor should be on block 4, got:\n%s", v)
	}
	want := []session.Command{
		{Kind: journal.CmdReplaySeek, Delta: 10},
		{Kind: journal.CmdReplayPause},
		{Kind: journal.CmdReplaySpeed, Delta: 10},
	}
	if len(src.cmds) != len(want) {
		t.Fatalf("commands %+v, want %+v", src.cmds, want)
	}
	for i := range want {
		if src.cmds[i] != want[i] {
			t.Fatalf("command %d = %+v, want %+v", i, src.cmds[i], want[i])
		}
	}
}

// TestCockpitSaysExposedProxies: a proxy that listens beyond loopback is
// said in the header, at any width.
func TestCockpitSaysExposedProxies(t *testing.T) {
	snap := fixedSnapshot()
	snap.Exposed = []string{"0.0.0.0:18081", "10.0.0.5:18082"}
	for _, size := range []struct {
		w, h int
		want string
	}{
		{160, 48, "⚠ listening on 0.0.0.0:18081 +1"},
		{100, 30, "⚠ 2 exposed"},
	} {
		m := cockpitAt(t, newFakeSource(), size.w, size.h, snap)
		if head := strings.SplitN(m.View(), "\n", 2)[0]; !strings.Contains(head, size.want) {
			t.Errorf("%dx%d header %q lacks %q", size.w, size.h, head, size.want)
		}
	}
}
