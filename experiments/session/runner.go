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
// blocks on for their time, the recovery. progress gets a line per phase
// and per event, fit for CI logs. Every fault is halted before it
// returns, whatever ends it (the schedule, ctx, an abort).
func RunSchedule(ctx context.Context, sess *Session, progress func(string)) (ScheduleResult, error) {
	if sess.exp.Schedule == nil {
		return ScheduleResult{}, fmt.Errorf("%q has no schedule: a headless run needs one (schedule: baseline, steps, recovery)", sess.exp.Name)
	}
	if progress == nil {
		progress = func(string) {}
	}
	plan := experiments.PlanOf(sess.exp.Schedule)
	runCtx, stop := context.WithCancel(context.Background())
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
	next, lastSeq := 0, uint64(0)
	var on []string // blocks the current step switched on
	aborted := false
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
		res.FaultErrors = snap.FaultErrors
		if snap.Ended {
			res.Final = snap
			break
		}
		elapsed := snap.Now.Sub(snap.Started)
		if snap.Aborted != "" && !aborted {
			aborted = true
			on = nil
			sess.Do(Command{Kind: CmdHaltAll}) // the session halted them; this one closes any gap
			// Skip the remaining steps: watch the recovery only.
			for next < len(plan) && plan[next].Label != "recovery" {
				next++
			}
			if next < len(plan) {
				plan[next].At = elapsed
			}
		}
		for next < len(plan) && elapsed >= plan[next].At {
			for _, b := range on {
				sess.Do(Command{Kind: CmdHalt, Block: b, Text: "the schedule's step ended"})
			}
			st := plan[next]
			progress(fmt.Sprintf("%s  %s, %s", offset(elapsed), st.Label, phaseWords(st)))
			if st.Note != "" {
				sess.Do(Command{Kind: CmdNote, Text: st.Note})
			}
			for _, b := range st.Blocks {
				sess.Do(Command{Kind: CmdTrigger, Block: b})
			}
			on = st.Blocks
			next++
		}
		if next == len(plan) && elapsed >= plan.End() || ctx.Err() != nil {
			res.Interrupted = ctx.Err() != nil
			stop()
		}
	}
	err := <-runErr
	if res.Final.Started.IsZero() {
		res.Final = sess.Final()
	}
	return res, err
}

func phaseWords(st experiments.PlanStep) string {
	d := experiments.FormatDuration(st.For.Seconds())
	if len(st.Blocks) == 0 {
		return "no fault for " + d
	}
	return fmt.Sprintf("%s on for %s", strings.Join(st.Blocks, ", "), d)
}

// offset renders a time since the start as +m:ss.
func offset(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("+%d:%02d", s/60, s%60)
}

// EventLine renders an event as a line of a CI log: no colours, no
// escapes.
func EventLine(e experiments.Event, started time.Time) string {
	text := e.Text
	if e.Subject != "" && e.Kind != experiments.EventNote && e.Kind != experiments.EventStarted {
		text = e.Subject + " " + string(e.Kind) + ": " + e.Text
	}
	return fmt.Sprintf("%s  %s %s", offset(e.Time.Sub(started)), e.Kind.Symbol(), text)
}
