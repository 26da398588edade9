package session

import (
	"log/slog"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/inject"
)

// Option configures a session.
type Option func(*Session)

// WithRecorder records, before a fault that outlives gameday acts (a
// paused process, a command, a toxic), what must be reverted, so that
// gameday recover can revert it after a crash.
func WithRecorder(r inject.RevertRecorder) Option { return func(s *Session) { s.recorder = r } }

// WithSink records the game day into k as it goes (a journal): the
// experiment at the start, every event, every interval's snapshot, and
// the final snapshot. The caller closes k after Run returns.
func WithSink(k Sink) Option { return func(s *Session) { s.sinks = append(s.sinks, k) } }

// WithMetrics publishes the session's state and its loads' requests on m
// (none when m is nil).
func WithMetrics(m *Metrics) Option {
	return func(s *Session) {
		if m != nil {
			s.metrics = m
			s.sinks = append(s.sinks, m)
		}
	}
}

// WithLogger sends the session's structured logs to l (secrets redacted).
func WithLogger(l *slog.Logger) Option { return func(s *Session) { s.log = l } }

// WithClock runs the session on c instead of the real time: its ticks,
// its events' times, its blocks' curves and durations, its schedule.
// Loads and probes that poll keep the real time: a session on another
// clock takes its data from WithProbeFunc.
func WithClock(c Clock) Option { return func(s *Session) { s.clock = c } }

// WithSchedule runs sched on the session's loop: at each tick, the steps
// whose time has come switch their blocks on (and the previous step's
// off); Run returns once the schedule is over. RunSchedule uses the
// experiment's own.
func WithSchedule(sched *experiments.Schedule) Option {
	return func(s *Session) { s.schedule = &scheduleRun{plan: experiments.PlanOf(sched)} }
}

// WithInjectorTimeout bounds every injector call (a start, a change of
// intensity, a stop) by d, and the wait for the stops when the session
// ends (default DefaultInjectorTimeout). A stop that takes longer leaves
// its block stuck: it may still be on.
func WithInjectorTimeout(d time.Duration) Option {
	return func(s *Session) {
		if d > 0 {
			s.injectorTimeout = d
		}
	}
}

// WithProbeFunc samples the probe named name (one of the experiment's)
// by calling f with the session's time, on the session's loop, every
// interval, instead of polling the probe the file describes. f must
// return at once. It is for tests and simulations: a system whose
// readings are a function of time.
func WithProbeFunc(name string, f func(now time.Time) (float64, error)) Option {
	return func(s *Session) {
		if s.overrides.probes == nil {
			s.overrides.probes = map[string]func(time.Time) (float64, error){}
		}
		s.overrides.probes[name] = f
	}
}

// WithInjector uses inj for the block named block (one of the
// experiment's), instead of the injector its fault describes: for a
// fault gameday does not know, and for tests (an injector that hangs).
func WithInjector(block string, inj inject.Injector) Option {
	return func(s *Session) {
		if s.overrides.injectors == nil {
			s.overrides.injectors = map[string]inject.Injector{}
		}
		s.overrides.injectors[block] = inj
	}
}

// overrides are the parts given by options instead of built.
type overrides struct {
	probes    map[string]func(time.Time) (float64, error)
	injectors map[string]inject.Injector
}
