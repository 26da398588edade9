package journal

import (
	"time"

	"github.com/gameday-dev/gameday/experiments/session"
)

// Replay commands, sent with Do.
const (
	CmdReplayPause session.CommandKind = "replay-pause" // toggle pause
	CmdReplaySpeed session.CommandKind = "replay-speed" // Delta is the new speed (1, 10)
	CmdReplaySeek  session.CommandKind = "replay-seek"  // Delta is seconds to move (negative: back)
)

// Snapshots delivers the replayed snapshots; closed when Run ends.
func (r *Replay) Snapshots() <-chan session.Snapshot { return r.snaps }

// Do handles the replay's commands (pause, speed, seek); the commands of
// a live session have no effect on a recording.
func (r *Replay) Do(c session.Command) {
	select {
	case r.cmds <- c:
	default:
	}
}

// Run plays the replay until stop is closed, publishing every interval of
// wall-clock time (4 a second).
func (r *Replay) Run(stop <-chan struct{}) {
	defer r.once.Do(func() { close(r.snaps); close(r.done) })
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	r.publish()
	for {
		select {
		case <-stop:
			return
		case c := <-r.cmds:
			r.handle(c)
			r.publish()
		case <-tick.C:
			r.mu.Lock()
			if !r.paused {
				r.at += time.Duration(float64(250*time.Millisecond) * r.speed)
				if r.at >= r.Duration() {
					r.at, r.paused = r.Duration(), true
				}
			}
			r.mu.Unlock()
			r.publish()
		}
	}
}

func (r *Replay) handle(c session.Command) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch c.Kind {
	case CmdReplayPause:
		r.paused = !r.paused
		if !r.paused && r.at >= r.Duration() {
			r.at = 0 // play again from the start
		}
	case CmdReplaySpeed:
		if c.Delta > 0 {
			r.speed = c.Delta
		}
	case CmdReplaySeek:
		r.at += time.Duration(c.Delta * float64(time.Second))
		r.at = min(max(r.at, 0), r.Duration())
	}
}

func (r *Replay) publish() {
	r.mu.Lock()
	s := r.SnapshotAt(r.at)
	s.Replay = &session.ReplayState{At: r.at, Duration: r.Duration(), Speed: r.speed, Paused: r.paused}
	r.mu.Unlock()
	select {
	case r.snaps <- s:
	default:
		select {
		case <-r.snaps:
		default:
		}
		r.snaps <- s
	}
}
