package session

import (
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// WithPreflight holds the game day at its pre-flight: loads and probes
// run and the charts draw, but no fault may be triggered until someone
// allowed to start it (the facilitator) sends CmdStart. The snapshots
// carry the pre-flight (Snapshot.Preflight) until then.
func WithPreflight() Option { return func(s *Session) { s.gated = true } }

// WithPreview gives the pre-flight a preview of the experiment made by
// the host, which knows more than the file says (the pods a cluster's
// selectors pick: Experiment.CheckClusters).
func WithPreview(p experiments.Preflight) Option {
	return func(s *Session) { s.basePreview = &p }
}

// preview is the pre-flight with what only the session knows: the pids
// of the processes it started.
func (s *Session) preview() *experiments.Preflight {
	var p experiments.Preflight
	if s.basePreview != nil {
		p = *s.basePreview
	} else {
		p = s.exp.Preview()
	}
	for i := range p.Processes {
		if proc := s.parts.procs[p.Processes[i].Name]; proc != nil && p.Processes[i].PID == 0 {
			p.Processes[i].PID = proc.PID()
		}
	}
	return &p
}

// start ends the pre-flight.
func (s *Session) start(now time.Time, by string) {
	if !s.gated {
		return
	}
	s.gated, s.preflight = false, nil
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: "game day", By: by,
		Text: "started from the pre-flight by " + s.who(by)})
}

// refuseGated says a trigger before the start was not carried out.
func (s *Session) refuseGated(block string, now time.Time, by string) {
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: block, By: by,
		Text: "not started: the game day is at its pre-flight until the facilitator starts it"})
}
