package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
)

// Session runs an experiment: it builds its targets, drives the loads,
// polls the probes, switches faults on and off on command, judges the
// assumptions and guardrails every interval and publishes a Snapshot
// after each.
//
//	commands ──▶ ┌─────────┐ ──post──▶ a driver per block ──▶ injectors
//	             │  loop   │ ◀─results─┘
//	             │         │ ◀── loads, probes ──▶ series store
//	snapshots ◀─ └─────────┘ ──▶ checks, guardrails, schedule ──▶ timeline, sinks
//
// The loop never waits for an injector: it posts what it wants to the
// block's driver and goes on ticking; the driver's result comes back as a
// message. Everything but Do, Snapshots, Done, Final and Close runs on the
// goroutine of Run.
type Session struct {
	exp   *experiments.Experiment
	env   Env
	log   *slog.Logger
	clock Clock

	parts       *parts
	recorder    inject.RevertRecorder
	sinks       []Sink
	metrics     *Metrics
	outputs     sync.Map               // block → *atomic.Int64: output lines of its current run
	engines     sync.Map               // block → *engineFault: what a cluster's engine says of its fault
	basePreview *experiments.Preflight // WithPreview
	store       *probes.Store
	checks      *assume.Checks
	aborts      []*abortRun
	loads       []*loadRun
	probes      []*probeRun
	blocks      []*blockRun
	windows     []FaultWindow
	timeline    []experiments.Event
	seq         uint64
	started     time.Time
	history     time.Time // the oldest point filled in from before the start
	lastHalt    time.Time
	snapSeq     uint64
	aborted     string // why a guardrail aborted the run, "" if none
	schedule    *scheduleRun
	ending      bool // the session is halting everything to end
	overrides   overrides
	exposed     []string // non-loopback addresses the proxies listen on
	// injectorTimeout bounds every injector call and the final wait.
	injectorTimeout time.Duration
	// faultErrors counts faults that could not start or halt;
	// faultsStarted, those that went on.
	faultErrors   int
	faultsStarted int
	// The halt-all under way: when it was asked, by whom and why, the
	// blocks not yet halted, and how many were.
	haltAllAsked  time.Time
	haltAllBy     string
	haltAllWhy    string
	haltAllLeft   map[string]bool
	haltAllDone   int
	haltAllFailed int

	cmds    chan Command // the operator's and the schedule's: never dropped
	events  chan experiments.Event
	results chan result // from the drivers
	quit    chan struct{}
	hub     hub
	primary *Subscription // what Snapshots returns
	room    roster
	// edgePlan runs the session as an edge search (WithEdgePlan).
	edgePlan *edgePlanRun
	// gated holds the game day at its pre-flight (WithPreflight);
	// preflight is what the snapshots show meanwhile.
	gated     bool
	preflight *experiments.Preflight
	// debriefItems are the debrief's findings and action items so far.
	debriefItems []DebriefEntry
	// composed is the blocks composed during the game day (addblock.go);
	// async, what goroutines of the session hand back to its loop.
	composed  composedRun
	async     chan func()
	done      chan struct{}
	final     Snapshot
	mu        sync.Mutex // guards final
	closeOnce sync.Once
}

type probeRun struct {
	spec    experiments.Probe
	probe   probes.Probe
	poller  *probes.Poller
	fn      func(time.Time) (float64, error) // instead of the poller (WithProbeFunc)
	lastAt  time.Time
	healthy bool
	err     string
	since   time.Time
}

type abortRun struct {
	spec  experiments.Abort
	since time.Time // when the condition started to hold, zero if it does not
}

func (a *abortRun) measure(now time.Time, obs assume.Observations) float64 {
	return assume.Measure(&a.spec.Assumption, now, obs)
}

const timelineCap = 200

// NewSession builds the targets, loads, probes and injectors of exp. It
// starts the processes that exp starts and listens on its proxies, so a
// port in use or a process that fails to start is an error here; on error
// nothing it started is left running. A session that never runs must be
// closed with Close.
func NewSession(exp *experiments.Experiment, env Env, opts ...Option) (_ *Session, err error) {
	defer func() { err = redactErr(exp, err) }()
	s := &Session{
		exp: exp, env: env,
		log:             slog.New(slog.DiscardHandler),
		clock:           realClock{},
		injectorTimeout: DefaultInjectorTimeout,
		cmds:            make(chan Command, 256),
		events:          make(chan experiments.Event, 256),
		quit:            make(chan struct{}),
		done:            make(chan struct{}),
		async:           make(chan func()),
		composed:        composedRun{file: exp.Loaded()},
	}
	for _, o := range opts {
		o(s)
	}
	s.primary = s.Subscribe()
	s.results = make(chan result, 4*len(exp.Blocks)+16)
	s.log = slog.New(redactHandler{inner: s.log.Handler(), exp: exp})
	capacity := max(int(exp.ChartWindow()/exp.SamplingInterval())+16, 1200)
	s.store = probes.NewStore(capacity)
	s.checks = assume.NewChecks(exp.Assumptions)
	for _, a := range exp.Guardrails.Abort {
		s.aborts = append(s.aborts, &abortRun{spec: a})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.parts, err = buildTargets(ctx, exp, env); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.parts.close()
		}
	}()
	s.exposed = s.parts.exposed()
	s.hearProxies()
	var errs []error
	windows := loadWindows(exp)
	for _, l := range exp.Loads {
		var onResult func(string, time.Duration)
		if s.metrics != nil {
			onResult = s.metrics.LoadResults(l.Name)
		}
		lr, err := newLoadRun(l, windows[l.Name], onResult)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.loads = append(s.loads, lr)
	}
	for _, p := range exp.Probes {
		if fn, ok := s.overrides.probes[p.Name]; ok {
			s.probes = append(s.probes, &probeRun{spec: p, fn: fn, healthy: true})
			continue
		}
		pr, err := p.Build(exp)
		if err != nil {
			errs = append(errs, fmt.Errorf("probe %q: %w", p.Name, err))
			continue
		}
		s.probes = append(s.probes, &probeRun{spec: p, probe: pr, poller: probes.NewPoller(pr, p.SamplePeriod(exp), p.SampleTimeout(exp)), healthy: true})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, b := range exp.Blocks {
		br, err := s.buildBlock(b, i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.blocks = append(s.blocks, br)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if s.gated {
		s.preflight = s.preview()
	}
	return s, nil
}

// now is the session's time.
func (s *Session) now() time.Time { return s.clock.Now() }

// Snapshots delivers a snapshot after every interval, to one reader. A
// slow reader only misses intermediate snapshots: the newest one always
// replaces an unread one. The channel is closed after the final snapshot.
// More readers each take a Subscribe of their own.
func (s *Session) Snapshots() <-chan Snapshot { return s.primary.C() }

// Do sends a command to the session. A control command (trigger, halt,
// halt all, intensity, note) is never dropped: Do waits while the queue is
// full (the loop empties it at once: it never waits itself), and returns
// at once when the session has ended. An event from outside (CmdEvent)
// is dropped, and logged, when the session is swamped.
func (s *Session) Do(c Command) {
	if c.Kind == CmdEvent {
		select {
		case s.events <- c.Event:
		default:
			s.log.Warn("event dropped, session busy", "kind", string(c.Event.Kind), "subject", c.Event.Subject)
		}
		return
	}
	select {
	case <-s.done:
		s.log.Warn("command after the session ended", "command", string(c.Kind), "block", c.Block)
	case s.cmds <- c:
	}
}

// Done is closed when Run has returned.
func (s *Session) Done() <-chan struct{} { return s.done }

// Final returns the last snapshot, taken after every fault was halted
// (or given up on). It is valid once Done is closed.
func (s *Session) Final() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.final
}

// Close stops what the session started (proxies, processes), for a
// session that never ran: one that ran has halted its faults and closed
// its parts when Run returned. It is idempotent.
func (s *Session) Close() {
	s.closeOnce.Do(s.parts.close)
}

// Run runs the session until ctx is done (or its schedule is over).
// Whatever ends it (ctx, the schedule, a panic in the session), every
// fault is halted before Run returns: all at once, each waited for at
// most the injector timeout (30 s); one that did not stop in time is left
// in the state file for `gameday recover`, and the final snapshot says
// which.
func (s *Session) Run(ctx context.Context) (err error) {
	defer close(s.done)
	defer s.hub.close()
	partsCtx, stopParts := context.WithCancel(context.Background())
	var running sync.WaitGroup
	for _, b := range s.blocks {
		go b.drv.run(s.quit)
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("session panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("session panic: %v", r)
		}
		s.end()
		close(s.quit)
		stopParts()
		running.Wait()
		s.closeOnce.Do(s.parts.close)
		final := s.snapshot(s.now())
		final.Ended = true
		s.mu.Lock()
		s.final = final
		s.mu.Unlock()
		for _, k := range s.sinks {
			k.End(&final)
		}
		s.publish(final)
	}()

	s.started = s.now()
	s.backfill()
	for _, k := range s.sinks {
		k.Begin(s.exp, s.started)
	}
	for _, l := range s.loads {
		running.Add(1)
		go func(l *loadRun) {
			defer running.Done()
			if err := l.gen.Run(partsCtx); err != nil {
				s.Do(Command{Kind: CmdEvent, Event: experiments.Event{Kind: experiments.EventError, Subject: l.spec.Name, Text: "load stopped: " + err.Error()}})
			}
		}(l)
	}
	for _, p := range s.probes {
		if p.poller != nil {
			running.Add(1)
			go func(p *probeRun) { defer running.Done(); p.poller.Run(partsCtx) }(p)
		}
	}
	for name, p := range s.parts.procs {
		running.Add(1)
		go func(name string, p *inject.Process) { defer running.Done(); s.watch(partsCtx, name, p) }(name, p)
	}
	s.addEvent(experiments.Event{Time: s.started, Kind: experiments.EventStarted, Subject: s.exp.Name, By: BySession, Text: "session started"})

	ticks := s.clock.NewTicker(s.exp.SamplingInterval())
	defer ticks.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-s.cmds:
			s.handle(c)
			s.drain()
			s.publish(s.snapshot(s.now())) // what it did shows at once: a block starting…
		case r := <-s.results:
			s.onResult(r)
			s.drain()
			// Say at once that a block went on or off (the next tick
			// judges it); what queued meanwhile goes into the same
			// snapshot.
			s.publish(s.snapshot(s.now()))
		case e := <-s.events:
			s.handle(Command{Kind: CmdEvent, Event: e})
		case f := <-s.async:
			f()
			s.publish(s.snapshot(s.now()))
		case now := <-ticks.C():
			s.drain()
			s.step(now)
			if s.schedule != nil && s.schedule.over || s.edgePlan != nil && s.edgePlan.over {
				return nil
			}
		}
	}
}

// drain takes in what is queued (commands, injector results, events)
// before a tick is judged, so that the tick sees them.
func (s *Session) drain() {
	for {
		select {
		case c := <-s.cmds:
			s.handle(c)
		case r := <-s.results:
			s.onResult(r)
		case e := <-s.events:
			s.handle(Command{Kind: CmdEvent, Event: e})
		default:
			return
		}
	}
}

// step samples every series, drives curves, sequences and the schedule,
// judges the assumptions and guardrails and publishes.
func (s *Session) step(now time.Time) {
	elapsed := now.Sub(s.started)
	for _, l := range s.loads {
		if l.curve != nil {
			l.apply(elapsed)
		}
		l.record(s.store, now)
	}
	for _, p := range s.probes {
		s.sampleProbe(p, now)
	}
	s.advanceBlocks(now)
	for _, e := range s.checks.Evaluate(now, s.observations(), s.phase()) {
		s.addEvent(e)
	}
	s.guard(now)
	s.advanceEdges(now)
	if s.edgePlan != nil {
		s.stepEdgePlan(now)
	}
	if s.schedule != nil {
		s.schedule.step(s, now)
	}
	snap := s.snapshot(now)
	for _, k := range s.sinks {
		k.Sample(&snap)
	}
	s.publish(snap)
}

func (s *Session) sampleProbe(p *probeRun, now time.Time) {
	var r probes.Reading
	if p.fn != nil {
		r.Value, r.Err = p.fn(now)
		r.At = now
	} else {
		var ok bool
		if r, ok = p.poller.Latest(); !ok {
			return
		}
	}
	if !r.At.After(p.lastAt) {
		return
	}
	p.lastAt = r.At
	if r.Err == nil && !finite(r.Value) {
		r.Err = probes.ErrNoData // NaN (0/0) or ±Inf: nothing to judge or chart
	}
	switch {
	case r.Err == nil:
		s.store.Append(p.spec.Name, probes.Point{T: now, V: r.Value})
		s.store.Append(p.spec.Name+".failed", probes.Point{T: now, V: 0})
		if !p.healthy {
			p.healthy, p.err, p.since = true, "", now
			s.addEvent(experiments.Event{Time: now, Kind: experiments.EventProbeOK, Subject: p.spec.Name, Text: "probe answers again"})
		}
	case errors.Is(r.Err, probes.ErrNoData):
	default:
		s.store.Append(p.spec.Name+".failed", probes.Point{T: now, V: 1})
		if p.healthy || p.err != r.Err.Error() {
			first := p.healthy
			p.healthy, p.err, p.since = false, r.Err.Error(), now
			if first {
				s.addEvent(experiments.Event{Time: now, Kind: experiments.EventProbeError, Subject: p.spec.Name, Text: r.Err.Error()})
			}
		}
	}
}

// observations are the store and the loads, for the checks.
func (s *Session) observations() assume.Observations { return sessionObs{s} }

type sessionObs struct{ s *Session }

// Points are the series' points since since, and never from before the
// session: history filled in from a probe that knows the past (PromQL)
// is drawn as context, never judged as evidence.
func (o sessionObs) Points(series string, since time.Time) []probes.Point {
	if since.Before(o.s.started) {
		since = o.s.started
	}
	return o.s.store.Window(series, since)
}

func (o sessionObs) LoadWindow(series string, now time.Time, d time.Duration, pct ...float64) (probes.WindowStats, bool) {
	l := o.s.load(series)
	if l == nil {
		return probes.WindowStats{}, false
	}
	return l.gen.Window(now, d, pct...), true
}

// phase is what the checks need to know of the faults: how many are (or
// may be) on, and when the last one went off.
func (s *Session) phase() assume.FaultPhase {
	ph := assume.FaultPhase{LastHalt: s.lastHalt}
	for _, b := range s.blocks {
		if b.active() {
			ph.Active++
		}
	}
	return ph
}

func (s *Session) addEvent(e experiments.Event) {
	s.seq++
	e.Seq = s.seq
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	if !e.Asked.IsZero() && !e.Asked.Before(e.Time) {
		e.Asked = time.Time{} // done when asked: one time says it
	}
	e.Text = s.exp.Redact(e.Text)
	if e.Role == "" && e.By != "" {
		e.Role = s.roleOf(e.By)
	}
	switch e.Kind {
	case experiments.EventFaultError:
		s.faultErrors++
	case experiments.EventFaultStarted:
		s.faultsStarted++
	}
	if len(s.timeline) == timelineCap {
		copy(s.timeline, s.timeline[1:])
		s.timeline = s.timeline[:timelineCap-1]
	}
	s.timeline = append(s.timeline, e)
	for _, k := range s.sinks {
		k.Event(e)
	}
	level := slog.LevelInfo
	if e.Bad() {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "event", "kind", string(e.Kind), "subject", e.Subject, "by", e.By, "text", e.Text)
}

// publish hands snap to every reader (see Subscription).
func (s *Session) publish(snap Snapshot) { s.hub.publish(snap) }
