package experiments

import (
	"fmt"
	"time"
)

// EventKind names what happened.
type EventKind string

// Event kinds.
const (
	EventStarted      EventKind = "started"       // the session began
	EventFaultStarted EventKind = "fault-started" // a block's fault went on
	EventFaultHalted  EventKind = "fault-halted"  // a block's fault went off
	EventFaultError   EventKind = "fault-error"   // a fault could not start or stop
	EventViolated     EventKind = "violated"      // an assumption broke
	EventRestored     EventKind = "restored"      // an assumption holds again
	EventNoData       EventKind = "no-data"       // an assumption lost its data
	EventRecovered    EventKind = "recovered"     // a recovery check passed
	EventNotRecovered EventKind = "not-recovered" // a recovery check ran out of time
	EventNote         EventKind = "note"          // the operator wrote a note
	EventProbeError   EventKind = "probe-error"   // a probe started failing
	EventProbeOK      EventKind = "probe-ok"      // a probe works again
	EventError        EventKind = "error"         // something else went wrong (a process died...)
	EventAborted      EventKind = "aborted"       // a guardrail halted everything
	EventOutput       EventKind = "output"        // a line a command fault printed
	EventPhase        EventKind = "phase"         // the schedule began a phase (baseline, a step, recovery)
	EventJoined       EventKind = "joined"        // a seat joined the room (By, Role)
	EventLeft         EventKind = "left"          // a seat left the room
	EventFinding      EventKind = "finding"       // the debrief: what the room found (Item)
	EventAction       EventKind = "action-item"   // the debrief: what to do, who, by when (Item)
	EventBlockAdded   EventKind = "block-added"   // a block composed during the game day joined it (Added)
	EventInfo         EventKind = "info"
)

// Event is one line of the timeline.
type Event struct {
	Seq uint64 `json:"seq"`
	// Time is when it happened; Asked, when it was asked for, if that was
	// earlier (a halt asked at +0:03 that took 0.2 s happened at +0:03.2).
	Time    time.Time `json:"t"`
	Asked   time.Time `json:"asked,omitzero"`
	Kind    EventKind `json:"kind"`
	Subject string    `json:"subject,omitempty"` // the block, assumption, probe or process it is about
	// By says who caused it: the operator, the schedule, a guardrail,
	// the session; empty for what the system did (an assumption broke).
	By string `json:"by,omitempty"`
	// Role is By's role in the room, for a game day served to a room
	// ("alice", "operator"); empty otherwise.
	Role Role   `json:"role,omitempty"`
	Text string `json:"text"`
	// Item is the debrief's finding or action item (EventFinding,
	// EventAction).
	Item *DebriefItem `json:"item,omitempty"`
	// Added is the block composed during the game day (EventBlockAdded).
	Added *AddedBlock `json:"added,omitempty"`
}

// AddedBlock is a block composed during a game day, as the journal
// records it: what a replay and a report need of it, and the block as it
// is written in the file (a list item of blocks:).
type AddedBlock struct {
	Summary string    `json:"summary"`
	Kind    FaultKind `json:"kind,omitempty"`
	Target  string    `json:"target,omitempty"`
	YAML    string    `json:"yaml"`
}

// Timing renders when an event was asked for, if earlier than it
// happened, relative to started: " (asked +0:03.0, took 0.2s)"; "" when it
// happened within a tenth of a second of being asked.
func (e Event) Timing(started time.Time) string {
	if e.Asked.IsZero() || e.Time.Sub(e.Asked) < 100*time.Millisecond {
		return ""
	}
	return fmt.Sprintf(" (asked %s, took %s)", OffsetTenths(e.Asked.Sub(started)),
		FormatDuration(e.Time.Sub(e.Asked).Seconds()))
}

// Offset renders a time since the start as +m:ss.
func Offset(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("+%d:%02d", s/60, s%60)
}

// OffsetTenths renders a time since the start as +m:ss.s.
func OffsetTenths(d time.Duration) string {
	t := int(d / (100 * time.Millisecond))
	return fmt.Sprintf("+%d:%02d.%d", t/600, (t/10)%60, t%10)
}

// Symbol marks the kind in a CI log line and in the report's timeline:
// ▶ started, ■ halted, ✗ broke, ✓ holds again, ✎ note, ! error, … no
// data, • the rest.
func (k EventKind) Symbol() string {
	switch k {
	case EventFaultStarted:
		return "▶"
	case EventFaultHalted:
		return "■"
	case EventFaultError, EventViolated, EventNotRecovered, EventAborted:
		return "✗"
	case EventRestored, EventRecovered, EventProbeOK:
		return "✓"
	case EventNote:
		return "✎"
	case EventProbeError, EventError:
		return "!"
	case EventNoData:
		return "…"
	case EventPhase:
		return "»"
	case EventFinding:
		return "◆"
	case EventAction:
		return "→"
	case EventJoined:
		return "+"
	case EventLeft:
		return "-"
	case EventBlockAdded:
		return "✚"
	}
	return "•"
}

// Bad reports whether the event is bad news.
func (e Event) Bad() bool {
	switch e.Kind {
	case EventViolated, EventNotRecovered, EventFaultError, EventProbeError, EventError, EventAborted:
		return true
	}
	return false
}
