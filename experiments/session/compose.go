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

// The composites below (group, sequence, child) are injectors made of
// injectors. Each belongs to one block and is called by that block's
// driver only, one call at a time, so their fields need no lock.

// group switches several injectors together (a fault and a load change,
// or a parallel block): on in order, off in reverse.
type group struct{ parts []inject.Injector }

func (g *group) Start(ctx context.Context) error {
	for i, p := range g.parts {
		if err := p.Start(ctx); err != nil {
			for j := i - 1; j >= 0; j-- {
				_ = g.parts[j].Stop(context.WithoutCancel(ctx))
			}
			return err
		}
	}
	return nil
}

func (g *group) Update(ctx context.Context, intensity float64) error {
	var errs []error
	for _, p := range g.parts {
		errs = append(errs, p.Update(ctx, intensity))
	}
	return errors.Join(errs...)
}

// Stop stops every part, even after one failed: what can be reverted is.
func (g *group) Stop(ctx context.Context) error {
	var errs []error
	for i := len(g.parts) - 1; i >= 0; i-- {
		errs = append(errs, g.parts[i].Stop(ctx))
	}
	return errors.Join(errs...)
}

// advance drives the clocks inside a parallel group (sequences, children
// with a curve or a duration); the group finishes when every part has
// finished, so a part without an end keeps it on until it is halted.
func (g *group) advance(ctx context.Context, now time.Time) (bool, []experiments.Event, error) {
	var events []experiments.Event
	var errs []error
	finished := 0
	for _, p := range g.parts {
		if a, ok := p.(advancer); ok {
			f, ev, err := a.advance(ctx, now)
			events = append(events, ev...)
			errs = append(errs, err)
			if f {
				finished++
			}
		}
	}
	return finished == len(g.parts), events, errors.Join(errs...)
}

// hasClock reports whether a group has a part with a clock of its own; a
// group without one is not an advancer.
func (g *group) hasClock() bool {
	for _, p := range g.parts {
		if _, ok := p.(advancer); ok {
			return true
		}
	}
	return false
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

// Stop stops every step: this reverts a step that failed half-way too.
func (q *sequence) Stop(ctx context.Context) error {
	var errs []error
	for _, st := range q.steps {
		errs = append(errs, st.inj.Stop(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	q.on = false
	return nil
}

func (q *sequence) advance(ctx context.Context, now time.Time) (bool, []experiments.Event, error) {
	if !q.on || q.cur >= len(q.steps) {
		return !q.on, nil, nil
	}
	st := q.steps[q.cur]
	if a, ok := st.inj.(advancer); ok {
		if _, _, err := a.advance(ctx, now); err != nil {
			return false, nil, err
		}
	}
	if now.Sub(q.stepSince) < st.dur {
		return false, nil, nil
	}
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
	if err := c.inj.Stop(ctx); err != nil {
		return err
	}
	c.on = false
	return nil
}

func (c *child) advance(ctx context.Context, now time.Time) (bool, []experiments.Event, error) {
	if !c.on {
		return true, nil, nil
	}
	if c.dur > 0 && now.Sub(c.since) >= c.dur {
		if err := c.inj.Stop(ctx); err != nil {
			return false, nil, err
		}
		c.on = false
		return true, nil, nil
	}
	var err error
	if i := c.level(now); math.Abs(i-c.applied) >= 0.005 {
		c.applied, err = i, c.inj.Update(ctx, i)
	}
	if a, ok := c.inj.(advancer); ok {
		f, ev, aerr := a.advance(ctx, now)
		return f, ev, errors.Join(err, aerr)
	}
	return false, nil, err
}
