package compare_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
)

// game builds a small journal by hand: offsets in seconds from t0.
type game struct{ j *journal.Journal }

var t0 = time.Date(2025, 6, 14, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func newGame(name string, checks ...journal.Check) *game {
	return &game{j: &journal.Journal{Header: journal.Header{Type: "header",
		Version: journal.FormatVersion, Name: name, Started: t0, Interval: experiments.Duration(250 * time.Millisecond),
		Assumptions: checks, Blocks: []journal.Block{slow}, Charts: charts}}}
}

func (g *game) event(sec float64, kind experiments.EventKind, subject, text string) *game {
	g.j.Events = append(g.j.Events, experiments.Event{Seq: uint64(len(g.j.Events) + 1), Time: at(sec), Kind: kind,
		Subject: subject, Text: text})
	return g
}

func (g *game) on(sec float64) *game {
	return g.event(sec, experiments.EventFaultStarted, slow.Name, "")
}
func (g *game) off(sec float64) *game {
	return g.event(sec, experiments.EventFaultHalted, slow.Name, "halted by the schedule")
}

func (g *game) broke(sec float64, name string) *game {
	return g.event(sec, experiments.EventViolated, name, "")
}

func (g *game) held(sec float64, name string) *game {
	return g.event(sec, experiments.EventRestored, name, "")
}

func (g *game) recovered(sec float64) *game {
	return g.event(sec, experiments.EventRecovered, recov.Name, "")
}

// sample records, at sec, the charts' series and the assumptions on them:
// p99 judges checkout.p99, queue depth judges queue, error rate errs;
// each is violated at its threshold or over.
func (g *game) sample(sec, p99, queue, errs float64) *game {
	s := journal.Sample{Type: "sample", T: at(sec), Series: map[string]float64{"checkout.p99": p99, "queue": queue},
		Assumptions: map[string]journal.SampleCheck{}, Active: map[string]float64{}}
	for _, c := range g.j.Header.Assumptions {
		var v float64
		switch c.Name {
		case p99Check.Name:
			v = p99
		case queueCheck.Name:
			v = queue
		case errRate.Name:
			v = errs
		default:
			continue
		}
		st := assume.StatusHolding
		if v >= c.Threshold {
			st = assume.StatusViolated
		}
		s.Assumptions[c.Name] = journal.SampleCheck{Status: st, Value: &v}
	}
	g.j.Samples = append(g.j.Samples, s)
	return g
}

// samples records a sample every half second from from to to, with the
// values f gives.
func (g *game) samples(from, to float64, f func(sec float64) (p99, queue, errs float64)) *game {
	for sec := from; sec <= to+1e-9; sec += 0.5 {
		p, q, e := f(sec)
		g.sample(sec, p, q, e)
	}
	return g
}

func (g *game) end(sec float64, v assume.RunVerdict) *journal.Journal {
	g.j.End = &journal.End{Type: "end", T: at(sec), Verdict: v}
	return g.j
}

var (
	p99Check   = journal.Check{Name: "checkout p99", Kind: experiments.AssumeThreshold, Series: "checkout", Aggregate: experiments.AggP99, Op: experiments.Below, Threshold: 250, Unit: experiments.UnitMillis}
	queueCheck = journal.Check{Name: "queue depth", Kind: experiments.AssumeThreshold, Series: "queue", Op: experiments.Below, Threshold: 100}
	errRate    = journal.Check{Name: "error rate", Kind: experiments.AssumeThreshold, Series: "checkout", Aggregate: experiments.AggErrorRate, Op: experiments.Below, Threshold: 1, Unit: experiments.UnitPercent}
	oldCheck   = journal.Check{Name: "old check", Kind: experiments.AssumeThreshold, Series: "old", Op: experiments.Below, Threshold: 1}
	recov      = journal.Check{Name: "recovery", Kind: experiments.AssumeRecovery, Within: experiments.Duration(30 * time.Second)}
	slow       = journal.Block{Name: "slow inventory", Kind: experiments.FaultLatency, Target: "inventory", Summary: "300 ms delay on inventory"}
	charts     = []experiments.Chart{
		{Title: "Checkout latency", Unit: experiments.UnitMillis, Series: []experiments.ChartSeries{{Series: "checkout.p99", Label: "p99"}}},
		{Title: "Order queue depth", Series: []experiments.ChartSeries{{Series: "queue", Label: "queued"}}},
	}
)

// noneAndHardened are two runs of the same schedule (slow inventory from
// 1s to 5s): without resilience p99 and the queue break and everything
// holds again 1.2s after the halt; hardened, only the error rate breaks,
// and holds again 6.5s after the halt.
func noneAndHardened() (none, hardened *journal.Journal) {
	none = newGame("shop · none", p99Check, queueCheck, recov, oldCheck).
		on(1).broke(2, p99Check.Name).broke(3, queueCheck.Name).off(5).
		held(6.2, p99Check.Name).held(6.2, queueCheck.Name).recovered(6.2).
		samples(0, 12, func(s float64) (float64, float64, float64) {
			p99, queue := 40.0, 5.0
			if s >= 2 && s < 6.2 {
				p99 = 300 + 58*min(s-2, 1)
			}
			if s >= 3 && s < 6.2 {
				queue = 400 + 342*min(s-3, 1)
			}
			return p99, queue, 0
		}).end(12, assume.VerdictFailed)
	hardened = newGame("shop · hardened", p99Check, queueCheck, recov, errRate).
		on(1).broke(2, errRate.Name).off(5).held(11.5, errRate.Name).recovered(11.5).
		samples(0, 12, func(s float64) (float64, float64, float64) {
			errs := 0.0
			if s >= 2 && s < 11.5 {
				errs = 100
			}
			if s >= 2 && s < 5 {
				return 45.8, 50, errs
			}
			return 41, 5, errs
		}).end(12, assume.VerdictFailed)
	return none, hardened
}

// readTestdata reads a journal of experiments/report/testdata as a stream.
func readTestdata(t testing.TB, name string) *report.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
