package session

import (
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gameday-dev/gameday/probes"
)

// Metrics publishes what a session does as Prometheus metrics, on a
// registry of its own (never the global one), so that a game day shows in
// the team's dashboards while it runs. Label values are bounded: block,
// assumption, probe and load names from the experiment, and fixed words;
// never a URL or an error text.
type Metrics struct {
	blockActive     *prometheus.GaugeVec
	blockIntensity  *prometheus.GaugeVec
	faultsActive    prometheus.Gauge
	assumptionState *prometheus.GaugeVec
	assumptionValue *prometheus.GaugeVec
	assumptionOK    *prometheus.GaugeVec
	probeHealthy    *prometheus.GaugeVec
	loadRate        *prometheus.GaugeVec
	requests        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	aborted         prometheus.Gauge
	elapsed         prometheus.Gauge
	intervals       prometheus.Counter
	seats           *prometheus.GaugeVec
}

// assumptionStates are the values of the state label.
var assumptionStates = []assume.Status{assume.StatusWaiting, assume.StatusHolding, assume.StatusViolated, assume.StatusPending,
	assume.StatusRecovering, assume.StatusRecovered, assume.StatusNotRecovered}

// NewMetrics registers gameday's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	m := &Metrics{
		blockActive:     f("gameday_block_active", "1 while the block's fault is on.", "block"),
		blockIntensity:  f("gameday_block_intensity", "The intensity (0..1) of the block's fault while on, 0 when off.", "block"),
		assumptionState: f("gameday_assumption_state", "1 for the assumption's current state.", "assumption", "state"),
		assumptionValue: f("gameday_assumption_value", "The assumption's current value, in its unit (ms, %, ...).", "assumption"),
		assumptionOK:    f("gameday_assumption_holding", "1 while the assumption holds (or recovered), 0 when broken or waiting.", "assumption"),
		probeHealthy:    f("gameday_probe_healthy", "1 while the probe answers, 0 while it fails.", "probe"),
		loadRate:        f("gameday_load_target_rate", "The request rate the load asks for, per second.", "load"),
		faultsActive:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "gameday_faults_active", Help: "How many blocks are on."}),
		aborted:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "gameday_aborted", Help: "1 once a guardrail aborted the game day."}),
		elapsed:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "gameday_elapsed_seconds", Help: "Time since the game day started."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gameday_load_requests_total",
			Help: "Requests of the load generator, by outcome (ok, error, timeout, not_sent)."}, []string{"load", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gameday_load_latency_seconds",
			Help:    "Latency of the load's requests from their intended send time.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"load"}),
	}
	m.intervals = prometheus.NewCounter(prometheus.CounterOpts{Name: "gameday_intervals_total",
		Help: "Intervals judged: its rate is the session's pace, which no slow reader may hold back."})
	m.seats = f("gameday_room_seats", "Seats connected to the game day's room, by role.", "role")
	reg.MustRegister(m.faultsActive, m.aborted, m.elapsed, m.requests, m.latency, m.intervals)
	for _, r := range experiments.Roles {
		m.seats.WithLabelValues(string(r)) // present from the start, 0
	}
	return m
}

// Begin implements Sink.
func (m *Metrics) Begin(*experiments.Experiment, time.Time) {}

// Event implements Sink.
func (m *Metrics) Event(experiments.Event) {}

// Sample implements Sink: it updates the gauges.
func (m *Metrics) Sample(s *Snapshot) {
	m.intervals.Inc()
	m.Observe(s)
}

// End implements Sink.
func (m *Metrics) End(s *Snapshot) { m.Observe(s) }

// Observe updates the gauges from a snapshot.
func (m *Metrics) Observe(s *Snapshot) {
	m.elapsed.Set(s.Elapsed().Seconds())
	m.faultsActive.Set(float64(s.ActiveFaults()))
	if s.Aborted != "" {
		m.aborted.Set(1)
	}
	for _, b := range s.Blocks {
		on, i := 0.0, 0.0
		if b.Active {
			on, i = 1, b.Intensity
		}
		m.blockActive.WithLabelValues(b.Name).Set(on)
		m.blockIntensity.WithLabelValues(b.Name).Set(i)
	}
	for _, a := range s.Assumptions {
		for _, st := range assumptionStates {
			v := 0.0
			if a.Status == st {
				v = 1
			}
			m.assumptionState.WithLabelValues(a.Name, string(st)).Set(v)
		}
		ok := 0.0
		if a.Status == assume.StatusHolding || a.Status == assume.StatusRecovered {
			ok = 1
		}
		m.assumptionOK.WithLabelValues(a.Name).Set(ok)
		if a.HasValue {
			m.assumptionValue.WithLabelValues(a.Name).Set(a.Value)
		}
	}
	for _, p := range s.Probes {
		h := 0.0
		if p.Healthy {
			h = 1
		}
		m.probeHealthy.WithLabelValues(p.Name).Set(h)
	}
	for _, l := range s.Loads {
		m.loadRate.WithLabelValues(l.Name).Set(l.TargetRate)
	}
	seats := map[experiments.Role]int{}
	for _, p := range s.Room {
		seats[p.Role] += p.Seats
	}
	for _, r := range experiments.Roles {
		m.seats.WithLabelValues(string(r)).Set(float64(seats[r]))
	}
}

// LoadResults returns what counts the requests of one load, for the
// load's OnResult: the label values are resolved here, once, not on each
// request. It is safe for concurrent use.
func (m *Metrics) LoadResults(load string) func(outcome string, latency time.Duration) {
	counts := map[string]prometheus.Counter{}
	for _, o := range []string{probes.OutcomeOK, probes.OutcomeError, probes.OutcomeTimeout, probes.OutcomeNotSent} {
		counts[o] = m.requests.WithLabelValues(load, o)
	}
	latency := m.latency.WithLabelValues(load)
	return func(outcome string, lat time.Duration) {
		c, ok := counts[outcome]
		if !ok {
			c = m.requests.WithLabelValues(load, outcome)
		}
		c.Inc()
		if outcome != probes.OutcomeNotSent {
			latency.Observe(lat.Seconds())
		}
	}
}
