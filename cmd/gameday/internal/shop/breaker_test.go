package shop_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// call makes one call through b with result r; it fails the test when b
// rejects the call.
func call(t *testing.T, b *shop.Breaker, r shop.CallResult) {
	t.Helper()
	done, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow in state %v: %v", b.State(), err)
	}
	done(r)
}

func calls(t *testing.T, b *shop.Breaker, pattern string) {
	t.Helper()
	for _, c := range pattern {
		switch c {
		case 'S':
			call(t, b, shop.CallSucceeded)
		case 'F':
			call(t, b, shop.CallFailed)
		}
	}
}

func wantState(t *testing.T, b *shop.Breaker, want shop.BreakerState) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("state = %v, want %v", got, want)
	}
}

func wantRejected(t *testing.T, b *shop.Breaker) {
	t.Helper()
	if done, err := b.Allow(); !errors.Is(err, shop.ErrBreakerOpen) {
		if done != nil {
			done(shop.CallAbandoned)
		}
		t.Fatalf("Allow in state %v = %v, want ErrBreakerOpen", b.State(), err)
	}
}

func TestBreakerOpensOnConsecutiveFailures(t *testing.T) {
	clock := newFakeClock()
	b := shop.NewBreaker(shop.BreakerConfig{
		Window: 100, MinCalls: 100, ConsecutiveFailures: 3, CoolDown: time.Second, Now: clock.Now,
	})
	calls(t, b, "FFSFF") // a success breaks the run
	wantState(t, b, shop.BreakerClosed)
	calls(t, b, "F")
	wantState(t, b, shop.BreakerOpen)
	wantRejected(t, b)
	if got := b.Wait(); got != time.Second {
		t.Errorf("Wait = %v just after opening, want the 1s cool-down", got)
	}
	clock.Advance(400 * time.Millisecond)
	if got := b.Wait(); got != 600*time.Millisecond {
		t.Errorf("Wait = %v, want 600ms", got)
	}
	wantRejected(t, b)
}

func TestBreakerOpensOnFailureRatio(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pattern string
		want    shop.BreakerState
	}{
		{"below the minimum of calls", "SFSFSFSF", shop.BreakerClosed},
		{"half of ten fail", "SFSFSFSFSF", shop.BreakerOpen},
		{"four of ten fail, again and again", "SSFSFSSFSF" + "SSFSFSSFSF" + "SSFSFSSFSF", shop.BreakerClosed},
		{"old failures slide out of the window", "FFFFSSSSSSSSSSSSSSSS" + "FFFF", shop.BreakerClosed},
		{"recent failures fill the window", "FFFFSSSSSSSSSSSSSSSS" + "FFFFF", shop.BreakerOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := shop.NewBreaker(shop.BreakerConfig{Window: 10, MinCalls: 10, FailureRatio: 0.5, Now: newFakeClock().Now})
			calls(t, b, tc.pattern)
			wantState(t, b, tc.want)
		})
	}
}

func TestBreakerHalfOpen(t *testing.T) {
	for _, tc := range []struct {
		name  string
		probe shop.CallResult
		want  shop.BreakerState
	}{
		{"probe succeeds", shop.CallSucceeded, shop.BreakerClosed},
		{"probe fails", shop.CallFailed, shop.BreakerOpen},
		{"probe abandoned", shop.CallAbandoned, shop.BreakerHalfOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			b := shop.NewBreaker(shop.BreakerConfig{ConsecutiveFailures: 2, CoolDown: 5 * time.Second, Now: clock.Now})
			calls(t, b, "FF")
			wantState(t, b, shop.BreakerOpen)
			clock.Advance(5*time.Second - time.Millisecond)
			wantRejected(t, b)
			clock.Advance(time.Millisecond)
			wantState(t, b, shop.BreakerHalfOpen)
			if got := b.Wait(); got != 0 {
				t.Errorf("Wait = %v when a probe may go, want 0", got)
			}

			probe, err := b.Allow()
			if err != nil {
				t.Fatalf("probe: %v", err)
			}
			wantRejected(t, b) // one probe at a time
			if got := b.Wait(); got <= 0 {
				t.Errorf("Wait = %v while the probe is in flight, want > 0", got)
			}
			probe(tc.probe)
			wantState(t, b, tc.want)

			switch tc.want {
			case shop.BreakerClosed: // a fresh window: one failure does not reopen it
				calls(t, b, "FSF")
				wantState(t, b, shop.BreakerClosed)
			case shop.BreakerOpen: // a full cool-down again
				if got := b.Wait(); got != 5*time.Second {
					t.Errorf("Wait = %v after a failed probe, want 5s", got)
				}
				wantRejected(t, b)
			case shop.BreakerHalfOpen: // the next caller probes
				calls(t, b, "S")
				wantState(t, b, shop.BreakerClosed)
			}
		})
	}
}

func TestBreakerIgnoresStaleAndRepeatedResults(t *testing.T) {
	clock := newFakeClock()
	b := shop.NewBreaker(shop.BreakerConfig{ConsecutiveFailures: 2, CoolDown: time.Second, Now: clock.Now})

	f, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	f(shop.CallFailed)
	f(shop.CallFailed) // repeated: counted once
	wantState(t, b, shop.BreakerClosed)

	slow, err := b.Allow() // started while closed, finishes after a transition
	if err != nil {
		t.Fatal(err)
	}
	calls(t, b, "F")
	wantState(t, b, shop.BreakerOpen)
	clock.Advance(time.Second)
	wantState(t, b, shop.BreakerHalfOpen)
	slow(shop.CallSucceeded) // stale: must not close the breaker
	wantState(t, b, shop.BreakerHalfOpen)
}

func TestBreakerReportsTransitions(t *testing.T) {
	clock := newFakeClock()
	var mu sync.Mutex
	var got []string
	b := shop.NewBreaker(shop.BreakerConfig{
		ConsecutiveFailures: 1, CoolDown: time.Second, Now: clock.Now,
		OnStateChange: func(from, to shop.BreakerState) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, from.String()+">"+to.String())
		},
	})
	calls(t, b, "F")
	clock.Advance(time.Second)
	calls(t, b, "F")
	clock.Advance(time.Second)
	calls(t, b, "S")
	want := []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("transitions = %v, want %v", got, want)
	}
}

// Many goroutines at once; run with -race.
func TestBreakerConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	b := shop.NewBreaker(shop.BreakerConfig{Window: 20, ConsecutiveFailures: 5, CoolDown: time.Millisecond, Now: clock.Now})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				clock.Advance(time.Microsecond * 50)
				done, err := b.Allow()
				if err != nil {
					_ = b.Wait()
					continue
				}
				done(shop.CallResult(rand.IntN(3)))
			}
		})
	}
	wg.Wait()
	if s := b.State(); s.String() == "unknown" {
		t.Errorf("state %d after concurrent use", s)
	}
}
