package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// ScheduleResult is how a headless run went.
type ScheduleResult struct {
	Final Snapshot
	// FaultErrors counts faults that could not be started or reverted.
	FaultErrors int
	// Interrupted is set when ctx ended the run before its schedule did.
	Interrupted bool
}

// RunSchedule runs sess (which must not be running) through its
// experiment's schedule without the cockpit: the baseline, each step's
// blocks on for their time, the recovery; the session's loop runs the
// schedule itself. progress gets a line per event (the schedule's phases
// among them), fit for CI logs. Every fault is halted before it returns,
// whatever ends it (the schedule, ctx, an abort).
func RunSchedule(ctx context.Context, sess *Session, progress func(string)) (ScheduleResult, error) {
	if sess.exp.Schedule == nil && sess.edgePlan == nil {
		return ScheduleResult{}, fmt.Errorf("%q has no schedule: a headless run needs one (schedule: baseline, steps, recovery)", sess.exp.Name)
	}
	if progress == nil {
		progress = func(string) {}
	}
	if sess.schedule == nil && sess.edgePlan == nil {
		WithSchedule(sess.exp.Schedule)(sess)
	}
	sched, plan := sess.schedule, sess.edgePlan
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(runCtx) }()
	defer func() {
		// A panic here must not end the process before the session has
		// halted every fault.
		if r := recover(); r != nil {
			stop()
			for range sess.Snapshots() {
			}
			<-runErr
			panic(r)
		}
	}()

	var res ScheduleResult
	var lastSeq uint64
	var saidWait time.Time
	for snap := range sess.Snapshots() {
		if len(snap.Timeline) > 0 && snap.Timeline[0].Seq > lastSeq+1 {
			progress(fmt.Sprintf("  (%d events not shown here; the journal has them all)", snap.Timeline[0].Seq-lastSeq-1))
		}
		for _, e := range snap.Timeline {
			if e.Seq > lastSeq {
				lastSeq = e.Seq
				progress(EventLine(e, snap.Started))
			}
		}
		if w := snap.Waiting(time.Second); snap.Ending && len(w) > 0 && snap.Now.Sub(saidWait) >= 2*time.Second {
			saidWait = snap.Now
			progress(fmt.Sprintf("%s  … halting every fault, waiting for %s", experiments.Offset(snap.Elapsed()), strings.Join(w, ", ")))
		}
		res.FaultErrors = snap.FaultErrors
		if snap.Ended {
			res.Final = snap
		}
	}
	err := <-runErr
	if res.Final.Started.IsZero() {
		res.Final = sess.Final()
	}
	over := sched != nil && sched.over || plan != nil && plan.over
	res.Interrupted = !over && ctx.Err() != nil // Run has returned: its fields are ours
	return res, err
}

// EventLine renders an event as a line of a CI log: no colours, no
// escapes.
func EventLine(e experiments.Event, started time.Time) string {
	text := e.Text
	switch e.Kind {
	case experiments.EventNote, experiments.EventStarted:
	case experiments.EventPhase:
		text = e.Subject + ", " + e.Text
	default:
		if e.Subject != "" {
			text = e.Subject + " " + string(e.Kind) + ": " + e.Text
		}
	}
	return fmt.Sprintf("%s  %s %s%s", experiments.Offset(e.Time.Sub(started)), e.Kind.Symbol(), text, e.Timing(started))
}
