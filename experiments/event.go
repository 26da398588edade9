package experiments

import "time"

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
	EventInfo         EventKind = "info"
)

// Event is one line of the timeline.
type Event struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"t"`
	Kind    EventKind `json:"kind"`
	Subject string    `json:"subject,omitempty"` // the block, assumption, probe or process it is about
	Text    string    `json:"text"`
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
