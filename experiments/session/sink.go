package session

import (
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// Sink records a game day as the session runs it: the journal, gameday's
// metrics. Its methods run on the session's loop, in order, and must
// return at once: a sink that writes somewhere slow queues the work for a
// goroutine of its own.
type Sink interface {
	// Begin is called once, before anything else: what runs, and when.
	Begin(exp *experiments.Experiment, started time.Time)
	// Event is called for every event of the timeline.
	Event(e experiments.Event)
	// Sample is called with every interval's snapshot.
	Sample(snap *Snapshot)
	// End is called once with the final snapshot, after every fault was
	// halted.
	End(final *Snapshot)
}
