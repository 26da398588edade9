package shop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

func TestBackoffCeiling(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		b     shop.Backoff
		retry int
		want  time.Duration
	}{
		{shop.Backoff{Base: 10 * ms, Max: 100 * ms}, 1, 10 * ms},
		{shop.Backoff{Base: 10 * ms, Max: 100 * ms}, 2, 20 * ms},
		{shop.Backoff{Base: 10 * ms, Max: 100 * ms}, 4, 80 * ms},
		{shop.Backoff{Base: 10 * ms, Max: 100 * ms}, 5, 100 * ms},
		{shop.Backoff{Base: 10 * ms, Max: 100 * ms}, 1000, 100 * ms},
		{shop.Backoff{Base: 10 * ms}, 4, 80 * ms},
		{shop.Backoff{}, 3, 0},
	} {
		if got := tc.b.Ceiling(tc.retry); got != tc.want {
			t.Errorf("%+v.Ceiling(%d) = %v, want %v", tc.b, tc.retry, got, tc.want)
		}
	}
	if got := (shop.Backoff{Base: time.Second}).Ceiling(200); got <= 0 {
		t.Errorf("uncapped Ceiling(200) = %v: overflowed", got)
	}
}

// Full jitter: delays spread over the whole of [0, ceiling].
func TestBackoffDelayWithinBounds(t *testing.T) {
	b := shop.Backoff{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	for retry := 1; retry <= 6; retry++ {
		ceiling := b.Ceiling(retry)
		low, high := 0, 0
		for range 500 {
			d := b.Delay(retry)
			if d < 0 || d > ceiling {
				t.Fatalf("Delay(%d) = %v, want within [0, %v]", retry, d, ceiling)
			}
			if d < ceiling/4 {
				low++
			}
			if d > ceiling*3/4 {
				high++
			}
		}
		if low == 0 || high == 0 {
			t.Errorf("Delay(%d): %d of 500 below a quarter of the ceiling, %d above three quarters; want spread", retry, low, high)
		}
	}
}

var errFlaky = errors.New("flaky")

func TestRetryPolicyDo(t *testing.T) {
	quick := shop.Backoff{Base: time.Millisecond}
	for _, tc := range []struct {
		name      string
		attempts  int
		failFirst int   // tries that fail before one succeeds
		failWith  error // the error of a failed try
		wantTries int
		wantErr   error
	}{
		{"succeeds at once", 3, 0, errFlaky, 1, nil},
		{"succeeds on the third try", 3, 2, errFlaky, 3, nil},
		{"attempts used up", 3, 10, errFlaky, 3, errFlaky},
		{"no retries", 1, 10, errFlaky, 1, errFlaky},
		{"zero attempts means one", 0, 10, errFlaky, 1, errFlaky},
		{"permanent error", 3, 10, shop.Permanent(errFlaky), 1, errFlaky},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := shop.RetryPolicy{Attempts: tc.attempts, Backoff: quick}
			tries := 0
			err := p.Do(context.Background(), func(_ context.Context, attempt int) error {
				tries++
				if attempt != tries {
					t.Errorf("attempt %d on try %d", attempt, tries)
				}
				if tries <= tc.failFirst {
					return tc.failWith
				}
				return nil
			})
			if tries != tc.wantTries {
				t.Errorf("tries = %d, want %d", tries, tc.wantTries)
			}
			if err != tc.wantErr { // a Permanent error comes back unwrapped
				t.Errorf("Do = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// hang blocks until the try's context is done.
func hang(ctx context.Context, _ int) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestRetryPolicyAttemptTimeout(t *testing.T) {
	p := shop.RetryPolicy{Attempts: 2, AttemptTimeout: 20 * time.Millisecond, Backoff: shop.Backoff{Base: time.Millisecond}}
	tries := 0
	err := p.Do(context.Background(), func(ctx context.Context, n int) error {
		tries++
		if _, ok := ctx.Deadline(); !ok {
			t.Error("try's context has no deadline")
		}
		return hang(ctx, n)
	})
	if tries != 2 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do = %v after %d tries, want DeadlineExceeded after 2", err, tries)
	}
}

// The budget bounds all tries together: with 50 ms tries in a 120 ms
// budget, a third try gets only what is left and there is no fourth.
func TestRetryPolicyBudget(t *testing.T) {
	p := shop.RetryPolicy{
		Attempts: 100, AttemptTimeout: 50 * time.Millisecond, Budget: 120 * time.Millisecond,
		Backoff: shop.Backoff{Base: time.Millisecond},
	}
	tries := 0
	begin := time.Now()
	err := p.Do(context.Background(), func(ctx context.Context, n int) error {
		tries++
		return hang(ctx, n)
	})
	took := time.Since(begin)
	if tries < 2 || tries > 3 {
		t.Errorf("tries = %d, want 2 or 3", tries)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do = %v, want DeadlineExceeded", err)
	}
	if took > 2*time.Second {
		t.Errorf("Do took %v, want about the 120 ms budget", took)
	}
}

// Cancelling the caller's context ends the wait between tries.
func TestRetryPolicyStopsWhenCancelled(t *testing.T) {
	p := shop.RetryPolicy{Attempts: 5, Backoff: shop.Backoff{Base: time.Hour, Max: time.Hour}}
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	done := make(chan error, 1)
	go func() {
		done <- p.Do(ctx, func(context.Context, int) error {
			tries++
			return errFlaky
		})
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, errFlaky) || tries != 1 {
			t.Errorf("Do = %v after %d tries, want errFlaky after 1", err, tries)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Do kept waiting after its context was cancelled")
	}
}
