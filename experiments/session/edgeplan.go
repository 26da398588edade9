package session

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
)

// EdgePlan asks a headless session to find, for each assumption, the
// intensity of a block at which it breaks: the block on at each level
// for Dwell, then off until every assumption holds again (at most
// Recover), level after level from low to high; then, Bisect times, the
// level halfway between each assumption's highest that held and lowest
// that broke. The session ends when the plan is done.
type EdgePlan struct {
	Block    string
	Levels   []float64 // intensities to try, 0..1
	Baseline time.Duration
	Dwell    time.Duration
	Recover  time.Duration
	Bisect   int
}

// WithEdgePlan runs the session as an edge search (see EdgePlan).
func WithEdgePlan(p EdgePlan) Option { return func(s *Session) { s.edgePlan = &edgePlanRun{plan: p} } }

// EdgeResult is where a block broke one assumption.
type EdgeResult struct {
	Assumption string
	// Held is the highest level tried that it held through, Broke the
	// lowest that broke it (NaN: none).
	Held, Broke float64
}

// EdgeProbe is one level tried, and what broke there.
type EdgeProbe struct {
	Level float64
	Broke []string
	// Recovered is false when something still did not hold Recover after
	// the halt (the next level started anyway).
	Recovered bool
}

type edgePhase int

const (
	edgeBaseline   edgePhase = iota
	edgeOn                   // the block on at a level
	edgeRecovering           // off, waiting for every assumption to hold
	edgeDone
)

type edgePlanRun struct {
	plan    EdgePlan
	phase   edgePhase
	queue   []float64 // levels still to try
	round   int       // bisection rounds done
	level   float64
	since   time.Time // when the phase began (the block on: when it went on)
	broke   map[string]bool
	watched []string // the threshold assumptions
	results map[string]*EdgeResult
	probes  []EdgeProbe
	over    bool
}

// stepEdgePlan moves the plan on, after the tick's judgement.
func (s *Session) stepEdgePlan(now time.Time) {
	r := s.edgePlan
	b := s.block(r.plan.Block)
	if b == nil || r.over {
		r.over = true
		return
	}
	states := s.checks.States()
	switch r.phase {
	case edgeBaseline:
		if r.results == nil {
			r.results = map[string]*EdgeResult{}
			for _, a := range states {
				if a.Kind == experiments.AssumeThreshold {
					r.watched = append(r.watched, a.Name)
					r.results[a.Name] = &EdgeResult{Assumption: a.Name, Held: math.NaN(), Broke: math.NaN()}
				}
			}
			r.queue = append(r.queue, r.plan.Levels...)
		}
		if now.Sub(s.started) >= r.plan.Baseline {
			s.nextEdgeLevel(b, now)
		}
	case edgeOn:
		if b.phase == PhaseStarting {
			return
		}
		if b.phase != PhaseOn { // halted by someone, a guardrail, its duration
			s.endEdgeProbe(b, now, false)
			return
		}
		if r.since.IsZero() {
			r.since = now
		}
		for _, a := range states {
			if a.Status == assume.StatusViolated && r.results[a.Name] != nil {
				r.broke[a.Name] = true
			}
		}
		if now.Sub(r.since) >= r.plan.Dwell {
			s.endEdgeProbe(b, now, true)
		}
	case edgeRecovering:
		if b.phase != PhaseIdle {
			return
		}
		held := true
		for _, a := range states {
			if a.Status == assume.StatusViolated && r.results[a.Name] != nil {
				held = false
			}
		}
		if held || now.Sub(r.since) >= r.plan.Recover {
			r.probes[len(r.probes)-1].Recovered = held
			if !held {
				s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: BySession,
					Text: "edge: not everything held again " + experiments.FormatDuration(r.plan.Recover.Seconds()) + " after the halt; going on"})
			}
			s.nextEdgeLevel(b, now)
		}
	}
}

// nextEdgeLevel switches the block on at the next level, or, when the
// queue is empty, bisects or ends the plan.
func (s *Session) nextEdgeLevel(b *blockRun, now time.Time) {
	r := s.edgePlan
	if len(r.queue) == 0 && r.round < r.plan.Bisect {
		r.round++
		r.queue = r.bisections()
	}
	if len(r.queue) == 0 || s.aborted != "" {
		r.phase, r.over = edgeDone, true
		return
	}
	r.level, r.queue = r.queue[0], r.queue[1:]
	r.phase, r.since, r.broke = edgeOn, time.Time{}, map[string]bool{}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventPhase, Subject: "edge", By: BySchedule,
		Text: fmt.Sprintf("%s at %d %%%s for %s", b.spec.Name, pct(r.level), atText(b, r.level),
			experiments.FormatDuration(r.plan.Dwell.Seconds()))})
	s.triggerAt(b, now, BySchedule, r.level)
}

func atText(b *blockRun, level float64) string {
	if at := b.spec.AtIntensity(level); at != "" {
		return " (" + at + ")"
	}
	return ""
}

// endEdgeProbe records what broke at the level, and halts the block.
func (s *Session) endEdgeProbe(b *blockRun, now time.Time, halt bool) {
	r := s.edgePlan
	p := EdgeProbe{Level: r.level}
	for _, name := range r.watched {
		res := r.results[name]
		if r.broke[name] {
			p.Broke = append(p.Broke, name)
			if math.IsNaN(res.Broke) || r.level < res.Broke {
				res.Broke = r.level
			}
		} else if math.IsNaN(res.Held) || r.level > res.Held {
			res.Held = r.level
		}
	}
	r.probes = append(r.probes, p)
	text := "everything held"
	if len(p.Broke) > 0 {
		text = fmt.Sprintf("broke %s", joinNames(p.Broke))
	}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: BySession,
		Text: fmt.Sprintf("edge: at %d %%%s: %s", pct(r.level), atText(b, r.level), text)})
	if halt {
		s.halt(b, now, BySchedule, "the level's time is over")
	}
	r.phase, r.since = edgeRecovering, now
}

// bisections are the levels halfway between each assumption's highest
// that held and lowest that broke, once each, ascending.
func (r *edgePlanRun) bisections() []float64 {
	var out []float64
	for _, name := range r.watched {
		res := r.results[name]
		lo := res.Held
		if math.IsNaN(res.Broke) {
			continue // never broke: nothing to refine
		}
		if math.IsNaN(lo) || lo > res.Broke {
			lo = 0
		}
		mid := math.Round((lo+res.Broke)/2*1000) / 1000
		if mid-lo < 0.005 || !(mid > 0) || slices.Contains(out, mid) {
			continue
		}
		out = append(out, mid)
	}
	slices.Sort(out)
	return out
}

// edgeResults are the plan's results so far, in the assumptions' order.
func (s *Session) edgeResults() ([]EdgeResult, []EdgeProbe) {
	r := s.edgePlan
	if r == nil || r.results == nil {
		return nil, nil
	}
	out := make([]EdgeResult, 0, len(r.watched))
	for _, name := range r.watched {
		out = append(out, *r.results[name])
	}
	return out, slices.Clone(r.probes)
}

func joinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return ""
	case 1:
		return ns[0]
	}
	return fmt.Sprintf("%s and %s", joinList(ns[:len(ns)-1]), ns[len(ns)-1])
}

func joinList(ns []string) string {
	out := ns[0]
	for _, n := range ns[1:] {
		out += ", " + n
	}
	return out
}
