package session

import (
	"context"
	"fmt"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// end halts every fault, all at once, and waits for their stops, each at
// most the injector timeout, while it goes on publishing snapshots, so
// that whoever watches (a cockpit, a terminal) can say which fault it
// waits for. A block whose stop did not come back in time is marked
// stuck: the state file keeps what `gameday recover` needs, and the final
// snapshot says so. If the session's own state is broken (a panic in
// end), end falls back to asking every driver to stop, without the
// bookkeeping.
func (s *Session) end() {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic while halting at the end: halting every block directly", "panic", fmt.Sprint(r))
			s.stopAllBare()
		}
	}()
	s.ending = true
	s.haltAll(s.now(), BySession, "session ended")
	giveUp := time.NewTimer(s.injectorTimeout + time.Second)
	defer giveUp.Stop()
	tick := time.NewTicker(s.exp.SamplingInterval())
	defer tick.Stop()
	for s.waiting() || s.composed.writing {
		select {
		case f := <-s.async: // a write of composed blocks under way
			f()
		case r := <-s.results:
			s.onResult(r)
			s.publish(s.snapshot(s.now()))
		case c := <-s.cmds:
			if c.Kind == CmdNote {
				s.handle(c)
			}
		case e := <-s.events:
			s.handle(Command{Kind: CmdEvent, Event: e})
		case <-tick.C:
			s.publish(s.snapshot(s.now()))
		case <-giveUp.C:
			s.giveUp()
			return
		}
	}
}

// waiting reports whether a block is still starting or halting.
func (s *Session) waiting() bool {
	for _, b := range s.blocks {
		if b.phase == PhaseStarting || b.phase == PhaseHalting {
			return true
		}
	}
	return false
}

// giveUp marks the blocks whose stop did not come back in time as stuck.
func (s *Session) giveUp() {
	now := s.now()
	for _, b := range s.blocks {
		if b.phase != PhaseStarting && b.phase != PhaseHalting {
			continue
		}
		s.settleHaltAll(b.spec.Name, false)
		b.phase, b.err = PhaseStuck, "no answer within "+experiments.FormatDuration(s.injectorTimeout.Seconds())
		s.addEvent(experiments.Event{Time: now, Asked: b.asked, Kind: experiments.EventFaultError, Subject: b.spec.Name,
			By: BySession, Text: "halt did not finish within " + experiments.FormatDuration(s.injectorTimeout.Seconds()) +
				": it may still be on; `gameday recover` reverts what gameday recorded"})
	}
}

// stopAllBare asks every block's driver to stop, and waits for the
// answers (at most the injector timeout), touching nothing else of the
// session.
func (s *Session) stopAllBare() {
	for _, b := range s.blocks {
		ctx, cancel := context.WithTimeout(context.Background(), s.injectorTimeout)
		b.drv.post(op{kind: opStop, ctx: ctx, cancel: cancel, asked: time.Now(), by: BySession}) // no bookkeeping here
	}
	giveUp := time.After(s.injectorTimeout + time.Second)
	for n := len(s.blocks); n > 0; {
		select {
		case r := <-s.results:
			if r.op.kind == opStop {
				n--
			}
		case <-giveUp:
			return
		}
	}
}
