package tui_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/tui"
)

// shopFile is the demo shop's experiment, as a file: the blocks of
// fixedSnapshot, and targets for more.
const shopFile = `name: Demo shop
targets:
  proxies:
    - {name: inventory, listen: "127.0.0.1:0", upstream: "http://127.0.0.1:9001"}
    - {name: payments, listen: "127.0.0.1:0", upstream: "http://127.0.0.1:9002"}
    - {name: cache, protocol: tcp, listen: "127.0.0.1:0", upstream: "127.0.0.1:9003"}
  processes:
    - {name: payments, pid: 4242}
load:
  - {name: checkout, url: "http://127.0.0.1:9000/checkout", rate: 50/s}
blocks:
  - {name: inventory latency, fault: {kind: latency, target: inventory, delay: 300ms, jitter: 50ms}}
  - {name: inventory errors, fault: {kind: error, target: inventory, probability: 50%}}
  - {name: payments blackhole, fault: {kind: blackhole, target: payments}}
  - {name: payments paused, fault: {kind: pause, target: payments}}
  - {name: load spike, load: {target: checkout, factor: 4}, duration: 30s}
`

// shopExp loads shopFile from a file named game.yaml.
func shopExp(t *testing.T) *experiments.Experiment {
	t.Helper()
	path := filepath.Join(t.TempDir(), "game.yaml")
	if err := os.WriteFile(path, []byte(shopFile), 0o644); err != nil {
		t.Fatal(err)
	}
	exps, err := experiments.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return exps[0]
}

func composeSnapshot(t *testing.T) session.Snapshot {
	s := fixedSnapshot()
	s.Experiment = shopExp(t)
	return s
}

// TestComposeGolden: the form as it opens, and with the file's error
// under the field it is about, at three sizes.
func TestComposeGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"160x48", 160, 48}, {"100x30", 100, 30}, {"80x24", 80, 24}} {
		for _, state := range []struct {
			name string
			keys []string
		}{
			{"open", []string{"a"}},
			{"error", []string{"a", "tab", "tab", "tab", "1", "5", "0", "enter"}},
		} {
			t.Run(size.name+"/"+state.name, func(t *testing.T) {
				src := newFakeSource()
				m := cockpitAt(t, src, size.w, size.h, composeSnapshot(t))
				m = press(m, src, state.keys...)
				view := m.View()
				checkFrame(t, view, size.w, size.h)
				if len(src.cmds) != 0 {
					t.Fatalf("the form sent %+v", src.cmds)
				}
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
}

func TestComposeForm(t *testing.T) {
	t.Run("a block that checks out goes to the session", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a", "tab", "tab", "tab", "150ms", "tab", "20ms", "down", "down", "{shape: ramp, over: 1m}", "tab", "2m", "enter")
		if len(src.cmds) == 0 {
			t.Fatalf("nothing sent:\n%s", m.View())
		}
		want := experiments.Draft{Name: "inventory latency 2", Kind: "latency", Target: "inventory",
			Params: []experiments.DraftParam{{Key: "delay", Value: "150ms"}, {Key: "jitter", Value: "20ms"}},
			Curve:  "{shape: ramp, over: 1m}", Duration: "2m"}
		if len(src.cmds) != 1 || src.cmds[0].Kind != session.CmdAddBlock || src.cmds[0].Draft == nil {
			t.Fatalf("commands %+v, want one add-block", src.cmds)
		}
		if got := *src.cmds[0].Draft; got.YAML() != want.YAML() {
			t.Fatalf("draft\n%s\nwant\n%s", got.YAML(), want.YAML())
		}
		if v := m.View(); !strings.Contains(v, "adding inventory latency 2…") || strings.Contains(v, "Compose a fault") {
			t.Fatalf("after enter the form closes and says so:\n%s", v)
		}
		// The session says it joined: the seat is told, and the block
		// selected.
		snap := composeSnapshot(t)
		snap.Blocks = append(snap.Blocks, session.BlockState{Block: experiments.Block{Name: "inventory latency 2"}, Index: 5,
			Phase: session.PhaseIdle, Composed: true, Unsaved: true})
		snap.Timeline = append(snap.Timeline, experiments.Event{Seq: 100, Kind: experiments.EventBlockAdded, Subject: "inventory latency 2"})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: snap})
		v := m.View()
		if !strings.Contains(v, "✚ inventory latency 2 joins the catalog · enter triggers it · w writes it into the file") ||
			!strings.Contains(v, "▸ 6 inventory latency 2 ✚") || !strings.Contains(v, "Blocks ✚ 1 not in the file · w writes") {
			t.Fatalf("once it joined:\n%s", v)
		}
		press(m, src, "enter")
		if last := src.cmds[len(src.cmds)-1]; last.Kind != session.CmdTrigger || last.Block != "inventory latency 2" {
			t.Fatalf("enter on the new block: %+v", last)
		}
	})
	t.Run("the session refuses it: the seat is told why", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a", "tab", "tab", "tab", "150ms", "enter")
		snap := composeSnapshot(t)
		snap.Timeline = append(snap.Timeline, experiments.Event{Seq: 100, Kind: experiments.EventError, Subject: "inventory latency 2",
			Text: `block not added: name: block "inventory latency 2" is defined twice`})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: snap})
		if v := m.View(); !strings.Contains(v, `✗ inventory latency 2: block not added: name: block "inventory latency 2" is defined twice`) {
			t.Fatalf("a refusal:\n%s", v)
		}
	})
	t.Run("the kind and the target come from the table and the file", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a", "tab", "right")
		v := m.View()
		if !strings.Contains(v, "‹ pause ›") || !strings.Contains(v, "period") || strings.Contains(v, "jitter") {
			t.Fatalf("→ on the kind should move from latency to pause, with its parameters:\n%s", v)
		}
		m = press(m, src, "left", "left", "left", "left", "left", "left", "left")
		if v := m.View(); !strings.Contains(v, "‹ bandwidth ›") || !strings.Contains(v, "cache") {
			t.Fatalf("bandwidth (tcp only) should offer the tcp proxy cache:\n%s", v)
		}
	})
	t.Run("a bad value: the file's message, inline, nothing sent; fixed, it goes", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a", "tab", "tab", "tab", "150", "enter")
		if v := m.View(); !strings.Contains(v, `✗ delay: "150" has no unit: write it as 150ms or 150s`) || len(src.cmds) != 0 {
			t.Fatalf("want the file's message under delay, nothing sent (%v):\n%s", src.cmds, v)
		}
		m = press(m, src, "ms")
		if v := m.View(); strings.Contains(v, "has no unit") {
			t.Fatalf("typing in the field should clear its error:\n%s", v)
		}
		press(m, src, "enter")
		if len(src.cmds) != 1 || src.cmds[0].Draft.Params[0].Value != "150ms" {
			t.Fatalf("commands %+v", src.cmds)
		}
	})
	t.Run("a name taken, a required value missing", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a")
		for range 30 {
			m = press(m, src, "backspace")
		}
		m = press(m, src, "load spike", "enter")
		v := m.View()
		for _, want := range []string{`✗ name: block "load spike" is defined twice`, "✗ fault: block \"load spike\": a latency fault needs delay"} {
			if !strings.Contains(v, want) {
				t.Errorf("want %q in:\n%s", want, v)
			}
		}
	})
	t.Run("esc cancels", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a", "esc", "!")
		if len(src.cmds) != 1 || src.cmds[0].Kind != session.CmdHaltAll {
			t.Fatalf("after esc, ! halts all: %+v", src.cmds)
		}
		_ = m
	})
	t.Run("keys are text in the form", func(t *testing.T) {
		src := newFakeSource()
		m := cockpitAt(t, src, 160, 48, composeSnapshot(t))
		m = press(m, src, "a", "!", "q", "x", "w")
		if len(src.cmds) != 0 || !strings.Contains(m.View(), "inventory latency 2!qxw") {
			t.Fatalf("keys in the form should be text: %+v", src.cmds)
		}
	})
}

func TestComposeWrite(t *testing.T) {
	snap := composeSnapshot(t)
	t.Run("nothing to write", func(t *testing.T) {
		src := newFakeSource()
		m := press(cockpitAt(t, src, 160, 48, snap), src, "w")
		if len(src.cmds) != 0 || !strings.Contains(m.View(), "nothing to write") {
			t.Fatalf("w with nothing composed: %+v", src.cmds)
		}
	})
	withOne := snap
	withOne.Composed = []experiments.Draft{{Name: "x", Kind: "latency", Target: "inventory",
		Params: []experiments.DraftParam{{Key: "delay", Value: "1s"}}}}
	t.Run("writes, and says how it went", func(t *testing.T) {
		src := newFakeSource()
		m := press(cockpitAt(t, src, 160, 48, withOne), src, "w")
		if len(src.cmds) != 1 || src.cmds[0].Kind != session.CmdWriteBlocks {
			t.Fatalf("commands %+v", src.cmds)
		}
		if !strings.Contains(m.View(), "writing 1 composed block into game.yaml…") {
			t.Fatal("w should say it writes")
		}
		done := withOne
		done.Timeline = append(append([]experiments.Event(nil), withOne.Timeline...), experiments.Event{Seq: 99,
			Kind: experiments.EventError, Subject: "game.yaml", Text: "1 composed block not written: game.yaml changed on disk since gameday loaded it"})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: done})
		if !strings.Contains(m.View(), "✗ game.yaml: 1 composed block not written: game.yaml changed on disk") {
			t.Fatalf("the seat that wrote should be told why not:\n%s", m.View())
		}
	})
	t.Run("a built-in experiment", func(t *testing.T) {
		builtIn := withOne
		exps, err := experiments.Parse("demo.yaml", []byte(shopFile))
		if err != nil {
			t.Fatal(err)
		}
		builtIn.Experiment = exps[0]
		src := newFakeSource()
		m := press(cockpitAt(t, src, 160, 48, builtIn), src, "w")
		if len(src.cmds) != 0 || !strings.Contains(m.View(), "built into gameday: there is no file to write blocks to") {
			t.Fatalf("w on the demo: %+v", src.cmds)
		}
	})
	t.Run("roles", func(t *testing.T) {
		for _, role := range []experiments.Role{experiments.RoleObserver, experiments.RoleScribe} {
			src := newFakeSource()
			var m tea.Model = tui.New(src, tui.DefaultStyles()).WithSeat(tui.Seat{Name: "x", Role: role})
			m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			m, _ = m.Update(tui.SnapshotMsg{Snapshot: withOne})
			for _, k := range []string{"a", "w"} {
				m = press(m, src, k)
				if v := m.View(); len(src.cmds) != 0 || !strings.Contains(v, "may not compose a fault or write the file") || strings.Contains(v, "Compose a fault") {
					t.Fatalf("%s pressed %s: %+v", role, k, src.cmds)
				}
			}
		}
	})
	t.Run("at the pre-flight", func(t *testing.T) {
		pre := withOne
		pre.Preflight = &experiments.Preflight{}
		src := newFakeSource()
		m := press(cockpitAt(t, src, 160, 48, pre), src, "a")
		if !strings.Contains(m.View(), "compose blocks once it has started") {
			t.Fatal("a at the pre-flight should say when")
		}
	})
}

// TestComposeNeverCrashes: any keys in the form, at any size: no panic,
// the frame holds.
func TestComposeNeverCrashes(t *testing.T) {
	keys := []string{"tab", "shift+tab", "left", "right", "up", "down", "enter", "backspace", "x", "1", "{", "[", ":", "%", " ", "ms", "ramp", "-", "null"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		src := newFakeSource()
		w, h := 80+rng.IntN(90), 24+rng.IntN(30)
		m := cockpitAt(t, src, w, h, composeSnapshot(t))
		m = press(m, src, "a")
		for range 60 {
			m = press(m, src, keys[rng.IntN(len(keys))])
			if rng.IntN(40) == 0 {
				m = press(m, src, "a") // a closed form opens again
			}
		}
		checkFrame(t, m.View(), w, h)
		for _, c := range src.cmds {
			if c.Kind == session.CmdAddBlock {
				if _, err := composeSnapshot(t).Experiment.Compose(nil, *c.Draft); err != nil {
					t.Fatalf("round %d: the form sent a block that does not check out: %v", round, err)
				}
			}
		}
	}
}
