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
// that broke. Repeat searches do it all again, to see the noise: every
// repeat sweeps the levels, one after the other, then each bisects its
// own intervals, round by round:
//
//	baseline ─▶ sweep 1 ─▶ sweep 2 … ─▶ round 1: bisect 1, bisect 2 … ─▶ round 2 … ─▶ done
//
// (EdgeResults says what makes the edge of several repeats). Before a
// level lower than the one just tried (the next sweep, a bisection), the
// fault stays off until the longest window of the assumptions has passed
// too, so that what the higher level left in the windows is not measured
// as the lower one's. The session ends when the plan is done.
type EdgePlan struct {
	Block    string
	Levels   []float64 // intensities to try, 0..1
	Baseline time.Duration
	Dwell    time.Duration
	Recover  time.Duration
	Bisect   int
	Repeat   int // searches (1 when 0)
}

// WithEdgePlan runs the session as an edge search (see EdgePlan).
func WithEdgePlan(p EdgePlan) Option { return func(s *Session) { s.edgePlan = &edgePlanRun{plan: p} } }

// EdgeProbe is one level tried once, and what it did.
type EdgeProbe struct {
	Level  float64
	Repeat int // which search tried it, from 1
	Broke  []string
	// Measured is each watched assumption's worst while the level was on.
	Measured []EdgeMeasure
	// Recovered is false when something still did not hold Recover after
	// the halt (the next level started anyway).
	Recovered bool
}

// EdgeMeasure is an assumption's worst value while a level was on, and
// its margin then (see experiments.Assumption.Margin: negative when it
// broke), in the assumption's unit; both NaN when it had no value (or did
// not apply) the whole time: then the level is no sign that it holds.
type EdgeMeasure struct {
	Assumption string
	Worst      float64
	Margin     float64
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
	queue   []edgeTry // levels still to try
	round   int       // bisection rounds done
	try     edgeTry   // the level on now
	since   time.Time // when the phase began (the block on: when it went on)
	broke   map[string]bool
	margin  map[string]EdgeMeasure // the worst so far of the level on
	watched []string               // the threshold assumptions
	watch   map[string]bool        // the same, to look up
	settle  time.Duration          // their longest window
	started bool
	probes  []EdgeProbe
	results []EdgeResult // of the probes so far
	over    bool
}

// edgeTry is a level to try, and for which search.
type edgeTry struct {
	level  float64
	repeat int
}

func (p EdgePlan) repeats() int { return max(p.Repeat, 1) }

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
		if !r.started {
			r.started, r.watch = true, map[string]bool{}
			for _, a := range states {
				if a.Kind == experiments.AssumeThreshold && !r.watch[a.Name] {
					r.watched, r.watch[a.Name] = append(r.watched, a.Name), true
					r.settle = max(r.settle, a.EffectiveWindow())
				}
			}
			for k := 1; k <= r.plan.repeats(); k++ {
				for _, l := range r.plan.Levels {
					r.queue = append(r.queue, edgeTry{level: l, repeat: k})
				}
			}
			r.results = EdgeResults(r.watched, nil)
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
			if !r.watch[a.Name] {
				continue
			}
			if a.Status == assume.StatusViolated {
				r.broke[a.Name] = true
			}
			judged := a.Status == assume.StatusHolding || a.Status == assume.StatusViolated
			if m, seen := r.margin[a.Name]; judged && a.HasValue && (!seen || a.Margin(a.Value) < m.Margin) {
				r.margin[a.Name] = EdgeMeasure{Assumption: a.Name, Worst: a.Value, Margin: a.Margin(a.Value)}
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
			if a.Status == assume.StatusViolated && r.watch[a.Name] {
				held = false
			}
		}
		if held && r.nextLower() && s.aborted == "" && now.Sub(r.since) < r.settle {
			return // the higher level's values are still in the windows
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
	for len(r.queue) == 0 && r.round < r.plan.Bisect {
		r.round++
		for k := 1; k <= r.plan.repeats(); k++ {
			for _, l := range r.bisections(k) {
				r.queue = append(r.queue, edgeTry{level: l, repeat: k})
			}
		}
	}
	if len(r.queue) == 0 || s.aborted != "" {
		r.phase, r.over = edgeDone, true
		return
	}
	r.try, r.queue = r.queue[0], r.queue[1:]
	r.phase, r.since, r.broke, r.margin = edgeOn, time.Time{}, map[string]bool{}, map[string]EdgeMeasure{}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventPhase, Subject: "edge", By: BySchedule,
		Text: fmt.Sprintf("%s at %d %%%s for %s%s", b.spec.Name, pct(r.try.level), atText(b, r.try.level),
			experiments.FormatDuration(r.plan.Dwell.Seconds()), r.repeatText())})
	s.triggerAt(b, now, BySchedule, r.try.level)
}

// nextLower reports whether the next level may be lower than the one
// just tried: it is, or it is a bisection's (or the plan's end).
func (r *edgePlanRun) nextLower() bool {
	return len(r.queue) == 0 || r.queue[0].level < r.try.level
}

// repeatText says which search the level is of, when there are several:
// ", repeat 2 of 3".
func (r *edgePlanRun) repeatText() string {
	if r.plan.repeats() == 1 {
		return ""
	}
	return fmt.Sprintf(", repeat %d of %d", r.try.repeat, r.plan.repeats())
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
	p := EdgeProbe{Level: r.try.level, Repeat: r.try.repeat}
	for _, name := range r.watched {
		if r.broke[name] {
			p.Broke = append(p.Broke, name)
		}
		m, ok := r.margin[name]
		if !ok {
			m = EdgeMeasure{Assumption: name, Worst: math.NaN(), Margin: math.NaN()}
		}
		p.Measured = append(p.Measured, m)
	}
	r.probes = append(r.probes, p)
	r.results = EdgeResults(r.watched, r.probes)
	text := "everything held"
	if len(p.Broke) > 0 {
		text = fmt.Sprintf("broke %s", joinNames(p.Broke))
	}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: BySession,
		Text: fmt.Sprintf("edge: at %d %%%s%s: %s", pct(r.try.level), atText(b, r.try.level), r.repeatText(), text)})
	if halt {
		s.halt(b, now, BySchedule, "the level's time is over")
	}
	r.phase, r.since = edgeRecovering, now
}

// bisections are the levels halfway between each assumption's highest
// that held and lowest that broke in search k, once each, ascending.
func (r *edgePlanRun) bisections(k int) []float64 {
	var out []float64
	for _, res := range r.results {
		if k > len(res.Repeats) {
			continue
		}
		br := res.Repeats[k-1]
		if math.IsNaN(br.Broke) {
			continue // never broke: nothing to refine
		}
		lo := br.Held
		if math.IsNaN(lo) {
			lo = 0
		}
		mid := math.Round((lo+br.Broke)/2*1000) / 1000
		if mid-lo < 0.005 || !(mid > 0) || slices.Contains(out, mid) {
			continue
		}
		out = append(out, mid)
	}
	slices.Sort(out)
	return out
}

// edgeResults are the plan's results so far, in the assumptions' order,
// and the levels tried.
func (s *Session) edgeResults() ([]EdgeResult, []EdgeProbe) {
	r := s.edgePlan
	if r == nil || !r.started {
		return nil, nil
	}
	return slices.Clone(r.results), slices.Clone(r.probes)
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
