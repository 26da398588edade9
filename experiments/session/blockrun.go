package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/inject"
)

// blockRun is a block as the session runs it.
type blockRun struct {
	spec      experiments.Block
	index     int
	inj       inject.Injector
	curve     inject.Curve
	kills     map[string]bool // processes that a kill fault in the block targets
	lasts     time.Duration   // how long it stays on by itself: its duration and sequence (0: until halted)
	active    bool
	since     time.Time
	intensity float64 // applied now: the curve's value times manual
	manual    float64 // the operator's setting (+ and -), 1 by default
}

// advancer is a part of a block with a clock of its own (a sequence).
type advancer interface {
	advance(now time.Time) (finished bool, events []experiments.Event, err error)
}

// buildBlock builds a block's injector: simple, parallel or sequence.
func (s *Session) buildBlock(b experiments.Block, index int) (*blockRun, error) {
	br := &blockRun{spec: b, index: index, kills: map[string]bool{}, lasts: b.Duration, intensity: 1, manual: 1}
	for _, st := range b.Sequence {
		br.lasts += st.For
	}
	inj, err := s.blockInjector(b, b.Name, br.kills, map[string]bool{})
	if err != nil {
		return nil, err
	}
	br.inj = inj
	if b.Curve != nil {
		if br.curve, err = b.Curve.Build(); err != nil {
			return nil, fmt.Errorf("block %q: %w", b.Name, err)
		}
	}
	return br, nil
}

// blockInjector builds b's injector; path names this instance (the
// top-level block, then the children down to b), so that two instances of
// one block record what to revert under keys of their own.
func (s *Session) blockInjector(b experiments.Block, path string, kills, seen map[string]bool) (inject.Injector, error) {
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

// effective is the intensity to apply at now: the curve times the
// operator's setting.
func (b *blockRun) effective(now time.Time) float64 {
	i := b.manual
	if b.curve != nil {
		i *= b.curve.At(now.Sub(b.since))
	}
	return i
}

// start switches the block on, at its curve's first intensity.
func (b *blockRun) start(ctx context.Context, now time.Time) error {
	b.manual = 1
	if err := b.inj.Start(ctx); err != nil {
		return err
	}
	// Always set the intensity: an injector keeps the one of its last run
	// (an operator's 50 %), which must not carry over.
	b.intensity = b.effective(now)
	return b.inj.Update(ctx, b.intensity)
}

// advance drives the block's curve and sequences at now.
func (b *blockRun) advance(now time.Time) (bool, []experiments.Event, error) {
	var errs []error
	if b.curve != nil {
		i := b.effective(now)
		if math.Abs(i-b.intensity) >= 0.005 {
			b.intensity = i
			errs = append(errs, b.inj.Update(context.TODO(), i))
		}
	}
	var finished bool
	var events []experiments.Event
	if a, ok := b.inj.(advancer); ok {
		f, ev, err := a.advance(now)
		finished, events = f, ev
		errs = append(errs, err)
	}
	return finished, events, errors.Join(errs...)
}

// sequence runs its steps one after another.
type sequence struct {
	name      string
	now       func() time.Time
	steps     []seqStep
	cur       int
	stepSince time.Time
	on        bool
	intensity float64 // the last Update, given to each step as it starts
}

type seqStep struct {
	name string
	inj  inject.Injector
	dur  time.Duration
}

func (q *sequence) Start(ctx context.Context) error {
	q.cur, q.stepSince, q.on, q.intensity = 0, q.now(), true, 1
	if err := q.steps[0].inj.Start(ctx); err != nil {
		return err
	}
	return q.steps[0].inj.Update(ctx, q.intensity)
}

func (q *sequence) Update(ctx context.Context, i float64) error {
	q.intensity = i
	if !q.on || q.cur >= len(q.steps) {
		return nil
	}
	return q.steps[q.cur].inj.Update(ctx, i)
}

func (q *sequence) Stop(ctx context.Context) error {
	var errs []error
	// Stop every step: Stop is idempotent, and this reverts a step that
	// failed half-way too.
	for _, st := range q.steps {
		errs = append(errs, st.inj.Stop(ctx))
	}
	q.on = false
	return errors.Join(errs...)
}

func (q *sequence) advance(now time.Time) (bool, []experiments.Event, error) {
	if !q.on || q.cur >= len(q.steps) {
		return !q.on, nil, nil
	}
	st := q.steps[q.cur]
	if a, ok := st.inj.(advancer); ok {
		if _, _, err := a.advance(now); err != nil {
			return false, nil, err
		}
	}
	if now.Sub(q.stepSince) < st.dur {
		return false, nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := st.inj.Stop(ctx); err != nil {
		return false, nil, fmt.Errorf("step %s: %w", st.name, err)
	}
	q.cur++
	if q.cur == len(q.steps) {
		q.on = false
		return true, nil, nil
	}
	q.stepSince = now
	next := q.steps[q.cur]
	ev := experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: q.name,
		Text: fmt.Sprintf("step %d of %d: %s for %s", q.cur+1, len(q.steps), next.name, experiments.FormatDuration(next.dur.Seconds()))}
	if err := next.inj.Start(ctx); err != nil {
		return false, []experiments.Event{ev}, fmt.Errorf("step %s could not start: %w", next.name, err)
	}
	if err := next.inj.Update(ctx, q.intensity); err != nil {
		return false, []experiments.Event{ev}, fmt.Errorf("step %s: %w", next.name, err)
	}
	return false, []experiments.Event{ev}, nil
}

// group's advance drives the clocks inside a parallel group (sequences,
// children with a curve or a duration); the group finishes when every part
// has finished, so a part without an end keeps it on until it is halted.
func (g *group) advance(now time.Time) (bool, []experiments.Event, error) {
	var events []experiments.Event
	var errs []error
	finished := 0
	for _, p := range g.parts {
		if a, ok := p.(advancer); ok {
			f, ev, err := a.advance(now)
			events = append(events, ev...)
			errs = append(errs, err)
			if f {
				finished++
			}
		}
	}
	return finished == len(g.parts), events, errors.Join(errs...)
}

// child is a block inside a composite with a curve or a duration of its
// own: its intensity is its curve's times the composite's, and it stops by
// itself once its duration has run, while the composite goes on.
type child struct {
	inj     inject.Injector
	curve   inject.Curve
	dur     time.Duration
	now     func() time.Time
	since   time.Time
	outer   float64 // the composite's intensity
	applied float64
	on      bool
}

func (c *child) level(now time.Time) float64 {
	i := c.outer
	if c.curve != nil {
		i *= c.curve.At(now.Sub(c.since))
	}
	return i
}

func (c *child) Start(ctx context.Context) error {
	c.since, c.on = c.now(), true
	if err := c.inj.Start(ctx); err != nil {
		return err
	}
	c.applied = c.level(c.since)
	return c.inj.Update(ctx, c.applied)
}

func (c *child) Update(ctx context.Context, i float64) error {
	c.outer = i
	if !c.on {
		return nil
	}
	c.applied = c.level(c.now())
	return c.inj.Update(ctx, c.applied)
}

func (c *child) Stop(ctx context.Context) error {
	c.on = false
	return c.inj.Stop(ctx)
}

func (c *child) advance(now time.Time) (bool, []experiments.Event, error) {
	if !c.on {
		return true, nil, nil
	}
	if c.dur > 0 && now.Sub(c.since) >= c.dur {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		c.on = false
		return true, nil, c.inj.Stop(ctx)
	}
	var err error
	if i := c.level(now); math.Abs(i-c.applied) >= 0.005 {
		c.applied, err = i, c.inj.Update(context.TODO(), i)
	}
	if a, ok := c.inj.(advancer); ok {
		f, ev, aerr := a.advance(now)
		return f, ev, errors.Join(err, aerr)
	}
	return false, nil, err
}
