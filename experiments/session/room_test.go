package session_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

func roomExp(anyoneCanHalt bool) *experiments.Experiment {
	return &experiments.Experiment{Name: "room",
		Blocks: []experiments.Block{commandBlock("slow")},
		Room:   &experiments.Room{AnyoneCanHalt: anyoneCanHalt},
	}
}

// TestRoomRoles: each seat may do what its role allows and nothing more,
// whatever the cockpit sends; every action is attributed with its role;
// the roster says who is in.
func TestRoomRoles(t *testing.T) {
	slow := &recorder{}
	s := newSim(t, roomExp(false), false, session.WithInjector("slow", slow))
	slow.clock = s.clk.Now
	s.do(session.Command{Kind: session.CmdJoin, By: "alice", Role: experiments.RoleOperator, Text: "from 127.0.0.1"})
	s.do(session.Command{Kind: session.CmdJoin, By: "olga", Role: experiments.RoleObserver})
	s.do(session.Command{Kind: session.CmdJoin, By: "sam", Role: experiments.RoleScribe})
	s.do(session.Command{Kind: session.CmdJoin, By: "sam", Role: experiments.RoleScribe}) // a second terminal

	// An observer and a scribe may not trigger; nothing happens.
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow", By: "olga", Role: experiments.RoleObserver})
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow", By: "sam", Role: experiments.RoleScribe})
	s.do(session.Command{Kind: session.CmdNote, Text: "I was here", By: "olga", Role: experiments.RoleObserver})
	if got := slow.history(); len(got) != 0 {
		t.Fatalf("an observer's or a scribe's trigger reached the injector: %v", got)
	}
	for _, e := range s.allEvents() {
		if e.By == "olga" && e.Kind != experiments.EventJoined {
			t.Errorf("the observer caused %s %q", e.Kind, e.Text)
		}
	}
	// The operator triggers; an observer may not halt (no andon cord);
	// the scribe may.
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow", By: "alice", Role: experiments.RoleOperator})
	s.until(8, "slow on", func(sn *session.Snapshot) bool { return sn.Blocks[0].Phase == session.PhaseOn })
	s.do(session.Command{Kind: session.CmdHaltAll, By: "olga", Role: experiments.RoleObserver})
	if s.last.Blocks[0].Phase != session.PhaseOn {
		t.Fatalf("an observer halted without anyone_can_halt: %s", s.last.Blocks[0].Phase)
	}
	s.do(session.Command{Kind: session.CmdNote, Text: "p99 climbs", By: "sam", Role: experiments.RoleScribe})
	s.do(session.Command{Kind: session.CmdHalt, Block: "slow", By: "sam", Role: experiments.RoleScribe})
	s.until(8, "slow off", func(sn *session.Snapshot) bool { return sn.Blocks[0].Phase == session.PhaseIdle })

	started := s.find(experiments.EventFaultStarted, "slow")
	halted := s.find(experiments.EventFaultHalted, "slow")
	if len(started) != 1 || started[0].By != "alice" || started[0].Role != experiments.RoleOperator {
		t.Errorf("started: %+v, want one by alice · operator", started)
	}
	if len(halted) != 1 || halted[0].By != "sam" || halted[0].Role != experiments.RoleScribe ||
		!strings.Contains(halted[0].Text, "halted by sam · scribe") {
		t.Errorf("halted: %+v, want one \"halted by sam · scribe\"", halted)
	}
	notes := s.find(experiments.EventNote, "sam")
	if len(notes) != 1 || notes[0].Text != "p99 climbs" || notes[0].Role != experiments.RoleScribe {
		t.Errorf("notes: %+v, want only the scribe's, attributed", notes)
	}

	room := s.last.Room
	if len(room) != 3 || room[0].Name != "alice" || room[1].Name != "sam" || room[1].Seats != 2 || room[2].Name != "olga" {
		t.Fatalf("room %+v, want alice (operator), sam (scribe, 2 seats), olga (observer)", room)
	}
	s.do(session.Command{Kind: session.CmdLeave, By: "sam", Role: experiments.RoleScribe})
	s.do(session.Command{Kind: session.CmdLeave, By: "olga", Role: experiments.RoleObserver})
	if room := s.last.Room; len(room) != 2 || room[1].Name != "sam" || room[1].Seats != 1 {
		t.Errorf("after leaving: %+v, want alice and sam on one seat", room)
	}
	if left := s.find(experiments.EventLeft, "olga"); len(left) != 1 || left[0].Role != experiments.RoleObserver {
		t.Errorf("olga's leaving: %+v", left)
	}
}

// TestRoomAndonCord: with anyone_can_halt, an observer halts everything.
func TestRoomAndonCord(t *testing.T) {
	slow := &recorder{}
	s := newSim(t, roomExp(true), false, session.WithInjector("slow", slow))
	slow.clock = s.clk.Now
	s.do(session.Command{Kind: session.CmdJoin, By: "olga", Role: experiments.RoleObserver})
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	s.until(8, "slow on", func(sn *session.Snapshot) bool { return sn.Blocks[0].Phase == session.PhaseOn })
	s.do(session.Command{Kind: session.CmdHaltAll, By: "olga", Role: experiments.RoleObserver})
	s.until(8, "slow off", func(sn *session.Snapshot) bool { return sn.Blocks[0].Phase == session.PhaseIdle })
	if h := s.find(experiments.EventFaultHalted, "slow"); len(h) != 1 || h[0].By != "olga" {
		t.Errorf("halted: %+v, want by olga", h)
	}
}

// TestSubscribers: every subscriber gets the snapshots; one that never
// reads holds nobody up and has its frames dropped; a late subscriber
// starts with the newest snapshot; all streams close after the final.
func TestSubscribers(t *testing.T) {
	exp := roomExp(false)
	exp.Schedule = &experiments.Schedule{Baseline: 20 * time.Second}
	s := newSim(t, exp, true)
	stuck := s.sess.Subscribe() // never read
	reader := s.sess.Subscribe()
	got := make(chan session.Snapshot, 1)
	go func() {
		var last session.Snapshot
		for snap := range reader.C() {
			last = snap
		}
		got <- last
	}()
	s.run(50)
	if stuck.Dropped() < 40 {
		t.Errorf("the stuck reader dropped %d of 50+ snapshots", stuck.Dropped())
	}
	late := s.sess.Subscribe()
	select {
	case snap := <-late.C():
		if snap.Seq == 0 || snap.Now.Before(at(10*time.Second)) {
			t.Errorf("a late subscriber starts with snapshot %d at %v, want the newest", snap.Seq, snap.Now)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a late subscriber got nothing")
	}
	closed := s.sess.Subscribe()
	closed.Close()
	closed.Close() // idempotent
	if _, ok := <-closed.C(); ok {
		// the newest snapshot may be waiting; the stream must end after it
		if _, ok := <-closed.C(); ok {
			t.Error("a closed subscription still delivers")
		}
	}
	s.runOut(100)
	select {
	case last := <-got:
		if !last.Ended {
			t.Errorf("the reader's last snapshot (%d) is not the final one", last.Seq)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a subscriber's stream was not closed after the final snapshot")
	}
}

// TestDebrief: the facilitator and the scribe record findings and action
// items; an operator may not; an item that does not check out is refused.
func TestDebrief(t *testing.T) {
	s := newSim(t, roomExp(false), false, session.WithInjector("slow", &recorder{}))
	finding := &experiments.DebriefItem{Kind: experiments.ItemFinding, Text: "no timeout on inventory"}
	action := &experiments.DebriefItem{Kind: experiments.ItemAction, Text: "add a timeout", Owner: "alice", Due: "2026-12-10"}
	s.do(session.Command{Kind: session.CmdDebrief, Item: finding, By: "sam", Role: experiments.RoleScribe})
	s.do(session.Command{Kind: session.CmdDebrief, Item: action, By: "root", Role: experiments.RoleFacilitator})
	s.do(session.Command{Kind: session.CmdDebrief, Item: finding, By: "alice", Role: experiments.RoleOperator})
	s.do(session.Command{Kind: session.CmdDebrief, By: "sam", Role: experiments.RoleScribe,
		Item: &experiments.DebriefItem{Kind: experiments.ItemAction, Text: "no owner"}})
	s.do(session.Command{Kind: session.CmdDebrief, By: "sam", Role: experiments.RoleScribe,
		Item: &experiments.DebriefItem{Kind: experiments.ItemAction, Text: "bad date", Owner: "bo", Due: "next week"}})
	d := s.last.Debrief
	if len(d) != 2 || d[0].By != "sam" || d[0].Text != finding.Text || d[1].Owner != "alice" || d[1].Role != experiments.RoleFacilitator {
		t.Fatalf("debrief %+v, want the scribe's finding and the facilitator's action", d)
	}
	if f := s.find(experiments.EventFinding, ""); len(f) != 1 || f[0].Item == nil || f[0].Item.Text != finding.Text {
		t.Errorf("finding events: %+v", f)
	}
	if a := s.find(experiments.EventAction, "alice"); len(a) != 1 || a[0].Item.Due != "2026-12-10" {
		t.Errorf("action events: %+v", a)
	}
}

// TestPreflightGate: at the pre-flight no fault starts; an operator may
// not start the game day; the facilitator does, and triggers work.
func TestPreflightGate(t *testing.T) {
	slow := &recorder{}
	s := newSim(t, roomExp(false), false, session.WithInjector("slow", slow), session.WithPreflight())
	slow.clock = s.clk.Now
	s.run(1)
	if s.last.Preflight == nil || len(s.last.Preflight.Blocks) != 1 {
		t.Fatalf("snapshot preflight %+v, want the pre-flight with one block", s.last.Preflight)
	}
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	s.do(session.Command{Kind: session.CmdStart, By: "alice", Role: experiments.RoleOperator})
	s.run(4)
	if got := slow.history(); len(got) != 0 || s.last.Preflight == nil {
		t.Fatalf("at the pre-flight: injector %v, preflight %v; want nothing started, still at the pre-flight", got, s.last.Preflight != nil)
	}
	s.do(session.Command{Kind: session.CmdStart, By: "root", Role: experiments.RoleFacilitator})
	if s.last.Preflight != nil {
		t.Fatal("still at the pre-flight after the facilitator started")
	}
	s.do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	s.until(8, "slow on", func(sn *session.Snapshot) bool { return sn.Blocks[0].Phase == session.PhaseOn })
	if ev := s.find(experiments.EventInfo, "game day"); len(ev) != 1 || !strings.Contains(ev[0].Text, "root · facilitator") {
		t.Errorf("start events: %+v", ev)
	}
}
