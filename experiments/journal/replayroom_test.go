package journal_test

import (
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// TestReplayRoom: a replay shows who was in the room and the debrief so
// far, as the seats saw them at each moment.
func TestReplayRoom(t *testing.T) {
	j := syntheticJournal()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	it := &experiments.DebriefItem{Kind: experiments.ItemFinding, Text: "no timeout"}
	j.Events = append([]experiments.Event{
		{Seq: 10, Time: at(0.5), Kind: experiments.EventJoined, Subject: "root", By: "root", Role: experiments.RoleFacilitator},
		{Seq: 11, Time: at(1), Kind: experiments.EventJoined, Subject: "olga", By: "olga", Role: experiments.RoleObserver},
		{Seq: 12, Time: at(2), Kind: experiments.EventLeft, Subject: "olga", By: "olga", Role: experiments.RoleObserver},
	}, j.Events...)
	j.Events = append(j.Events, experiments.Event{Seq: 13, Time: at(8), Kind: experiments.EventFinding, By: "root",
		Role: experiments.RoleFacilitator, Text: it.Text, Item: it})
	r := journal.NewReplay(j)
	if s := r.SnapshotAt(1500 * time.Millisecond); len(s.Room) != 2 || s.Room[0].Name != "root" || s.Room[1].Name != "olga" || len(s.Debrief) != 0 {
		t.Errorf("at 1.5 s: room %+v, debrief %+v; want root and olga, no debrief", s.Room, s.Debrief)
	}
	if s := r.SnapshotAt(9 * time.Second); len(s.Room) != 1 || len(s.Debrief) != 1 || s.Debrief[0].Text != "no timeout" || s.Debrief[0].By != "root" {
		t.Errorf("at 9 s: room %+v, debrief %+v; want root alone and the finding", s.Room, s.Debrief)
	}
}
