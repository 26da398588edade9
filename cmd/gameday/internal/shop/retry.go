package shop

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff with full jitter: before retry n (n >= 1)
// a caller waits a uniformly random time in [0, min(Max, Base·2^(n-1))].
type Backoff struct {
	Base time.Duration // ceiling before the first retry
	Max  time.Duration // cap on the ceiling; 0 means no cap
}

// Ceiling returns the longest wait before retry n.
func (b Backoff) Ceiling(retry int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	c := b.Base
	for i := 1; i < retry; i++ {
		if b.Max > 0 && c >= b.Max || c > time.Hour {
			break
		}
		c *= 2
	}
	if b.Max > 0 {
		c = min(c, b.Max)
	}
	return c
}

// Delay returns a random wait before retry n, within [0, Ceiling(n)].
func (b Backoff) Delay(retry int) time.Duration {
	c := b.Ceiling(retry)
	if c <= 0 {
		return 0
	}
	return rand.N(c + 1)
}

// RetryPolicy says how often and for how long to try a call.
type RetryPolicy struct {
	Attempts       int           // tries in all, the first included; < 1 means 1
	AttemptTimeout time.Duration // deadline of each try; 0 means none
	Budget         time.Duration // deadline of all tries and waits together; 0 means none
	Backoff        Backoff       // wait between tries
}

// minTry is the least time worth giving a try: Do does not start a retry
// that the budget would cut shorter than this.
const minTry = 10 * time.Millisecond

// Do calls try until it returns nil or a Permanent error, the attempts are
// used up, ctx is done, or the budget has too little left for another try.
// It passes try a context carrying the deadlines and the attempt number
// (from 1), and returns try's last error, unwrapped from Permanent.
func (p RetryPolicy) Do(ctx context.Context, try func(ctx context.Context, attempt int) error) error {
	if p.Budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Budget)
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		err := p.try(ctx, attempt, try)
		if err == nil {
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if attempt >= p.Attempts || ctx.Err() != nil {
			return err
		}
		wait := p.Backoff.Delay(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait+minTry {
			return err
		}
		if sleep(ctx, wait) != nil {
			return err
		}
	}
}

func (p RetryPolicy) try(ctx context.Context, attempt int, try func(context.Context, int) error) error {
	if p.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.AttemptTimeout)
		defer cancel()
	}
	return try(ctx, attempt)
}

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
