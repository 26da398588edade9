package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// CommandKind names what the operator (or a schedule) asks for.
type CommandKind string

// Commands.
const (
	CmdTrigger CommandKind = "trigger"  // switch a block's fault on
	CmdHalt    CommandKind = "halt"     // switch a block's fault off (again, if a halt failed)
	CmdHaltAll CommandKind = "halt-all" // switch every fault off at once
	CmdNote    CommandKind = "note"     // add a note to the timeline
	CmdEvent   CommandKind = "event"    // report something from outside (a process died)
	// CmdIntensity raises or lowers an active block's intensity by Delta
	// (0.1 is ten points); it multiplies the block's curve.
	CmdIntensity CommandKind = "intensity"
	// CmdJoin and CmdLeave say a seat joined or left the room (By, Role;
	// Text says from where).
	CmdJoin  CommandKind = "join"
	CmdLeave CommandKind = "leave"
	// CmdDebrief records a finding or an action item (Item).
	CmdDebrief CommandKind = "debrief"
	// CmdStart ends the pre-flight (see WithPreflight).
	CmdStart CommandKind = "start"
	// CmdEdge searches an idle block's edge: its intensity raised by
	// Delta every Dwell until an assumption breaks (see edge.go).
	CmdEdge CommandKind = "edge"
)

// Who causes what: the By of commands and events.
const (
	ByOperator  = "operator"
	BySchedule  = "schedule"
	ByGuardrail = "guardrail"
	BySession   = "session" // the session itself: its end, a block's own duration
)

// Command goes from the cockpit (or a runner) to the session.
type Command struct {
	Kind  CommandKind
	Block string // trigger, halt, intensity
	Text  string // note; for halt, why (default: by the operator)
	Event experiments.Event
	Delta float64 // intensity
	// By says who asks: the operator (the default), the schedule, a
	// seat's name; Role is the seat's role in the room. A command beyond
	// its role is refused (see experiments.Role.May).
	By   string
	Role experiments.Role
	// Item is the debrief's finding or action item (CmdDebrief).
	Item *experiments.DebriefItem
	// Dwell is how long an edge search holds each level (CmdEdge).
	Dwell time.Duration
	// Draft is the block composed (CmdAddBlock).
	Draft *experiments.Draft
}

// handle carries out a command on the loop. It never waits for an
// injector: it posts to the blocks' drivers.
func (s *Session) handle(c Command) {
	now := s.now()
	by := c.By
	if by == "" {
		by = ByOperator
	}
	if !s.allowed(c) {
		s.log.Warn("command refused: beyond the seat's role", "command", string(c.Kind), "by", by, "role", string(c.Role))
		return
	}
	if c.Role != "" && s.roleOf(by) == "" {
		s.learnRole(by, c.Role) // a seat that acts before its join is in
	}
	switch c.Kind {
	case CmdJoin:
		s.join(c, now)
	case CmdLeave:
		s.leave(c, now)
	case CmdDebrief:
		s.debrief(c, now, by)
	case CmdStart:
		s.start(now, by)
	case CmdAddBlock:
		s.addBlock(c, now, by)
	case CmdWriteBlocks:
		s.writeBlocks(now, by)
	case CmdEdge:
		if b := s.block(c.Block); b != nil {
			s.startEdge(b, c, now, by)
		}
	case CmdTrigger:
		b := s.block(c.Block)
		if b == nil {
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: c.Block, By: by, Text: "no such block"})
			return
		}
		if s.gated {
			s.refuseGated(b.spec.Name, now, by)
			return
		}
		s.trigger(b, now, by)
	case CmdHalt:
		if b := s.block(c.Block); b != nil {
			why := c.Text
			if why == "" {
				why = "halted by " + s.who(by)
			}
			s.halt(b, now, by, why)
		}
	case CmdHaltAll:
		s.haltAll(now, by, "halt all")
	case CmdIntensity:
		if b := s.block(c.Block); b != nil && (b.phase == PhaseOn || b.phase == PhaseStarting) {
			s.setManual(b, b.manual+c.Delta, now, by)
		}
	case CmdNote:
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventNote, Subject: by, By: by, Text: c.Text})
	case CmdEvent:
		e := c.Event
		if e.Time.IsZero() {
			e.Time = now
		}
		if e.Kind == experiments.EventError && s.killing(e.Subject) {
			return // the process died of a kill fault: that is the fault, not news
		}
		s.addEvent(e)
	}
}

func (s *Session) block(name string) *blockRun {
	for _, b := range s.blocks {
		if b.spec.Name == name {
			return b
		}
	}
	return nil
}

// killing reports whether a kill block that is not idle targets the
// process.
func (s *Session) killing(process string) bool {
	for _, b := range s.blocks {
		if b.busy() && b.kills[process] {
			return true
		}
	}
	return false
}

// trigger asks the block's driver to start it, at full intensity.
func (s *Session) trigger(b *blockRun, now time.Time, by string) { s.triggerAt(b, now, by, 1) }

// triggerAt asks the block's driver to start it at an intensity (the
// operator's setting, times its curve).
func (s *Session) triggerAt(b *blockRun, now time.Time, by string, level float64) {
	switch {
	case b.phase == PhaseHalting && !s.ending:
		if b.again == "" {
			b.again = by
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: by,
				Text: "starts again once its halt is done"})
		}
		return
	case b.busy():
		return
	case s.aborted != "":
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: b.spec.Name, By: by,
			Text: "not started: a guardrail aborted the game day (" + s.aborted + ")"})
		return
	case s.ending:
		return
	}
	s.resetOutput(b.spec.Name)
	b.gen++
	b.phase, b.asked, b.by, b.err, b.updateErr = PhaseStarting, now, by, "", ""
	b.manual = level
	b.intensity = b.effective(now)
	b.runCtx, b.cancelRun = context.WithCancelCause(context.Background())
	b.post(b.op(opStart, now, by, nil))
}

// halt asks the block's driver to stop it: a start under way is
// cancelled first. A block stuck after a failed halt is halted again.
func (s *Session) halt(b *blockRun, now time.Time, by, why string) {
	if b.phase == PhaseIdle || b.phase == PhaseHalting {
		return
	}
	if b.cancelRun != nil {
		b.cancelRun(errHalted)
	}
	b.phase, b.asked, b.by, b.why = PhaseHalting, now, by, why
	// A stop is bounded by the injector timeout only: the halt must not
	// cancel its own revert.
	b.post(b.op(opStop, now, by, context.Background()))
}

// haltAll asks every block that is not idle to stop, all at once: each
// block's driver stops its own, so a slow one holds no other. It is safe
// to call at any time on the loop, any number of times.
func (s *Session) haltAll(now time.Time, by, why string) {
	var n int
	for _, b := range s.blocks {
		if b.busy() && b.phase != PhaseHalting {
			n++
		}
	}
	if n == 0 {
		return
	}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: "all", By: by,
		Text: fmt.Sprintf("%s asked: halting %s", why, experiments.Count(n, "fault", "faults"))})
	s.haltAllAsked, s.haltAllWhy, s.haltAllBy = now, why, by
	s.haltAllLeft = map[string]bool{}
	for _, b := range s.blocks {
		if b.busy() && b.phase != PhaseHalting {
			s.haltAllLeft[b.spec.Name] = true
			s.halt(b, now, by, why)
		}
	}
}

// setManual sets the operator's intensity of a block that is on, or
// starting (0..1), and asks its driver to apply it.
func (s *Session) setManual(b *blockRun, v float64, now time.Time, by string) {
	if b.fixed {
		s.refuseFixed(b, "intensity not changed", now, by)
		return
	}
	v = math.Round(min(max(v, 0), 1)*100) / 100
	if v == b.manual {
		return
	}
	b.manual = v
	s.applyIntensity(b, now)
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: by,
		Text: fmt.Sprintf("intensity set to %d %% by %s", int(v*100+0.5), s.who(by))})
}

// refuseFixed says that a block whose fault has no intensity cannot have
// it changed (+, -, an edge search).
func (s *Session) refuseFixed(b *blockRun, what string, now time.Time, by string) {
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name, By: by,
		Text: fmt.Sprintf("%s: %s has no intensity to scale; halt it instead", what, b.spec.Summary())})
}

// applyIntensity asks the driver for the block's effective intensity, if
// it changed by half a point or more.
func (s *Session) applyIntensity(b *blockRun, now time.Time) {
	i := b.effective(now)
	if math.Abs(i-b.intensity) < 0.005 {
		return
	}
	b.intensity = i
	b.post(b.op(opUpdate, now, BySession, nil))
}

// onResult takes an injector call's result in: the block's phase moves on,
// and the timeline says when it was asked and when it happened.
func (s *Session) onResult(r result) {
	b := s.block(r.block)
	if b == nil {
		return
	}
	b.outstanding--
	if r.op.gen != b.gen {
		return // a result of an older run
	}
	name := b.spec.Name
	ev := experiments.Event{Time: r.done, Asked: r.op.asked, Subject: name, By: r.op.by}
	switch r.op.kind {
	case opStart:
		s.onStart(b, r, ev)
	case opStop:
		if b.phase != PhaseHalting {
			return
		}
		s.settleHaltAll(name, r.err == nil)
		again := b.again
		b.again = ""
		if r.err != nil {
			b.phase, b.err = PhaseStuck, r.err.Error()
			ev.Kind, ev.Text = experiments.EventFaultError, "halt failed: "+r.err.Error()+stuckAdvice
			s.addEvent(ev)
			return
		}
		wasOn := !b.since.IsZero() && s.windowOpen(name)
		lasted := r.done.Sub(b.since)
		b.phase, b.since, b.err = PhaseIdle, r.done, ""
		if wasOn { // else it never went on: the start's event said so
			s.closeWindow(name, r.done)
			ev.Kind, ev.Text = experiments.EventFaultHalted,
				fmt.Sprintf("%s after %s", b.why, experiments.FormatDuration(lasted.Seconds()))
			s.addEvent(ev)
			if s.phase().Active == 0 {
				s.lastHalt = r.done
			}
		}
		if again != "" {
			s.trigger(b, r.done, again)
		}
	case opUpdate:
		if r.err != nil && b.phase == PhaseOn && r.err.Error() != b.updateErr && !errors.Is(r.err, context.Canceled) {
			b.updateErr = r.err.Error()
			ev.Kind, ev.Text = experiments.EventFaultError, "intensity: "+r.err.Error()
			s.addEvent(ev)
		}
	case opTick:
		for _, e := range r.events {
			s.addEvent(e)
		}
		switch {
		case b.phase != PhaseOn:
		case r.err != nil && !errors.Is(r.err, context.Canceled):
			ev.Kind, ev.Text = experiments.EventFaultError, r.err.Error()
			s.addEvent(ev)
		case r.finished:
			s.halt(b, r.done, BySession, "finished its sequence")
		}
	}
}

// onStart takes a start's result in. A halt may have come while it ran:
// then the stop that follows says the rest.
func (s *Session) onStart(b *blockRun, r result, ev experiments.Event) {
	halting := b.phase == PhaseHalting
	if b.phase != PhaseStarting && !halting {
		return
	}
	switch {
	case r.err == nil:
		b.since = r.done
		if !halting {
			b.phase = PhaseOn
		}
		s.openWindow(b, r.done)
		ev.Kind, ev.Text = experiments.EventFaultStarted, b.spec.Summary()
	case r.cancelled:
		ev.Asked = b.asked // the halt's
		ev.Kind, ev.Text = experiments.EventInfo, "start cancelled by the halt"
		if !errors.Is(r.err, context.Canceled) {
			ev.Text += ": " + r.err.Error()
		}
	case halting:
		ev.Kind, ev.Text = experiments.EventFaultError, "could not start: "+r.err.Error()
	case r.stopErr != nil:
		b.phase, b.since, b.err = PhaseStuck, r.done, r.stopErr.Error()
		s.openWindow(b, r.done)
		ev.Kind = experiments.EventFaultError
		ev.Text = "could not start: " + r.err.Error() + "; and undoing what it did failed: " + r.stopErr.Error() + stuckAdvice
	default:
		b.phase, b.since, b.err = PhaseIdle, r.done, r.err.Error()
		b.cancelRun(nil)
		ev.Kind, ev.Text = experiments.EventFaultError, "could not start: "+r.err.Error()
	}
	s.addEvent(ev)
}

// stuckAdvice tells the operator what to do about a fault that may still
// be on.
const stuckAdvice = " — it may still be on: press x to try the halt again; " +
	"after quitting, `gameday recover` reverts what gameday recorded"

// settleHaltAll notes that a block asked to halt by a halt-all is done,
// and says when the last one is.
func (s *Session) settleHaltAll(block string, ok bool) {
	if !s.haltAllLeft[block] {
		return
	}
	delete(s.haltAllLeft, block)
	if !ok {
		s.haltAllFailed++
	}
	s.haltAllDone++
	if len(s.haltAllLeft) > 0 {
		return
	}
	now := s.now()
	took := "in " + experiments.FormatDuration(now.Sub(s.haltAllAsked).Seconds())
	if now.Sub(s.haltAllAsked) < 100*time.Millisecond {
		took = "within 0.1s"
	}
	text := fmt.Sprintf("%s: %s halted %s", s.haltAllWhy, experiments.Count(s.haltAllDone-s.haltAllFailed, "fault", "faults"), took)
	kind := experiments.EventInfo
	if s.haltAllFailed > 0 {
		kind = experiments.EventFaultError
		text += fmt.Sprintf(", %d could not be halted", s.haltAllFailed)
	}
	s.addEvent(experiments.Event{Time: now, Asked: s.haltAllAsked, Kind: kind, Subject: "all", By: s.haltAllBy, Text: text})
	s.haltAllDone, s.haltAllFailed = 0, 0
}

func (s *Session) openWindow(b *blockRun, at time.Time) {
	if s.windowOpen(b.spec.Name) {
		return
	}
	s.windows = append(s.windows, FaultWindow{Block: b.spec.Name, Index: b.index, Start: at})
}

func (s *Session) windowOpen(block string) bool {
	for i := len(s.windows) - 1; i >= 0; i-- {
		if s.windows[i].Block == block {
			return s.windows[i].End.IsZero()
		}
	}
	return false
}

func (s *Session) closeWindow(block string, at time.Time) {
	for i := len(s.windows) - 1; i >= 0; i-- {
		if s.windows[i].Block == block && s.windows[i].End.IsZero() {
			s.windows[i].End = at
			return
		}
	}
}

// advanceBlocks runs the clocks of blocks that are on: curves, sequences,
// durations and the guardrail's longest time on. It only posts to the
// drivers.
func (s *Session) advanceBlocks(now time.Time) {
	limit := s.exp.MaxFaultDuration()
	for _, b := range s.blocks {
		if b.phase != PhaseOn {
			continue
		}
		on := now.Sub(b.since)
		switch {
		case b.spec.Duration > 0 && on >= b.spec.Duration:
			s.halt(b, now, BySession, "ran its "+experiments.FormatDuration(b.spec.Duration.Seconds()))
			continue
		case on >= limit:
			s.halt(b, now, ByGuardrail, "guardrail: on for "+experiments.FormatDuration(limit.Seconds())+
				", the longest a fault may stay on,")
			continue
		}
		if b.curve != nil {
			s.applyIntensity(b, now)
		}
		if b.clocks {
			b.post(b.op(opTick, now, BySession, nil))
		}
	}
}

// guard checks the abort conditions: one that holds for its time halts
// every fault and marks the run aborted.
func (s *Session) guard(now time.Time) {
	if s.aborted != "" {
		return
	}
	for _, a := range s.aborts {
		v := a.measure(now, s.observations())
		met := v == v && a.spec.Holds(v) // v == v: not NaN
		if !met {
			a.since = time.Time{}
			continue
		}
		if a.since.IsZero() {
			a.since = now
		}
		if now.Sub(a.since) >= a.spec.For {
			s.aborted = fmt.Sprintf("%s: %s %s %s", a.spec.Name, a.spec.Series, a.spec.Unit.Format(v), a.spec.Condition())
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventAborted, Subject: a.spec.Name, By: ByGuardrail,
				Text: fmt.Sprintf("%s is %s (abort when %s for %s): halting every fault",
					a.spec.Series, a.spec.Unit.Format(v), a.spec.Condition(), experiments.FormatDuration(a.spec.For.Seconds()))})
			s.haltAll(now, ByGuardrail, "guardrail "+a.spec.Name)
			return
		}
	}
}
