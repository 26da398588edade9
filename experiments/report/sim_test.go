package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/probes"
)

// A deterministic game day on the demo shop, written as a journal: the
// series come from a small model of the shop, the assumptions are judged
// by the experiments package's own checks on a fake clock, and the
// schedule runs as the headless runner runs it. testdata/*.jsonl are its
// output (go test -update rewrites them).

// demoHypothesis is the demo's, as cmd/gameday/demo.yaml states it.
const demoHypothesis = "Checkout stays under 250 ms at p99 and under 1 % errors while inventory fails or payments stall, " +
	"and everything holds again within 30 s of the fault halting."

var t0 = time.Date(2025, 6, 14, 10, 0, 0, 0, time.UTC)

const tick = 250 * time.Millisecond

type simStep struct {
	at, dur time.Duration
	blocks  []string
	note    string
}

type scenario struct {
	name     string
	blocks   []experiments.Block
	steps    []simStep
	recovery time.Duration
	abort    *experiments.Assumption // a guardrail: aborts when it holds for 2s
	cut      time.Duration           // cut the journal short here, as a crash would (0: no)
}

func demoAssumptions() []experiments.Assumption {
	return []experiments.Assumption{
		{Name: "checkout p99", Kind: experiments.AssumeThreshold, Series: "checkout", Aggregate: experiments.AggP99,
			Window: 3 * time.Second, Op: experiments.Below, Threshold: 250, Unit: experiments.UnitMillis},
		{Name: "error rate", Kind: experiments.AssumeThreshold, Series: "checkout", Aggregate: experiments.AggErrorRate,
			Window: 3 * time.Second, Op: experiments.Below, Threshold: 1, Unit: experiments.UnitPercent},
		{Name: "queue depth", Kind: experiments.AssumeThreshold, Series: "queue", Op: experiments.Below, Threshold: 100},
		{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 30 * time.Second},
	}
}

var demoBlocks = []experiments.Block{
	{Name: "inventory latency", Description: "300 ms ± 50 ms on every call to inventory",
		Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "inventory", Delay: 300 * time.Millisecond, Jitter: 50 * time.Millisecond}},
	{Name: "inventory errors", Description: "half of the calls to inventory answered 503",
		Fault: &experiments.Fault{Kind: experiments.FaultError, Target: "inventory", Status: 503, Probability: 0.5}},
	{Name: "payments paused", Description: "the payments process is stopped (SIGSTOP)",
		Fault: &experiments.Fault{Kind: experiments.FaultPause, Target: "payments"}},
	{Name: "load spike", Description: "4× the checkout rate for 30 s",
		Load: &experiments.LoadChange{Target: "checkout", Factor: 4}, Duration: 30 * time.Second},
}

var scenarios = map[string]scenario{
	"demo": {name: "Demo shop · resilience basic", blocks: demoBlocks, recovery: 30 * time.Second, steps: []simStep{
		{at: 10 * time.Second, dur: 20 * time.Second, blocks: []string{"inventory errors"}, note: "dependency errors"},
		{at: 30 * time.Second, dur: 15 * time.Second, blocks: []string{"payments paused"}, note: "the consumer stops"},
	}},
	"aborted": {name: "Demo shop · resilience none", blocks: demoBlocks, recovery: 20 * time.Second,
		abort: &experiments.Assumption{Name: "checkout down", Kind: experiments.AssumeThreshold, Series: "checkout",
			Aggregate: experiments.AggErrorRate, Window: 3 * time.Second, Op: experiments.Above, Threshold: 50,
			Unit: experiments.UnitPercent},
		steps: []simStep{{at: 10 * time.Second, dur: 30 * time.Second, blocks: []string{"inventory latency"}, note: "a slow dependency"}}},
	"crashed": {name: "Demo shop · resilience basic", blocks: demoBlocks, recovery: 30 * time.Second, cut: 38 * time.Second,
		steps: []simStep{
			{at: 10 * time.Second, dur: 20 * time.Second, blocks: []string{"inventory errors"}, note: "dependency errors"},
			{at: 30 * time.Second, dur: 15 * time.Second, blocks: []string{"payments paused"}, note: "the consumer stops"},
		}},
}

// shop models the demo shop: per-interval latency percentiles, the share
// of failed checkouts and the order queue, given which faults are on and
// for how long.
type shop struct {
	seed  uint64
	queue float64
}

func (s *shop) noise() float64 {
	s.seed ^= s.seed << 13
	s.seed ^= s.seed >> 7
	s.seed ^= s.seed << 17
	return float64(s.seed>>11) / (1 << 53)
}

func (s *shop) tick(on map[string]float64) map[string]float64 {
	p50, p95, p99, errs := 10+2*s.noise(), 22+5*s.noise(), 34+12*s.noise(), 0.0
	if d, ok := on["inventory errors"]; ok {
		errs = math.Min(d, 1) * (18 + 10*s.noise()) // half fail, retries save some
		p95, p99 = p95+20, p99+40+25*s.noise()
	}
	if d, ok := on["inventory latency"]; ok && d > 0.3 { // the first slow answers arrive
		p50, p95, p99 = p50+290+20*s.noise(), p95+320+30*s.noise(), p99+330+60*s.noise()
		errs = math.Min(math.Max((d-3)*14, 0), 80) + 4*s.noise() // no timeouts: requests pile up
	}
	drain := 160.0
	if _, ok := on["payments paused"]; ok {
		drain = 0
	}
	s.queue = math.Max(s.queue+(40-drain)*tick.Seconds(), 0)
	return map[string]float64{"p50": p50, "p95": p95, "p99": p99, "errors": errs, "queue": s.queue + 1 + 3*s.noise()}
}

// points keeps the shop's raw values; it serves the checks as the load
// generator and the series store would.
type points map[string][]probes.Point

func (p points) Points(series string, since time.Time) []probes.Point {
	var out []probes.Point
	for _, pt := range p[series] {
		if !pt.T.Before(since) {
			out = append(out, pt)
		}
	}
	return out
}

func (p points) LoadWindow(series string, now time.Time, d time.Duration, pct ...float64) (probes.WindowStats, bool) {
	if series != "checkout" {
		return probes.WindowStats{}, false
	}
	lat := "p99"
	if len(pct) > 0 && pct[0] == 50 {
		lat = "p50"
	}
	since := now.Add(-d + time.Nanosecond)
	var hi, mx, errs float64
	pts := p.Points("errors", since)
	for _, pt := range pts {
		errs += pt.V / float64(len(pts))
	}
	for _, pt := range p.Points(lat, since) {
		hi = math.Max(hi, pt.V)
	}
	for _, pt := range p.Points("p99", since) {
		mx = math.Max(mx, pt.V)
	}
	ms := func(v float64) time.Duration { return time.Duration(math.Round(v*10) * float64(time.Millisecond) / 10) }
	return probes.WindowStats{Span: d, Count: int64(len(pts)) * 10, ErrorRate: errs / 100, Throughput: 40,
		Latency: []time.Duration{ms(hi)}, Max: ms(mx)}, true
}

// journal runs the scenario and returns its journal.
func (sc scenario) journal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	put := func(v any) {
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
	}
	specs := demoAssumptions()
	h := journal.Header{Type: "header", Version: journal.FormatVersion, Gameday: "0.9.0",
		Name: sc.name, Description: "Checkout under dependency faults", Hypothesis: demoHypothesis, File: "demo.yaml", Started: t0,
		Interval: experiments.Duration(tick), Window: experiments.Duration(3 * time.Minute),
		Charts: []experiments.Chart{
			{Title: "Checkout latency", Unit: experiments.UnitMillis, Series: []experiments.ChartSeries{
				{Series: "checkout.p50", Label: "p50"}, {Series: "checkout.p95", Label: "p95"}, {Series: "checkout.p99", Label: "p99"}}},
			{Title: "Error rate", Unit: experiments.UnitPercent, Series: []experiments.ChartSeries{{Series: "checkout.error_rate", Label: "error_rate"}}},
			{Title: "Order queue depth", Series: []experiments.ChartSeries{{Series: "queue", Label: "queue"}}},
		}}
	for _, a := range specs {
		h.Assumptions = append(h.Assumptions, journal.Check{Name: a.Name, Kind: a.Kind, Series: a.Series,
			Aggregate: a.Aggregate, Window: experiments.Duration(a.Window), Op: a.Op, Threshold: a.Threshold, Unit: a.Unit,
			Within: experiments.Duration(a.Within), Of: a.Of})
	}
	h.Blocks = journal.HeaderOf(&experiments.Experiment{Blocks: sc.blocks}, t0, "test").Blocks
	put(h)

	var seq uint64
	event := func(at time.Time, kind experiments.EventKind, subject, text string) {
		seq++
		put(journal.EventRecord{Type: "event", Event: experiments.Event{Seq: seq, Time: at, Kind: kind, Subject: subject, Text: text}})
	}
	event(t0, experiments.EventStarted, sc.name, "session started")

	checks := assume.NewChecks(specs)
	var guard *assume.Checks
	if sc.abort != nil {
		guard = assume.NewChecks([]experiments.Assumption{*sc.abort})
	}
	raw := points{}
	model := &shop{seed: 0x9e3779b97f4a7c15}
	on := map[string]time.Time{}
	var lastHalt, guardSince time.Time
	aborted := ""
	end := sc.steps[len(sc.steps)-1].at + sc.steps[len(sc.steps)-1].dur + sc.recovery
	halt := func(now time.Time, name, why string) {
		event(now, experiments.EventFaultHalted, name, fmt.Sprintf("%s after %s", why, experiments.FormatDuration(now.Sub(on[name]).Seconds())))
		delete(on, name)
		if len(on) == 0 {
			lastHalt = now
		}
	}
	for elapsed := time.Duration(0); elapsed <= end; elapsed += tick {
		now := t0.Add(elapsed)
		for _, st := range sc.steps {
			if aborted != "" {
				break
			}
			if st.at+st.dur == elapsed {
				for _, b := range st.blocks {
					halt(now, b, "halted by operator")
				}
			}
			if st.at == elapsed {
				event(now, experiments.EventNote, "operator", st.note)
				for _, b := range st.blocks {
					on[b] = now
					event(now, experiments.EventFaultStarted, b, blockSummary(sc.blocks, b))
				}
			}
		}
		intensity := map[string]float64{}
		for b, since := range on {
			intensity[b] = now.Sub(since).Seconds()
		}
		for k, v := range model.tick(intensity) {
			raw[k] = append(raw[k], probes.Point{T: now, V: math.Round(v*10) / 10})
		}
		for _, e := range checks.Evaluate(now, raw, assume.FaultPhase{Active: len(on), LastHalt: lastHalt}) {
			event(e.Time, e.Kind, e.Subject, e.Text)
		}
		if guard != nil && aborted == "" {
			guard.Evaluate(now, raw, assume.FaultPhase{})
			g := guard.States()[0]
			switch {
			case g.Status != assume.StatusHolding:
				guardSince = time.Time{}
			case guardSince.IsZero():
				guardSince = now
			}
			if !guardSince.IsZero() && now.Sub(guardSince) >= 2*time.Second {
				a := sc.abort
				aborted = fmt.Sprintf("%s: %s %s %s", a.Name, a.Series, a.Unit.Format(g.Value), a.Condition())
				event(now, experiments.EventAborted, a.Name, fmt.Sprintf("%s is %s (abort when %s for 2s): halting every fault",
					a.Series, a.Unit.Format(g.Value), a.Condition()))
				n := len(on)
				for _, b := range slices.Sorted(maps.Keys(on)) {
					halt(now, b, "guardrail "+a.Name)
				}
				event(now, experiments.EventInfo, "all", fmt.Sprintf("guardrail %s: %s halted", a.Name, experiments.Count(n, "fault", "faults")))
				end = elapsed + sc.recovery
			}
		}
		smp := journal.Sample{Type: "sample", T: now, Series: loadSeries(raw, now),
			Assumptions: map[string]journal.SampleCheck{}, Loads: map[string]float64{"checkout": 40}}
		smp.Series["queue"] = raw["queue"][len(raw["queue"])-1].V
		for _, s := range checks.States() {
			c := journal.SampleCheck{Status: s.Status}
			if s.HasValue {
				v := s.Value
				c.Value = &v
			}
			smp.Assumptions[s.Name] = c
		}
		for b, since := range on {
			if smp.Active == nil {
				smp.Active = map[string]float64{}
			}
			smp.Active[b] = 1
			if b == "inventory latency" { // a ramp from 50 % over 10s
				smp.Active[b] = math.Min(1, 0.5+now.Sub(since).Seconds()/20)
			}
		}
		put(smp)
		if sc.cut > 0 && elapsed >= sc.cut {
			buf.WriteString(`{"type":"sample","t":"` + now.Add(tick).Format(time.RFC3339Nano) + `","series":{"checkout.p5`)
			return buf.Bytes()
		}
	}
	final := session.Snapshot{Now: t0.Add(end), Aborted: aborted, Assumptions: checks.States()}
	put(journal.End{Type: "end", T: final.Now, Verdict: final.Verdict(), Aborted: aborted, Assumptions: final.Finals()})
	return buf.Bytes()
}

// loadSeries are the load's series as the journal has them: each over
// the load's window of 3s.
func loadSeries(raw points, now time.Time) map[string]float64 {
	out := map[string]float64{}
	since := now.Add(-3*time.Second + time.Nanosecond)
	for _, name := range []string{"p50", "p95", "p99"} {
		var hi float64
		for _, pt := range raw.Points(name, since) {
			hi = math.Max(hi, pt.V)
		}
		out["checkout."+name] = hi
	}
	pts := raw.Points("errors", since)
	var errs float64
	for _, pt := range pts {
		errs += pt.V
	}
	out["checkout.error_rate"] = math.Round(errs/float64(len(pts))*100) / 100
	out["checkout.throughput"] = math.Round((40-0.4*out["checkout.error_rate"])*10) / 10
	out["checkout.rate"] = 40
	return out
}

func blockSummary(bs []experiments.Block, name string) string {
	for _, b := range bs {
		if b.Name == name {
			return b.Summary()
		}
	}
	return ""
}
