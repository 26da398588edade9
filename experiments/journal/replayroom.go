package journal

import (
	"sort"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// A replayed game day served to a room shows who was in the room and the
// debrief so far, as the seats saw them: both are rebuilt from the join,
// leave, finding and action-item events once, and looked up by event
// index for each snapshot.

// Bounds of what a replay keeps of the room: a hand-made journal of a
// million joins must not cost a roster per join.
const (
	maxRoomMarks    = 10_000
	maxDebriefItems = 1_000
)

type roomMark struct {
	ev   int
	room []session.Present
}

type debriefMark struct {
	ev    int
	entry session.DebriefEntry
}

// roomState is the room being rebuilt while the events are read.
type roomState struct {
	present map[string]*session.Present
	marks   []roomMark
	debrief []debriefMark
}

// noteRoom takes event i in, if it is about the room or the debrief.
func (r *Replay) noteRoom(i int, e *experiments.Event) {
	rs := &r.room
	switch e.Kind {
	case experiments.EventJoined, experiments.EventLeft:
		if len(rs.marks) >= maxRoomMarks {
			return
		}
		if rs.present == nil {
			rs.present = map[string]*session.Present{}
		}
		p := rs.present[e.By]
		if e.Kind == experiments.EventJoined {
			if p == nil {
				p = &session.Present{Name: e.By, Role: e.Role, Since: e.Time}
				rs.present[e.By] = p
			}
			p.Seats++
		} else if p != nil {
			if p.Seats--; p.Seats <= 0 {
				delete(rs.present, e.By)
			}
		}
		rs.marks = append(rs.marks, roomMark{ev: i, room: session.Roster(rs.present)})
	case experiments.EventFinding, experiments.EventAction:
		if e.Item == nil || e.Item.Check() != nil || len(rs.debrief) >= maxDebriefItems {
			return
		}
		rs.debrief = append(rs.debrief, debriefMark{ev: i, entry: session.DebriefEntry{DebriefItem: *e.Item, By: e.By, Role: e.Role, At: e.Time}})
	}
}

// roomAt is the room and the debrief before event k.
func (r *Replay) roomAt(k int) ([]session.Present, []session.DebriefEntry) {
	ms := r.room.marks
	var room []session.Present
	if n := sort.Search(len(ms), func(i int) bool { return ms[i].ev >= k }); n > 0 {
		room = ms[n-1].room
	}
	ds := r.room.debrief
	n := sort.Search(len(ds), func(i int) bool { return ds[i].ev >= k })
	var items []session.DebriefEntry
	for _, d := range ds[:n] {
		items = append(items, d.entry)
	}
	return room, items
}
