package session

import (
	"fmt"
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
)

// The edge, live: a block's intensity raised in steps, from low, until
// the first assumption breaks; then the fault is halted and the timeline
// says where it broke ("checkout p99 broke at 62 % = 186 ms of latency on
// inventory"). Guardrails and halts work as ever: a halt ends the search.

// Edge search defaults: ten points every ten seconds, from ten.
const (
	DefaultEdgeStep  = 0.1
	DefaultEdgeDwell = 10 * time.Second
)

// edgeRun is a search under way on a block.
type edgeRun struct {
	step  float64
	dwell time.Duration
	next  time.Time       // when to raise the intensity
	held  map[string]bool // the assumptions not violated when it began: those it watches
}

// startEdge begins a search on an idle block (CmdEdge): Delta is the step
// (default ten points), Dwell how long each level is held.
func (s *Session) startEdge(b *blockRun, c Command, now time.Time, by string) {
	if b.phase != PhaseIdle || s.gated || s.aborted != "" || s.ending {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: by,
			Text: "edge search not started: the block must be idle and the game day started"})
		return
	}
	if b.fixed {
		s.refuseFixed(b, "edge search not started", now, by)
		return
	}
	step, dwell := c.Delta, c.Dwell
	if !(step > 0 && step <= 1) { // also NaN
		step = DefaultEdgeStep
	}
	if dwell <= 0 {
		dwell = DefaultEdgeDwell
	}
	e := &edgeRun{step: step, dwell: dwell, next: now.Add(dwell), held: map[string]bool{}}
	for _, a := range s.checks.States() {
		if a.Kind == experiments.AssumeThreshold && a.Status != assume.StatusViolated {
			e.held[a.Name] = true
		}
	}
	s.triggerAt(b, now, by, step)
	if b.phase != PhaseStarting {
		return
	}
	b.edge = e
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: by,
		Text: fmt.Sprintf("edge search: from %d %%, %d points more every %s, until an assumption breaks",
			pct(step), pct(step), experiments.FormatDuration(dwell.Seconds()))})
}

// advanceEdges moves every search on, after the tick's judgement: a
// watched assumption that broke ends it (the fault is halted); else, when
// a level has been held for its dwell, the next one.
func (s *Session) advanceEdges(now time.Time) {
	for _, b := range s.blocks {
		e := b.edge
		if e == nil {
			continue
		}
		if b.phase != PhaseOn && b.phase != PhaseStarting {
			if b.phase == PhaseIdle || b.phase == PhaseHalting {
				b.edge = nil // halted by someone, a guardrail or its own duration
			}
			continue
		}
		if name := s.brokeDuring(e); name != "" {
			b.edge = nil
			at := b.spec.AtIntensity(b.manual)
			where := fmt.Sprintf("%d %%", pct(b.manual))
			if at != "" {
				where += " = " + at
			}
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: BySession,
				Text: fmt.Sprintf("edge: %s broke at %s", name, where)})
			s.halt(b, now, BySession, "the edge was found")
			continue
		}
		if b.phase != PhaseOn || now.Before(e.next) {
			continue
		}
		if b.manual >= 1 {
			b.edge = nil
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: BySession,
				Text: "edge: no assumption broke up to 100 %"})
			s.halt(b, now, BySession, "the edge search reached 100 %")
			continue
		}
		e.next = now.Add(e.dwell)
		s.setManual(b, math.Min(1, b.manual+e.step), now, BySession)
	}
}

// brokeDuring names the first watched assumption that is violated now.
func (s *Session) brokeDuring(e *edgeRun) string {
	for _, a := range s.checks.States() {
		if e.held[a.Name] && a.Status == assume.StatusViolated {
			return a.Name
		}
	}
	return ""
}

func pct(v float64) int { return int(math.Round(v * 100)) }
