package session_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// manualClock is a session.Clock that moves only when the test says.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*manualTicker
}

type manualTicker struct {
	c    chan time.Time
	d    time.Duration
	next time.Time
	stop chan struct{}
	once sync.Once
}

func (t *manualTicker) C() <-chan time.Time { return t.c }
func (t *manualTicker) Stop()               { t.once.Do(func() { close(t.stop) }) }

var simStart = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func newManualClock() *manualClock { return &manualClock{now: simStart} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) NewTicker(d time.Duration) session.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTicker{c: make(chan time.Time), d: d, next: c.now.Add(d), stop: make(chan struct{})}
	c.tickers = append(c.tickers, t)
	return t
}

// advance moves the time to the next tick of the session's ticker and
// hands that tick over; false if the ticker was stopped (the session
// ended).
func (c *manualClock) advance() bool {
	c.mu.Lock()
	if len(c.tickers) == 0 {
		c.mu.Unlock()
		return false
	}
	t := c.tickers[0]
	at := t.next
	c.now, t.next = at, at.Add(t.d)
	c.mu.Unlock()
	select {
	case t.c <- at:
		return true
	case <-t.stop:
		return false
	}
}

// sim is a session on a manual clock: every step is one interval, judged
// the same way every run.
type sim struct {
	t    *testing.T
	clk  *manualClock
	sess *session.Session
	sink *simSink
	errc chan error
	last session.Snapshot
}

// simSink hears every event and every interval's snapshot, in order.
type simSink struct {
	samples chan session.Snapshot
	mu      sync.Mutex
	events  []experiments.Event
	final   *session.Snapshot
}

func (k *simSink) Begin(*experiments.Experiment, time.Time) {}
func (k *simSink) Sample(s *session.Snapshot)               { k.samples <- *s }
func (k *simSink) Event(e experiments.Event) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.events = append(k.events, e)
}
func (k *simSink) End(s *session.Snapshot) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f := *s
	k.final = &f
}

const simInterval = 250 * time.Millisecond

// newSim builds and runs exp's session on a manual clock, with its
// schedule when schedule is set.
func newSim(t *testing.T, exp *experiments.Experiment, schedule bool, opts ...session.Option) *sim {
	t.Helper()
	if exp.Interval == 0 {
		exp.Interval = simInterval
	}
	clk := newManualClock()
	sink := &simSink{samples: make(chan session.Snapshot, 100000)}
	opts = append([]session.Option{session.WithClock(clk), session.WithInjectorTimeout(2 * time.Second),
		session.WithSink(sink)}, opts...)
	if schedule {
		opts = append(opts, session.WithSchedule(exp.Schedule))
	}
	sess, err := session.NewSession(exp, session.Env{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{t: t, clk: clk, sess: sess, sink: sink, errc: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.errc <- sess.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sess.Done():
		case <-time.After(10 * time.Second):
			t.Error("the session did not end within 10 s of its cancel")
		}
	})
	// Wait for the loop to make its ticker.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.clk.mu.Lock()
		n := len(s.clk.tickers)
		s.clk.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the session made no ticker")
		}
	}
	return s
}

// take reads published snapshots until one satisfies cond (or the
// session ends); it fails the test after 5 s of real time.
func (s *sim) take(what string, cond func(*session.Snapshot) bool) bool {
	s.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case snap, ok := <-s.sess.Snapshots():
			if !ok {
				return false
			}
			s.last = snap
			if cond(&snap) {
				return true
			}
		case <-deadline:
			s.t.Fatalf("waiting for %s: no such snapshot in 5 s; last: %+v", what, s.last.Blocks)
		}
	}
}

// settled: no injector call is under way.
func settled(snap *session.Snapshot) bool {
	for _, b := range snap.Blocks {
		if b.Busy {
			return false
		}
	}
	return true
}

// step moves one interval on, and returns once the session has judged
// it and every start and stop it asked for has come back.
func (s *sim) step() session.Snapshot {
	s.t.Helper()
	if !s.clk.advance() {
		s.t.Fatal("step: the session has ended")
	}
	var tick session.Snapshot
	select {
	case tick = <-s.sink.samples:
	case <-time.After(5 * time.Second):
		s.t.Fatal("step: no sample of the interval in 5 s")
	}
	s.last = tick
	if !settled(&tick) {
		s.take("the injectors of the tick", func(snap *session.Snapshot) bool { return snap.Seq > tick.Seq && settled(snap) })
	}
	return s.last
}

// run steps n intervals.
func (s *sim) run(n int) session.Snapshot {
	s.t.Helper()
	for range n {
		s.step()
	}
	return s.last
}

// until steps until cond holds, at most max steps.
func (s *sim) until(max int, what string, cond func(*session.Snapshot) bool) session.Snapshot {
	s.t.Helper()
	for range max {
		if snap := s.step(); cond(&snap) {
			return snap
		}
	}
	s.t.Fatalf("%s: not within %d steps; blocks %+v", what, max, s.last.Blocks)
	return s.last
}

// do sends a command and waits until the session has carried it out.
func (s *sim) do(c session.Command) {
	s.t.Helper()
	s.sess.Do(c)
	// A note marks the point: once it is in the timeline, c was handled.
	mark := fmt.Sprintf("mark %d", len(s.allEvents()))
	s.sess.Do(session.Command{Kind: session.CmdNote, Text: mark})
	s.take("the command "+string(c.Kind), func(snap *session.Snapshot) bool {
		for _, e := range snap.Timeline {
			if e.Kind == experiments.EventNote && e.Text == mark {
				return settled(snap)
			}
		}
		return false
	})
}

// allEvents are the events so far, none lost.
func (s *sim) allEvents() []experiments.Event {
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	return slices.Clone(s.sink.events)
}

// find returns the events of kind about subject ("": any).
func (s *sim) find(kind experiments.EventKind, subject string) []experiments.Event {
	var out []experiments.Event
	for _, e := range s.allEvents() {
		if e.Kind == kind && (subject == "" || e.Subject == subject) {
			out = append(out, e)
		}
	}
	return out
}

// at is sim time d after the start.
func at(d time.Duration) time.Time { return simStart.Add(d) }

// recorder is an injector that records its calls, each at the time of
// the session's clock; its hooks, if set, run inside the calls.
type recorder struct {
	clock   func() time.Time
	onStart func(ctx context.Context) error
	onStop  func(ctx context.Context) error

	mu        sync.Mutex
	calls     []string
	updates   []float64
	on        bool
	stopped   []time.Time
	stopCalls int // every call of Stop, on or not
}

var _ inject.Injector = (*recorder)(nil)

func (r *recorder) Start(ctx context.Context) error {
	if r.onStart != nil {
		if err := r.onStart(ctx); err != nil {
			r.log("start failed")
			return err
		}
	}
	r.mu.Lock()
	r.on = true
	r.mu.Unlock()
	r.log("start")
	return nil
}

func (r *recorder) Update(_ context.Context, i float64) error {
	r.mu.Lock()
	r.updates = append(r.updates, i)
	r.mu.Unlock()
	return nil
}

func (r *recorder) Stop(ctx context.Context) error {
	r.mu.Lock()
	r.stopCalls++
	on := r.on
	r.mu.Unlock()
	if !on {
		return nil
	}
	if r.onStop != nil {
		if err := r.onStop(ctx); err != nil {
			r.log("stop failed")
			return err
		}
	}
	r.mu.Lock()
	r.on = false
	r.stopped = append(r.stopped, time.Now())
	r.mu.Unlock()
	r.log("stop")
	return nil
}

func (r *recorder) log(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := ""
	if r.clock != nil {
		t = "@" + r.clock().Sub(simStart).String()
	}
	r.calls = append(r.calls, what+t)
}

func (r *recorder) isOn() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.on
}

func (r *recorder) history() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) levels() []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.updates)
}

// commandBlock is a block whose fault the test replaces (WithInjector):
// a command fault, so that the experiment is valid as written.
func commandBlock(name string) experiments.Block {
	return experiments.Block{Name: name, Fault: &experiments.Fault{Kind: experiments.FaultCommand,
		Start:  &experiments.CommandSpec{Argv: []string{"true"}},
		Revert: &experiments.CommandSpec{Argv: []string{"true"}}}}
}
