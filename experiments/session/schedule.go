package session

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// scheduleRun is a schedule as the loop runs it: at each tick, the steps
// whose time has come switch their blocks on (and the previous step's
// off), on the loop itself, so that a schedule is as exact as the clock.
type scheduleRun struct {
	plan    experiments.Plan
	next    int      // the next step to begin
	on      []string // the blocks the current step switched on
	aborted bool
	over    bool // the plan has run its course
}

func (r *scheduleRun) step(s *Session, now time.Time) {
	elapsed := now.Sub(s.started)
	if s.aborted != "" && !r.aborted {
		// The guardrail halted everything: skip to the recovery.
		r.aborted, r.on = true, nil
		for r.next < len(r.plan) && r.plan[r.next].Label != "recovery" {
			r.next++
		}
		if r.next < len(r.plan) {
			r.plan[r.next].At = elapsed
		}
	}
	for r.next < len(r.plan) && elapsed >= r.plan[r.next].At {
		st := r.plan[r.next]
		for _, name := range r.on {
			if b := s.block(name); b != nil && !slices.Contains(st.Blocks, name) {
				s.halt(b, now, BySchedule, "the schedule's step ended")
			}
		}
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventPhase, Subject: st.Label, By: BySchedule, Text: phaseWords(st)})
		if st.Note != "" {
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventNote, Subject: BySchedule, By: BySchedule, Text: st.Note})
		}
		for _, name := range st.Blocks {
			if b := s.block(name); b != nil && !slices.Contains(r.on, name) {
				s.trigger(b, now, BySchedule)
			}
		}
		r.on = st.Blocks
		r.next++
	}
	// The plan's last watch is measured from the step's end, a recovery
	// from the halt, which comes a moment later: a recovery check still
	// timing one is given its time (at most its limit), so that a
	// recovery period equal to recovers_within is judged.
	if r.next == len(r.plan) && elapsed >= r.plan.End() && !s.checks.Recovering() {
		r.over = true
	}
}

func phaseWords(st experiments.PlanStep) string {
	d := experiments.FormatDuration(st.For.Seconds())
	if len(st.Blocks) == 0 {
		return "no fault for " + d
	}
	return fmt.Sprintf("%s on for %s", strings.Join(st.Blocks, ", "), d)
}
