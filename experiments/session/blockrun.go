package session

import (
	"context"
	"fmt"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/inject"
)

// Phase is where a block stands on its way on and off.
type Phase string

// Phases of a block.
const (
	PhaseIdle     Phase = "idle"     // off
	PhaseStarting Phase = "starting" // its injector is starting
	PhaseOn       Phase = "on"       // its fault is on
	PhaseHalting  Phase = "halting"  // its injector is stopping
	// PhaseStuck: its last Stop failed or did not answer in time, so the
	// fault may still be on. Halting it again tries again; the state file
	// keeps what `gameday recover` needs.
	PhaseStuck Phase = "stuck"
)

// blockRun is a block as the session runs it. Its fields are the loop's;
// its injector is called by its driver only.
type blockRun struct {
	spec   experiments.Block
	index  int
	drv    *driver
	curve  inject.Curve
	kills  map[string]bool // processes that a kill fault in the block targets
	lasts  time.Duration   // how long it stays on by itself: its duration and sequence (0: until halted)
	clocks bool            // a composite with a clock of its own (a sequence, a child's curve)

	phase Phase
	gen   uint64    // counts the runs: a result of an older run is stale
	asked time.Time // when the current phase was asked for
	by    string    // who asked for it
	since time.Time // when the fault went on (On), or the block went off
	// runCtx is the context of the run's start, updates and ticks (not of
	// its stop); a halt cancels it with errHalted.
	runCtx    context.Context
	cancelRun context.CancelCauseFunc
	why       string // why it is halting
	again     string // who asked for a start while it was halting: it starts once halted
	err       string // the last error of a Start or Stop that failed

	intensity float64  // applied now (or asked of the driver): the curve times manual
	manual    float64  // the operator's setting (+ and -), 1 by default
	edge      *edgeRun // an edge search under way, or nil
	fixed     bool     // its fault has no intensity (experiments.Scalable): + and - and the edge search are refused
	updateErr string   // the last intensity error reported, so as not to repeat it
	// composed is 1 + the block's place among the blocks composed
	// during the game day; 0 for a block of the file.
	composed int
	// outstanding counts the calls posted to the driver whose result has
	// not come back yet.
	outstanding int
}

// post hands o to the block's driver, counting the result to wait for.
func (b *blockRun) post(o op) { b.outstanding += 1 - b.drv.post(o) }

// active reports whether the fault is, or may be, on.
func (b *blockRun) active() bool {
	return b.phase == PhaseOn || b.phase == PhaseHalting || b.phase == PhaseStuck
}

// busy reports whether the block is anything but idle.
func (b *blockRun) busy() bool { return b.phase != PhaseIdle }

// effective is the intensity to apply at now: the curve times the
// operator's setting.
func (b *blockRun) effective(now time.Time) float64 {
	i := b.manual
	if b.curve != nil && b.phase == PhaseOn {
		i *= b.curve.At(now.Sub(b.since))
	} else if b.curve != nil {
		i *= b.curve.At(0)
	}
	return i
}

// op makes a driver call for the block's current run, bounded by the
// injector timeout, under parent (nil: the run's context).
func (b *blockRun) op(kind opKind, now time.Time, by string, parent context.Context) op {
	if parent == nil {
		parent = b.runCtx
	}
	ctx, cancel := context.WithTimeout(parent, b.drv.timeout)
	return op{kind: kind, gen: b.gen, ctx: ctx, cancel: cancel, intensity: b.intensity, at: now, asked: now, by: by, why: b.why}
}

// advancer is a part of a block with a clock of its own (a sequence, a
// child with a curve or a duration). advance runs on the block's driver.
type advancer interface {
	advance(ctx context.Context, now time.Time) (finished bool, events []experiments.Event, err error)
}

// buildBlock builds a block's injector (simple, parallel or sequence) and
// its driver.
func (s *Session) buildBlock(b experiments.Block, index int) (*blockRun, error) {
	br := &blockRun{spec: b, index: index, kills: map[string]bool{}, lasts: b.Duration, intensity: 1, manual: 1,
		phase: PhaseIdle}
	if _, given := s.overrides.injectors[b.Name]; !given { // a host's own injector scales as it will
		br.fixed = !s.exp.Scalable(b)
	}
	for _, st := range b.Sequence {
		br.lasts += st.For
	}
	inj, err := s.blockInjector(b, b.Name, br.kills, map[string]bool{})
	if err != nil {
		return nil, err
	}
	if _, ok := inj.(advancer); ok {
		br.clocks = true
		if g, isGroup := inj.(*group); isGroup {
			br.clocks = g.hasClock()
		}
	}
	if b.Curve != nil {
		if br.curve, err = b.Curve.Build(); err != nil {
			return nil, fmt.Errorf("block %q: %w", b.Name, err)
		}
	}
	br.drv = newDriver(b.Name, inj, s.now, s.injectorTimeout, s.results)
	return br, nil
}

// blockInjector builds b's injector; path names this instance (the
// top-level block, then the children down to b), so that two instances of
// one block record what to revert under keys of their own.
func (s *Session) blockInjector(b experiments.Block, path string, kills, seen map[string]bool) (inject.Injector, error) {
	if inj, ok := s.overrides.injectors[b.Name]; ok {
		return inj, nil
	}
	if seen[b.Name] {
		return nil, fmt.Errorf("block %q: contains itself", b.Name)
	}
	seen[b.Name] = true
	defer delete(seen, b.Name)
	child := func(name string) (inject.Injector, error) {
		i := s.exp.BlockIndex(name)
		if i < 0 {
			return nil, fmt.Errorf("block %q: no block %q", b.Name, name)
		}
		c := s.exp.Blocks[i]
		inj, err := s.blockInjector(c, path+"/"+name, kills, seen)
		if err != nil || (c.Curve == nil && c.Duration == 0) {
			return inj, err
		}
		// A child keeps its own curve and duration, counted from when it
		// starts within the composite.
		ch := &child{inj: inj, dur: c.Duration, now: s.now, outer: 1}
		if c.Curve != nil {
			if ch.curve, err = c.Curve.Build(); err != nil {
				return nil, fmt.Errorf("block %q: %w", c.Name, err)
			}
		}
		return ch, nil
	}
	switch {
	case len(b.Parallel) > 0:
		g := &group{}
		for _, name := range b.Parallel {
			inj, err := child(name)
			if err != nil {
				return nil, err
			}
			g.parts = append(g.parts, inj)
		}
		return g, nil
	case len(b.Sequence) > 0:
		q := &sequence{name: b.Name, now: s.now}
		for _, st := range b.Sequence {
			inj, err := child(st.Block)
			if err != nil {
				return nil, err
			}
			q.steps = append(q.steps, seqStep{name: st.Block, inj: inj, dur: st.For})
		}
		return q, nil
	}
	if b.Fault != nil && b.Fault.Kind == experiments.FaultKill {
		kills[b.Fault.Target] = true
	}
	return s.buildInjector(b, path)
}
