package report_test

import (
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// small builds a small journal by hand, for the table tests: offsets in
// seconds from t0.
type small struct{ j *journal.Journal }

func newSmall(checks []journal.Check, blocks ...journal.Block) *small {
	return &small{j: &journal.Journal{Header: journal.Header{Type: "header", Version: journal.FormatVersion,
		Name: "small", Started: t0, Interval: experiments.Duration(tick), Assumptions: checks, Blocks: blocks}}}
}

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func (s *small) event(sec float64, kind experiments.EventKind, subject, text string) *small {
	s.j.Events = append(s.j.Events, experiments.Event{Seq: uint64(len(s.j.Events) + 1), Time: at(sec), Kind: kind,
		Subject: subject, Text: text})
	return s
}

// value records an assumption's value in the sample at sec.
func (s *small) value(sec float64, name string, v float64, st assume.Status) *small {
	t := at(sec)
	i := len(s.j.Samples) - 1
	if i < 0 || !s.j.Samples[i].T.Equal(t) {
		s.j.Samples = append(s.j.Samples, journal.Sample{Type: "sample", T: t, Series: map[string]float64{},
			Assumptions: map[string]journal.SampleCheck{}})
		i++
	}
	s.j.Samples[i].Assumptions[name] = journal.SampleCheck{Status: st, Value: &v}
	return s
}

func (s *small) on(sec float64, block string) *small {
	return s.event(sec, experiments.EventFaultStarted, block, "")
}

func (s *small) off(sec float64, block string) *small {
	return s.event(sec, experiments.EventFaultHalted, block, "halted by operator")
}

// broke records a violation of name at sec with value v, and its worst w
// a second later.
func (s *small) broke(sec float64, name string, v, w float64) *small {
	s.event(sec, experiments.EventViolated, name, "")
	return s.value(sec, name, v, assume.StatusViolated).value(sec+1, name, w, assume.StatusViolated)
}

func (s *small) held(sec float64, name string, v float64) *small {
	s.event(sec, experiments.EventRestored, name, "")
	return s.value(sec, name, v, assume.StatusHolding)
}

func (s *small) end(sec float64, v assume.RunVerdict) *journal.Journal {
	s.j.End = &journal.End{Type: "end", T: at(sec), Verdict: v}
	return s.j
}

func threshold(name, series string, agg experiments.Aggregate, th float64, u experiments.Unit) journal.Check {
	return journal.Check{Name: name, Kind: experiments.AssumeThreshold, Series: series, Aggregate: agg,
		Op: experiments.Below, Threshold: th, Unit: u}
}

func fault(name string, kind experiments.FaultKind, target, summary string) journal.Block {
	return journal.Block{Name: name, Kind: kind, Target: target, Summary: summary}
}

var (
	p99    = threshold("checkout p99", "checkout", experiments.AggP99, 250, experiments.UnitMillis)
	errs   = threshold("error rate", "checkout", experiments.AggErrorRate, 1, experiments.UnitPercent)
	queue  = threshold("queue depth", "queue", "", 100, experiments.UnitNone)
	jobs   = threshold("jobs", "worker.jobs", experiments.AggMax, 500, experiments.UnitNone)
	health = threshold("health latency", "health", experiments.AggAvg, 100, experiments.UnitMillis)
	recov  = journal.Check{Name: "recovery", Kind: experiments.AssumeRecovery, Within: experiments.Duration(30 * time.Second)}

	slowInv  = fault("slow inventory", experiments.FaultLatency, "inventory", "300 ms delay on inventory")
	flakyInv = fault("flaky inventory", experiments.FaultError, "inventory", "50 % answered 503 on inventory")
	resetDB  = fault("db resets", experiments.FaultReset, "db", "connections to db reset after 1s")
	abortInv = fault("inventory aborts", experiments.FaultAbort, "inventory", "20 % of requests to inventory reset")
	paused   = fault("payments paused", experiments.FaultPause, "payments", "process payments paused (SIGSTOP)")
	killed   = fault("worker killed", experiments.FaultKill, "worker", "process worker killed")
	hole     = fault("payments blackhole", experiments.FaultBlackhole, "payments", "traffic to payments held")
	spike    = journal.Block{Name: "load spike", Summary: "load checkout ×4", LoadTarget: "checkout", LoadFactor: 4}
	both     = journal.Block{Name: "slow and flaky", Summary: "together: slow inventory, flaky inventory", Parallel: []string{"slow inventory", "flaky inventory"}}
)
