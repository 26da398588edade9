package experiments

import (
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// Snapshot is the session's state at one instant, published every
// interval. It is a copy: readers may keep it and never need a lock.
type Snapshot struct {
	Seq         uint64
	Name        string
	Description string
	Now         time.Time
	Started     time.Time
	// Ended is set on the last snapshot, after every fault was halted.
	Ended bool

	Blocks      []BlockState
	Assumptions []AssumptionState
	Loads       []LoadState
	Probes      []ProbeState
	// Timeline holds the most recent events, oldest first.
	Timeline []Event

	// Charts and the points of their series since WindowStart.
	Charts      []Chart
	Series      map[string][]probes.Point
	Window      time.Duration
	WindowStart time.Time
	// FaultWindows are the periods in which blocks were active, clipped to
	// the chart window; End is zero while still active.
	FaultWindows []FaultWindow
}

// BlockState is a block and whether its fault is on.
type BlockState struct {
	Block
	Index     int
	Active    bool
	Since     time.Time // when it went on (Active) or off
	Intensity float64
	// Remaining is the time left before a block with a Duration halts by
	// itself (0 when it has none).
	Remaining time.Duration
}

// LoadState is what a load generator does now.
type LoadState struct {
	Name       string
	TargetRate float64
	SentRate   float64
	InFlight   int
	TotalSent  int64
}

// ProbeState is a probe's health.
type ProbeState struct {
	Name    string
	Healthy bool
	Err     string
	Since   time.Time
}

// FaultWindow is a period when a block's fault was on.
type FaultWindow struct {
	Block string
	Index int
	Start time.Time
	End   time.Time // zero while active
}

// ActiveFaults counts the blocks whose fault is on.
func (s *Snapshot) ActiveFaults() int {
	n := 0
	for _, b := range s.Blocks {
		if b.Active {
			n++
		}
	}
	return n
}

// Elapsed is the time since the session started.
func (s *Snapshot) Elapsed() time.Duration {
	if s.Started.IsZero() {
		return 0
	}
	return s.Now.Sub(s.Started)
}

// TargetRate sums the target rates of every load.
func (s *Snapshot) TargetRate() float64 {
	var r float64
	for _, l := range s.Loads {
		r += l.TargetRate
	}
	return r
}
