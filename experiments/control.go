package experiments

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/gameday-dev/gameday/probes"
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
)

// Command goes from the cockpit (or a runner) to the session.
type Command struct {
	Kind  CommandKind
	Block string // trigger, halt
	Text  string // note
	Event Event  // event
}

// stopTimeout bounds how long one injector may take to start or stop.
const stopTimeout = 5 * time.Second

func (s *Session) handle(c Command) {
	now := s.now()
	switch c.Kind {
	case CmdTrigger:
		b := s.block(c.Block)
		if b == nil {
			s.addEvent(Event{Time: now, Kind: EventFaultError, Subject: c.Block, Text: "no such block"})
			return
		}
		s.trigger(b, now)
	case CmdHalt:
		if b := s.block(c.Block); b != nil && b.active {
			s.halt(b, now, "halted by operator")
		}
	case CmdHaltAll:
		s.haltAll("halt all")
	case CmdNote:
		s.addEvent(Event{Time: now, Kind: EventNote, Subject: "operator", Text: c.Text})
	case CmdEvent:
		e := c.Event
		e.Time = now
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

func (s *Session) trigger(b *blockRun, now time.Time) {
	if b.active {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := b.inj.Start(ctx); err != nil {
		s.addEvent(Event{Time: now, Kind: EventFaultError, Subject: b.spec.Name, Text: "could not start: " + err.Error()})
		// A fault that failed half-way must not stay half on.
		_ = b.inj.Stop(ctx)
		return
	}
	b.active, b.since = true, now
	s.windows = append(s.windows, FaultWindow{Block: b.spec.Name, Index: b.index, Start: now})
	s.addEvent(Event{Time: now, Kind: EventFaultStarted, Subject: b.spec.Name, Text: b.spec.Fault.Describe()})
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
		s.addEvent(Event{Time: now, Kind: EventFaultError, Subject: b.spec.Name, Text: "halt failed: " + err.Error()})
	} else {
		s.addEvent(Event{Time: now, Kind: EventFaultHalted, Subject: b.spec.Name,
			Text: fmt.Sprintf("%s after %s", why, FormatDuration(lasted.Seconds()))})
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
		s.addEvent(Event{Time: now, Kind: EventInfo, Subject: "all", Text: fmt.Sprintf("%s: %d fault(s) halted", why, n)})
	}
}

// snapshot copies the session's state at now.
func (s *Session) snapshot(now time.Time) Snapshot {
	s.snapSeq++
	win := s.exp.window()
	start := now.Add(-win)
	if start.Before(s.started) {
		start = s.started
	}
	snap := Snapshot{
		Seq: s.snapSeq, Name: s.exp.Name, Description: s.exp.Description,
		Now: now, Started: s.started,
		Assumptions: s.checks.States(),
		Charts:      s.exp.Charts,
		Series:      map[string][]probes.Point{},
		Window:      win,
		WindowStart: start,
	}
	for _, b := range s.blocks {
		st := BlockState{Block: b.spec, Index: b.index, Active: b.active, Since: b.since}
		if b.active {
			st.Intensity = 1
			if b.spec.Duration > 0 {
				st.Remaining = b.spec.Duration - now.Sub(b.since)
			}
		}
		snap.Blocks = append(snap.Blocks, st)
	}
	sort.Slice(snap.Blocks, func(i, j int) bool { return snap.Blocks[i].Index < snap.Blocks[j].Index })
	for _, l := range s.loads {
		smp := l.last
		snap.Loads = append(snap.Loads, LoadState{Name: l.spec.Name, TargetRate: l.gen.TargetRate(),
			SentRate: smp.SentRate, InFlight: smp.InFlight, TotalSent: smp.TotalSent})
	}
	for _, p := range s.probes {
		snap.Probes = append(snap.Probes, ProbeState{Name: p.spec.Name, Healthy: p.healthy, Err: p.err, Since: p.since})
	}
	n := len(s.timeline)
	if n > 100 {
		n = 100
	}
	snap.Timeline = append([]Event(nil), s.timeline[len(s.timeline)-n:]...)
	for _, c := range s.exp.Charts {
		for _, cs := range c.Series {
			if _, ok := snap.Series[cs.Series]; !ok {
				snap.Series[cs.Series] = s.store.Window(cs.Series, start)
			}
		}
	}
	kept := s.windows[:0]
	for _, w := range s.windows {
		if !w.End.IsZero() && w.End.Before(start) {
			continue // out of the chart window: forget it
		}
		kept = append(kept, w)
	}
	s.windows = kept
	snap.FaultWindows = append([]FaultWindow(nil), kept...)
	return snap
}
