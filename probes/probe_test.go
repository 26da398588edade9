package probes_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// fakeProbe answers with sample, counting its calls.
type fakeProbe struct {
	calls  atomic.Int64
	sample func(ctx context.Context, call int64) (float64, error)
}

func (p *fakeProbe) Name() string { return "fake" }

func (p *fakeProbe) Sample(ctx context.Context) (float64, error) {
	return p.sample(ctx, p.calls.Add(1))
}

var _ probes.Probe = (*fakeProbe)(nil)

// runPoller runs a poller in the background until the test ends.
func runPoller(t *testing.T, p *probes.Poller) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Poller.Run did not return after its context was cancelled")
		}
	})
}

func TestPollerLatestUpdates(t *testing.T) {
	probe := &fakeProbe{sample: func(_ context.Context, call int64) (float64, error) { return float64(call), nil }}
	p := probes.NewPoller(probe, 10*time.Millisecond, time.Second)
	if p.Probe() != probe {
		t.Error("Probe() is not the probe polled")
	}
	if _, ok := p.Latest(); ok {
		t.Error("Latest reported a reading before Run")
	}
	runPoller(t, p)

	var r probes.Reading
	if !waitFor(5*time.Second, func() bool { r, _ = p.Latest(); return r.Value >= 3 }) {
		t.Fatalf("Latest = %+v after 5 s of polling every 10 ms, want value ≥ 3", r)
	}
	if r.Err != nil || r.At.IsZero() || r.Took < 0 {
		t.Errorf("Latest = %+v, want no error, a time and a duration", r)
	}
}

func TestPollerFailingProbe(t *testing.T) {
	boom := errors.New("boom")
	probe := &fakeProbe{sample: func(context.Context, int64) (float64, error) { return 0, boom }}
	p := probes.NewPoller(probe, 10*time.Millisecond, time.Second)
	runPoller(t, p)

	var r probes.Reading
	if !waitFor(5*time.Second, func() bool { var ok bool; r, ok = p.Latest(); return ok }) {
		t.Fatal("no reading after 5 s")
	}
	if !errors.Is(r.Err, boom) {
		t.Errorf("Latest().Err = %v, want %v", r.Err, boom)
	}
}

// TestPollerSlowProbe: a sample in progress never blocks Latest.
func TestPollerSlowProbe(t *testing.T) {
	release := make(chan struct{})
	probe := &fakeProbe{sample: func(ctx context.Context, _ int64) (float64, error) {
		select {
		case <-release:
			return 42, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}}
	p := probes.NewPoller(probe, 10*time.Millisecond, time.Minute)
	runPoller(t, p)

	if !waitFor(5*time.Second, func() bool { return probe.calls.Load() > 0 }) {
		t.Fatal("the poller did not sample within 5 s")
	}
	latest := make(chan bool, 1)
	go func() { _, ok := p.Latest(); latest <- ok }()
	select {
	case ok := <-latest:
		if ok {
			t.Error("Latest reported a reading while the first sample hangs")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Latest blocked while the probe was sampling")
	}
	close(release)
	var r probes.Reading
	if !waitFor(5*time.Second, func() bool { var ok bool; r, ok = p.Latest(); return ok }) {
		t.Fatal("no reading 5 s after the sample was let go")
	}
	if r.Value != 42 || r.Err != nil {
		t.Errorf("reading %+v, want 42", r)
	}
}

// TestPollerTimeout: a sample that outlasts the timeout is cut short and
// its reading carries the deadline error.
func TestPollerTimeout(t *testing.T) {
	probe := &fakeProbe{sample: func(ctx context.Context, _ int64) (float64, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}}
	p := probes.NewPoller(probe, 10*time.Millisecond, 100*time.Millisecond)
	runPoller(t, p)

	var r probes.Reading
	if !waitFor(10*time.Second, func() bool { var ok bool; r, ok = p.Latest(); return ok }) {
		t.Fatal("no reading 10 s after a sample with a 100 ms timeout")
	}
	if !errors.Is(r.Err, context.DeadlineExceeded) || r.Took < 100*time.Millisecond {
		t.Errorf("reading %+v, want a deadline error after at least 100 ms", r)
	}
}
