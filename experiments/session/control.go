package session

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
)

// CommandKind names what the operator (or a schedule) asks for.
type CommandKind string

// Commands.
const (
	CmdTrigger CommandKind = "trigger"  // switch a block's fault on
	CmdHalt    CommandKind = "halt"     // switch a block's fault off
	CmdHaltAll CommandKind = "halt-all" // switch every fault off at once
	CmdNote    CommandKind = "note"     // add an operator note to the timeline
	CmdEvent   CommandKind = "event"    // report something from outside (a process died)
	// CmdIntensity raises or lowers an active block's intensity by Delta
	// (0.1 is ten points); it multiplies the block's curve.
	CmdIntensity CommandKind = "intensity"
)

// Command goes from the cockpit (or a runner) to the session.
type Command struct {
	Kind  CommandKind
	Block string            // trigger, halt
	Text  string            // note; for halt, why (default: by the operator)
	Event experiments.Event // event
	Delta float64           // intensity
}

// stopTimeout bounds how long one injector may take to start or stop.
const stopTimeout = 30 * time.Second

func (s *Session) handle(c Command) {
	now := s.now()
	switch c.Kind {
	case CmdTrigger:
		b := s.block(c.Block)
		if b == nil {
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: c.Block, Text: "no such block"})
			return
		}
		s.trigger(b, now)
	case CmdHalt:
		if b := s.block(c.Block); b != nil && b.active {
			why := c.Text
			if why == "" {
				why = "halted by the operator"
			}
			s.halt(b, now, why)
		}
	case CmdHaltAll:
		s.haltAll("halt all")
	case CmdIntensity:
		if b := s.block(c.Block); b != nil && b.active {
			s.setManual(b, b.manual+c.Delta, now)
		}
	case CmdNote:
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventNote, Subject: "operator", Text: c.Text})
	case CmdEvent:
		e := c.Event
		e.Time = now
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

// killing reports whether an active kill block targets the process.
func (s *Session) killing(process string) bool {
	for _, b := range s.blocks {
		if b.active && b.kills[process] {
			return true
		}
	}
	return false
}

func (s *Session) trigger(b *blockRun, now time.Time) {
	if b.active {
		return
	}
	if s.aborted != "" {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: b.spec.Name,
			Text: "not started: a guardrail aborted the game day (" + s.aborted + ")"})
		return
	}
	s.resetOutput(b.spec.Name)
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	b.active, b.since = true, now // before Start: a kill's exit is expected
	if err := b.start(ctx, now); err != nil {
		b.active = false
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: b.spec.Name, Text: "could not start: " + err.Error()})
		// A fault that failed half-way must not stay half on.
		_ = b.inj.Stop(ctx)
		return
	}
	s.windows = append(s.windows, FaultWindow{Block: b.spec.Name, Index: b.index, Start: now})
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultStarted, Subject: b.spec.Name, Text: b.spec.Summary()})
}

func (s *Session) halt(b *blockRun, now time.Time, why string) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err := b.inj.Stop(ctx)
	lasted := now.Sub(b.since)
	b.active, b.since = false, now
	for i := len(s.windows) - 1; i >= 0; i-- {
		if s.windows[i].Block == b.spec.Name && s.windows[i].End.IsZero() {
			s.windows[i].End = now
			break
		}
	}
	if err != nil {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: b.spec.Name, Text: "halt failed: " + err.Error()})
	} else {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultHalted, Subject: b.spec.Name,
			Text: fmt.Sprintf("%s after %s", why, experiments.FormatDuration(lasted.Seconds()))})
	}
	if s.phase().Active == 0 {
		s.lastHalt = now
	}
}

// haltAll switches every active fault off. It is safe to call at any time
// on the session goroutine, any number of times.
func (s *Session) haltAll(why string) {
	now := s.now()
	n := 0
	for _, b := range s.blocks {
		if b.active {
			s.halt(b, now, why)
			n++
		} else {
			// Stop is idempotent; calling it on idle blocks too guarantees
			// that nothing half-started stays on.
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			_ = b.inj.Stop(ctx)
			cancel()
		}
	}
	if n > 0 {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: "all", Text: fmt.Sprintf("%s: %d fault(s) halted", why, n)})
	}
}

// setManual sets the operator's intensity of an active block (0..1) and
// applies it at once.
func (s *Session) setManual(b *blockRun, v float64, now time.Time) {
	v = math.Round(min(max(v, 0), 1)*100) / 100
	if v == b.manual {
		return
	}
	b.manual = v
	i := b.effective(now)
	if err := b.inj.Update(context.TODO(), i); err != nil {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: b.spec.Name, Text: "intensity: " + err.Error()})
		return
	}
	b.intensity = i
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: b.spec.Name,
		Text: fmt.Sprintf("intensity set to %d %% by the operator", int(v*100+0.5))})
}

// maxFaultDuration is the guardrail's limit on how long a block stays on.
func (s *Session) maxFaultDuration() time.Duration {
	if d := s.exp.Guardrails.MaxFaultDuration; d > 0 {
		return d
	}
	return 10 * time.Minute
}

// advanceBlocks runs the clocks of active blocks: curves, sequences,
// durations and the guardrail's longest time on.
func (s *Session) advanceBlocks(now time.Time) {
	limit := s.maxFaultDuration()
	for _, b := range s.blocks {
		if !b.active {
			continue
		}
		on := now.Sub(b.since)
		switch {
		case b.spec.Duration > 0 && on >= b.spec.Duration:
			s.halt(b, now, "ran its "+experiments.FormatDuration(b.spec.Duration.Seconds()))
			continue
		case on >= limit:
			s.halt(b, now, "guardrail: on for "+experiments.FormatDuration(limit.Seconds())+", the longest a fault may stay on,")
			continue
		}
		finished, events, err := b.advance(now)
		for _, e := range events {
			s.addEvent(e)
		}
		switch {
		case err != nil:
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventFaultError, Subject: b.spec.Name, Text: err.Error()})
		case finished:
			s.halt(b, now, "finished its sequence")
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
		v := assume.Measure(&a.spec.Assumption, now, s.observations())
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
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventAborted, Subject: a.spec.Name,
				Text: fmt.Sprintf("%s is %s (abort when %s for %s): halting every fault",
					a.spec.Series, a.spec.Unit.Format(v), a.spec.Condition(), experiments.FormatDuration(a.spec.For.Seconds()))})
			s.haltAll("guardrail " + a.spec.Name)
			return
		}
	}
}
