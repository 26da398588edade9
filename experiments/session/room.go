package session

import (
	"slices"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// Present is someone in the room: a name in a role, on one or more seats
// (the same person may join from two terminals).
type Present struct {
	Name  string
	Role  experiments.Role
	Seats int
	Since time.Time
}

// roster is who is in the room, kept on the loop from join and leave
// commands.
type roster struct {
	present map[string]*Present
	// roles remembers every name's role, also after it left, so that the
	// events it caused stay attributed.
	roles map[string]experiments.Role
}

// actionOf is what a command asks a role to be allowed.
func actionOf(k CommandKind) (experiments.Action, bool) {
	switch k {
	case CmdTrigger, CmdEdge:
		return experiments.ActTrigger, true
	case CmdHalt, CmdHaltAll:
		return experiments.ActHalt, true
	case CmdIntensity:
		return experiments.ActIntensity, true
	case CmdNote:
		return experiments.ActNote, true
	case CmdDebrief:
		return experiments.ActDebrief, true
	case CmdStart:
		return experiments.ActStart, true
	case CmdAddBlock, CmdWriteBlocks:
		return experiments.ActCompose, true
	}
	return "", false
}

// allowed reports whether a command from a seat is within its role. The
// cockpit already refuses keys a role may not use; the session checks
// again, so no seat can do more than its role by any path.
func (s *Session) allowed(c Command) bool {
	if c.Role == "" {
		return true // the local operator, the schedule, a guardrail
	}
	act, ok := actionOf(c.Kind)
	if !ok {
		return true
	}
	anyone := s.exp.Room != nil && s.exp.Room.AnyoneCanHalt
	return c.Role.May(act, anyone)
}

// join and leave keep the roster and say so in the timeline.
func (s *Session) join(c Command, now time.Time) {
	s.learnRole(c.By, c.Role)
	p := s.room.present[c.By]
	if p == nil {
		p = &Present{Name: c.By, Role: c.Role, Since: now}
		s.room.present[c.By] = p
	}
	p.Seats++
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventJoined, Subject: c.By, By: c.By, Role: c.Role,
		Text: joinText("joined", c)})
}

func (s *Session) leave(c Command, now time.Time) {
	p := s.room.present[c.By]
	if p == nil {
		return
	}
	if p.Seats--; p.Seats <= 0 {
		delete(s.room.present, c.By)
	}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventLeft, Subject: c.By, By: c.By, Role: c.Role,
		Text: joinText("left", c)})
}

func joinText(verb string, c Command) string {
	t := verb + " as " + string(c.Role)
	if c.Text != "" {
		t += " (" + c.Text + ")"
	}
	return t
}

func (s *Session) learnRole(by string, r experiments.Role) {
	if s.room.roles == nil {
		s.room.present, s.room.roles = map[string]*Present{}, map[string]experiments.Role{}
	}
	s.room.roles[by] = r
}

// roleOf is the role of whoever caused an event, "" for the operator of
// a game day without a room, the schedule and the rest.
func (s *Session) roleOf(by string) experiments.Role { return s.room.roles[by] }

// who names whoever caused something, for the timeline's words.
func (s *Session) who(by string) string { return experiments.Who(by, s.roleOf(by)) }

// presentList lists the room (see Roster).
func (s *Session) presentList() []Present {
	if len(s.room.present) == 0 {
		return nil
	}
	return Roster(s.room.present)
}

// Roster lists who is present, by role (facilitator first), then name:
// the order of the header and of a replay.
func Roster(present map[string]*Present) []Present {
	out := make([]Present, 0, len(present))
	for _, p := range present {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Present) int {
		if ra, rb := slices.Index(experiments.Roles, a.Role), slices.Index(experiments.Roles, b.Role); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// debrief records a finding or an action item; one that does not check
// out is said in the log and dropped (the cockpit checks it first).
func (s *Session) debrief(c Command, now time.Time, by string) {
	if c.Item == nil {
		return
	}
	it := *c.Item
	it.Text, it.Owner = s.exp.Redact(it.Text), s.exp.Redact(it.Owner)
	if err := it.Check(); err != nil {
		s.log.Warn("debrief item refused", "by", by, "err", err.Error())
		return
	}
	kind := experiments.EventFinding
	if it.Kind == experiments.ItemAction {
		kind = experiments.EventAction
	}
	s.debriefItems = append(s.debriefItems, DebriefEntry{DebriefItem: it, By: by, Role: c.Role, At: now})
	s.addEvent(experiments.Event{Time: now, Kind: kind, Subject: it.Owner, By: by, Role: c.Role, Text: it.Text, Item: &it})
}

// DebriefEntry is a debrief item and who wrote it, when.
type DebriefEntry struct {
	experiments.DebriefItem
	By   string
	Role experiments.Role
	At   time.Time
}
