package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/inject"
)

// enginePoll is how often the status of a fault an engine injects
// (a Chaos Mesh object) is read while it is on.
const enginePoll = time.Second

// engineFault is a fault that an engine in the cluster injects: the
// session reads what the engine says of it while it is on, shows it with
// the block (BlockState.Engine) and puts each change in the timeline.
type engineFault struct {
	*inject.ChaosInjector
	block  string
	s      *Session
	status atomic.Pointer[string]

	mu     sync.Mutex
	cancel context.CancelFunc // the poller's, while one runs
}

func (s *Session) engineFault(block string, x *inject.ChaosInjector) *engineFault {
	e := &engineFault{ChaosInjector: x, block: block, s: s}
	s.engines.Store(block, e)
	return e
}

// Start starts the fault and, once it is on, the poller.
func (e *engineFault) Start(ctx context.Context) error {
	if err := e.ChaosInjector.Start(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel == nil {
		pctx, cancel := context.WithCancel(context.Background())
		e.cancel = cancel
		go e.poll(pctx)
	}
	return nil
}

// Stop stops the fault; once it is gone, the poller ends too.
func (e *engineFault) Stop(ctx context.Context) error {
	if err := e.ChaosInjector.Stop(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		e.cancel()
		e.cancel = nil
	}
	e.status.Store(nil)
	return nil
}

// poll reads the status until ctx ends or the session does, and reports
// each change.
func (e *engineFault) poll(ctx context.Context) {
	t := time.NewTicker(enginePoll)
	defer t.Stop()
	last := ""
	for {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := e.Status(rctx)
		cancel()
		text := "Chaos Mesh: " + st.String()
		if err != nil {
			text = "Chaos Mesh: status unknown: " + err.Error()
		}
		e.mu.Lock()
		if ctx.Err() != nil { // stopped meanwhile: what it said is over
			e.mu.Unlock()
			return
		}
		e.status.Store(&text)
		e.mu.Unlock()
		if text != last {
			last = text
			kind := experiments.EventInfo
			if err != nil || (st.Selected && st.Pods == 0 && !st.Deleting) {
				kind = experiments.EventError // the fault acts on nothing, or nobody knows
			}
			e.s.Do(Command{Kind: CmdEvent, Event: experiments.Event{Kind: kind, Subject: e.block, Text: text}})
		}
		select {
		case <-ctx.Done():
			return
		case <-e.s.done:
			return
		case <-t.C:
		}
	}
}

// engineStatus is what the engine last said of block's fault, "" when
// nothing (no engine, or the fault is off).
func (s *Session) engineStatus(block string) string {
	v, ok := s.engines.Load(block)
	if !ok {
		return ""
	}
	if p := v.(*engineFault).status.Load(); p != nil {
		return *p
	}
	return ""
}
