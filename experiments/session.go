package experiments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
)

// Session runs an experiment: it drives the loads, polls the probes,
// switches faults on and off on command, judges the assumptions every
// interval and publishes a Snapshot after each.
//
//	commands ──▶ ┌─────────┐ ──▶ injectors (proxies, processes, loads)
//	             │ Session │ ◀── loads, probes ──▶ series store
//	snapshots ◀─ └─────────┘ ──▶ checks ──▶ timeline
//
// Everything but Do, Snapshots and Final runs on the goroutine of Run.
type Session struct {
	exp   *Experiment
	env   Env
	log   *slog.Logger
	now   func() time.Time
	ticks <-chan time.Time

	store    *probes.Store
	checks   *Checks
	loads    []*loadRun
	probes   []*probeRun
	blocks   []*blockRun
	windows  []FaultWindow
	timeline []Event
	seq      uint64
	started  time.Time
	lastHalt time.Time
	snapSeq  uint64

	cmds  chan Command
	snaps chan Snapshot
	done  chan struct{}
	final Snapshot
	mu    sync.Mutex // guards final
}

type blockRun struct {
	spec   Block
	index  int
	inj    inject.Injector
	active bool
	since  time.Time
}

type probeRun struct {
	spec    Probe
	poller  *probes.Poller
	lastAt  time.Time
	healthy bool
	err     string
	since   time.Time
}

// Option configures a session.
type Option func(*Session)

// WithClock makes the session read time from now (tests use a fake clock).
func WithClock(now func() time.Time) Option { return func(s *Session) { s.now = now } }

// WithTicks drives the session's intervals from ticks instead of a ticker.
func WithTicks(ticks <-chan time.Time) Option { return func(s *Session) { s.ticks = ticks } }

// WithLogger sends the session's structured logs to l.
func WithLogger(l *slog.Logger) Option { return func(s *Session) { s.log = l } }

const timelineCap = 200

// NewSession builds the loads, probes and injectors of exp on env.
func NewSession(exp *Experiment, env Env, opts ...Option) (*Session, error) {
	s := &Session{
		exp: exp, env: env,
		log:   slog.New(slog.DiscardHandler),
		now:   time.Now,
		cmds:  make(chan Command, 64),
		snaps: make(chan Snapshot, 1),
		done:  make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	capacity := int(exp.window()/exp.interval()) + 16
	if capacity < 1200 {
		capacity = 1200 // keep enough history for the longest assumption window
	}
	s.store = probes.NewStore(capacity)
	s.checks = NewChecks(exp.Assumptions)
	var errs []error
	for _, l := range exp.Loads {
		lr, err := newLoadRun(l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.loads = append(s.loads, lr)
	}
	for _, p := range exp.Probes {
		pr, err := newProbeRun(p, exp.interval())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.probes = append(s.probes, pr)
	}
	for i, b := range exp.Blocks {
		inj, err := s.buildInjector(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.blocks = append(s.blocks, &blockRun{spec: b, index: i, inj: inj})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

func newProbeRun(p Probe, interval time.Duration) (*probeRun, error) {
	every := p.Every
	if every <= 0 {
		every = interval
	}
	switch p.Kind {
	case ProbeScrape, "":
		sc, err := probes.NewScrape(p.Name, p.URL, p.Metric, p.Labels)
		if err != nil {
			return nil, fmt.Errorf("probe %q: %w", p.Name, err)
		}
		return &probeRun{spec: p, poller: probes.NewPoller(sc, every, every*4), healthy: true}, nil
	}
	return nil, fmt.Errorf("probe %q: unknown kind %q", p.Name, p.Kind)
}

// Snapshots delivers a snapshot after every interval. A slow reader only
// misses intermediate snapshots: the newest one always replaces an unread
// one. The channel is closed after the final snapshot.
func (s *Session) Snapshots() <-chan Snapshot { return s.snaps }

// Do sends a command to the session. It does not block: when the session
// is gone or swamped the command is dropped and logged.
func (s *Session) Do(c Command) {
	select {
	case <-s.done:
		s.log.Warn("command after the session ended", "command", c.Kind, "block", c.Block)
	case s.cmds <- c:
	default:
		s.log.Warn("command dropped, session busy", "command", c.Kind, "block", c.Block)
	}
}

// Done is closed when Run has returned.
func (s *Session) Done() <-chan struct{} { return s.done }

// Final returns the last snapshot, taken after every fault was halted.
// It is valid once Done is closed.
func (s *Session) Final() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.final
}

// Run runs the session until ctx is done. Whatever ends it (ctx, a panic
// in the session), every fault is halted before Run returns.
func (s *Session) Run(ctx context.Context) (err error) {
	defer close(s.done)
	defer close(s.snaps)
	partsCtx, stopParts := context.WithCancel(context.Background())
	var parts sync.WaitGroup
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("session panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("session panic: %v", r)
		}
		s.haltAll("session ended")
		stopParts()
		parts.Wait()
		final := s.snapshot(s.now())
		final.Ended = true
		s.mu.Lock()
		s.final = final
		s.mu.Unlock()
		s.publish(final)
	}()

	s.started = s.now()
	for _, l := range s.loads {
		parts.Add(1)
		go func(l *loadRun) {
			defer parts.Done()
			if err := l.gen.Run(partsCtx); err != nil {
				s.Do(Command{Kind: CmdEvent, Event: Event{Kind: EventError, Subject: l.spec.Name, Text: "load stopped: " + err.Error()}})
			}
		}(l)
	}
	for _, p := range s.probes {
		parts.Add(1)
		go func(p *probeRun) { defer parts.Done(); p.poller.Run(partsCtx) }(p)
	}
	for name, p := range s.env.Processes {
		parts.Add(1)
		go func(name string, p *inject.Process) {
			defer parts.Done()
			select {
			case <-partsCtx.Done():
			case <-p.Done():
				if !p.Stopping() {
					s.Do(Command{Kind: CmdEvent, Event: Event{Kind: EventError, Subject: name,
						Text: fmt.Sprintf("process %s (pid %d) exited: %v", name, p.PID(), p.Err())}})
				}
			}
		}(name, p)
	}
	s.addEvent(Event{Time: s.started, Kind: EventStarted, Subject: s.exp.Name, Text: "session started"})

	ticks := s.ticks
	if ticks == nil {
		t := time.NewTicker(s.exp.interval())
		defer t.Stop()
		ticks = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-s.cmds:
			s.handle(c)
		case now := <-ticks:
			s.step(now)
		}
	}
}

// step samples every series, judges the assumptions and publishes.
func (s *Session) step(now time.Time) {
	for _, l := range s.loads {
		l.record(s.store, now)
	}
	for _, p := range s.probes {
		s.sampleProbe(p, now)
	}
	for _, b := range s.blocks {
		if b.active && b.spec.Duration > 0 && now.Sub(b.since) >= b.spec.Duration {
			s.halt(b, now, "ran its "+FormatDuration(b.spec.Duration.Seconds()))
		}
	}
	for _, e := range s.checks.Evaluate(now, s.store, s.phase()) {
		s.addEvent(e)
	}
	s.publish(s.snapshot(now))
}

func (s *Session) sampleProbe(p *probeRun, now time.Time) {
	r, ok := p.poller.Latest()
	if !ok || !r.At.After(p.lastAt) {
		return
	}
	p.lastAt = r.At
	switch {
	case r.Err == nil:
		s.store.Append(p.spec.Name, probes.Point{T: now, V: r.Value})
		if !p.healthy {
			p.healthy, p.err, p.since = true, "", now
			s.addEvent(Event{Time: now, Kind: EventProbeOK, Subject: p.spec.Name, Text: "probe answers again"})
		}
	case errors.Is(r.Err, probes.ErrNoData):
	default:
		if p.healthy || p.err != r.Err.Error() {
			first := p.healthy
			p.healthy, p.err, p.since = false, r.Err.Error(), now
			if first {
				s.addEvent(Event{Time: now, Kind: EventProbeError, Subject: p.spec.Name, Text: r.Err.Error()})
			}
		}
	}
}

func (s *Session) phase() FaultPhase {
	ph := FaultPhase{LastHalt: s.lastHalt}
	for _, b := range s.blocks {
		if b.active {
			ph.Active++
		}
	}
	return ph
}

func (s *Session) addEvent(e Event) {
	s.seq++
	e.Seq = s.seq
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	if len(s.timeline) == timelineCap {
		copy(s.timeline, s.timeline[1:])
		s.timeline = s.timeline[:timelineCap-1]
	}
	s.timeline = append(s.timeline, e)
	level := slog.LevelInfo
	if e.Bad() {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "event", "kind", string(e.Kind), "subject", e.Subject, "text", e.Text)
}

// publish hands snap to the reader, replacing an unread older one.
func (s *Session) publish(snap Snapshot) {
	for {
		select {
		case s.snaps <- snap:
			return
		default:
		}
		select {
		case <-s.snaps:
		default:
		}
	}
}
