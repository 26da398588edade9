package journal

import (
	"time"

	"github.com/gameday-dev/gameday/experiments/session"
)

// Snapshotter is what the tests compare of two replays.
type Snapshotter interface {
	SnapshotAt(time.Duration) session.Snapshot
	Duration() time.Duration
}

// OldReplay is the replay as it was before it kept state changes only:
// the oracle of the new one.
func OldReplay(j *Journal) Snapshotter { return newOldReplay(j) }

// NewReplayBudget is NewReplay with a budget of bytes for its frames.
func NewReplayBudget(j *Journal, bytes int) *Replay { return newReplayOf(j, bytes) }

// Stride is how many samples a kept frame stands for.
func (r *Replay) Stride() int { return r.stride }
