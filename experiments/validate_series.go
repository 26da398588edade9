package experiments

import (
	"slices"
	"strings"
)

// seriesKind is what a series name refers to.
type seriesKind int

const (
	seriesNone   seriesKind = iota
	seriesLoad              // a load itself: aggregated over windows of its requests
	seriesScalar            // one number per interval
	seriesProbe             // a probe's values (a scalar series with a failure record)
)

// Series resolves a series name: a load, one of a load's series
// (checkout.p99), a probe, or a probe's failures (queue.failed).
func (e *Experiment) Series(name string) (kind seriesKind, unit Unit) {
	for _, l := range e.Loads {
		if name == l.Name {
			return seriesLoad, UnitMillis
		}
		if rest, ok := strings.CutPrefix(name, l.Name); ok {
			for _, s := range loadSeries {
				if rest == s.suffix {
					return seriesScalar, s.unit
				}
			}
		}
	}
	for _, p := range e.Probes {
		if name == p.Name {
			return seriesProbe, p.unit()
		}
		if name == p.Name+".failed" {
			return seriesScalar, UnitNone
		}
	}
	return seriesNone, UnitNone
}

// unit is what a probe's values are in.
func (p *Probe) unit() Unit {
	if p.Unit != "" {
		return p.Unit
	}
	if p.Kind == ProbeHTTP || p.Kind == ProbeTCP {
		return UnitMillis
	}
	return UnitNone
}

// seriesNames lists every series of the experiment, for suggestions.
func (e *Experiment) seriesNames() []string {
	var out []string
	for _, l := range e.Loads {
		out = append(out, l.Name)
		for _, s := range loadSeries {
			out = append(out, l.Name+s.suffix)
		}
	}
	for _, p := range e.Probes {
		out = append(out, p.Name, p.Name+".failed")
	}
	return out
}

// loadAggregates are the aggregations of a load's requests.
var loadAggregates = []string{"p50", "p90", "p95", "p99", "max", "error_rate", "rate"}

// resultUnit is the unit of an aggregation of a series in unit u.
func resultUnit(kind seriesKind, agg Aggregate, u Unit) Unit {
	switch {
	case agg == AggErrorRate:
		return UnitPercent
	case agg == AggRate && kind == seriesLoad:
		return UnitPerSec
	case agg == AggRate || agg == AggSlope:
		return UnitNone // per second of whatever the series counts
	}
	return u
}

func (c *checker) assumption(a *Assumption, what string) {
	if a.Kind == "" {
		a.Kind = AssumeThreshold
	}
	if a.Kind == AssumeRecovery {
		for _, k := range []string{"series", "aggregate", "window", "below", "at_most", "above", "at_least"} {
			if a.src.has(k) {
				c.errf(a.src.at(k), "%s %q: a recovery check (recovers_within) takes no %s; it watches the assumptions named in of", what, a.Name, k)
			}
		}
		return
	}
	if a.src.has("of") {
		c.errf(a.src.at("of"), "%s %q: of applies only to a recovery check (with recovers_within)", what, a.Name)
	}
	if a.Series == "" {
		c.errf(a.src.at(""), "%s %q: want a series (a load, a probe, or a load's series like checkout.p99), or recovers_within", what, a.Name)
		return
	}
	if a.Op == "" {
		c.errf(a.src.at(""), "%s %q: want a comparison: below, at_most, above or at_least, with a threshold", what, a.Name)
	}
	kind, u := c.e.Series(a.Series)
	switch kind {
	case seriesNone:
		c.errf(a.src.at("series"), "%s %q: no series %q%s", what, a.Name, a.Series, c.hint.suggest(a.Series, c.seriesNames()))
		return
	case seriesLoad:
		if a.Aggregate == "" {
			c.errf(a.src.at("series"), "%s %q: %q is a load: say what to judge with aggregate: %s", what, a.Name, a.Series, strings.Join(loadAggregates, ", "))
			return
		}
		if !slices.Contains(loadAggregates, string(a.Aggregate)) {
			c.errf(a.src.at("aggregate"), "%s %q: a load is judged by %s, not %s", what, a.Name, strings.Join(loadAggregates, ", "), a.Aggregate)
			return
		}
	case seriesScalar:
		if a.Aggregate == AggErrorRate {
			c.errf(a.src.at("aggregate"), "%s %q: error_rate applies to a load or a probe, not to %q", what, a.Name, a.Series)
			return
		}
	}
	if a.Aggregate == "" {
		a.Aggregate = AggLast
	}
	want := resultUnit(kind, a.Aggregate, u)
	if a.Op != "" && !a.Relative && a.Unit != want && !(want == UnitNone && a.Unit == UnitNone) {
		c.errf(a.src.at(opKey(a.Op)), "%s %q: %s of %s is %s, so the threshold must be %s", what, a.Name, a.Aggregate, a.Series, unitWords(want), unitExample(want))
	}
	a.Unit = want
}

func unitWords(u Unit) string {
	switch u {
	case UnitMillis:
		return "a duration"
	case UnitPercent:
		return "a percentage"
	case UnitPerSec:
		return "a rate"
	}
	return "a plain number"
}

func unitExample(u Unit) string {
	switch u {
	case UnitMillis:
		return "a duration, like 250ms"
	case UnitPercent:
		return "a percentage, like 1%"
	case UnitPerSec:
		return "a rate, like 50/s"
	}
	return "a plain number, like 100"
}

// recoveries checks the names recovery checks refer to.
func (c *checker) recoveries() {
	names := map[string]AssumptionKind{}
	var all []string
	for _, a := range c.e.Assumptions {
		names[a.Name] = a.Kind
		all = append(all, a.Name)
	}
	for _, a := range c.e.Assumptions {
		if a.Kind != AssumeRecovery {
			continue
		}
		for _, n := range a.Of {
			k, ok := names[n]
			switch {
			case !ok:
				c.errf(a.src.at("of"), "assumption %q: of names %q, which is not an assumption%s", a.Name, n, c.hint.suggest(n, all))
			case k == AssumeRecovery:
				c.errf(a.src.at("of"), "assumption %q: of names %q, a recovery check; name threshold assumptions", a.Name, n)
			}
		}
	}
}

func (c *checker) schedule() {
	s := c.e.Schedule
	if s == nil {
		return
	}
	limit := c.e.MaxFaultDuration()
	for i, st := range s.Steps {
		switch {
		case st.Rest && (st.src.has("blocks") || st.src.has("for")):
			c.errf(st.src.at("rest"), "schedule step %d: a rest has no blocks and no for: `- rest: 30s` is the whole step", i+1)
			continue
		case st.Rest:
			continue
		case !st.src.has("blocks"):
			c.errf(st.src.at(""), "schedule step %d: want blocks: and for: (or rest: DURATION, a step with no fault)", i+1)
			continue
		case !st.src.has("for"):
			c.errf(st.src.at("blocks"), "schedule step %d: want for: how long its blocks stay on", i+1)
			continue
		}
		for _, b := range st.Blocks {
			if c.e.BlockIndex(b) < 0 {
				c.errf(st.src.at("blocks"), "schedule step: no block %q%s", b, c.hint.suggest(b, c.blockNames()))
			}
		}
		if len(st.Blocks) > 0 && st.For > limit {
			c.errf(st.src.at("for"), "schedule step %d keeps its blocks on for %v, longer than a fault may stay on (guardrails.max_fault_duration: %v): raise the guardrail or shorten the step",
				i+1, st.For, limit)
		}
	}
}

func (c *checker) blockNames() []string {
	var out []string
	for _, b := range c.e.Blocks {
		out = append(out, b.Name)
	}
	return out
}

// charts checks the charts' series, or makes the default charts: the
// latency of each load, the error rates of the loads, and the probes by
// unit.
func (c *checker) charts() {
	if len(c.e.Charts) > 0 {
		for i := range c.e.Charts {
			ch := &c.e.Charts[i]
			for _, s := range ch.Series {
				kind, u := c.e.Series(s.Series)
				switch {
				case kind == seriesNone:
					c.errf(ch.src.at("series"), "chart %q: no series %q%s", ch.Title, s.Series, c.hint.suggest(s.Series, c.seriesNames()))
				case kind == seriesLoad:
					c.errf(ch.src.at("series"), "chart %q: %q is a load; chart one of its series, like %s.p99", ch.Title, s.Series, s.Series)
				case ch.Unit == "" && !ch.src.has("unit"):
					ch.Unit = u
				}
			}
		}
		return
	}
	c.e.Charts = DefaultCharts(c.e)
}

// DefaultCharts are the charts of an experiment that names none.
func DefaultCharts(e *Experiment) []Chart {
	var out []Chart
	for _, l := range e.Loads {
		out = append(out, Chart{Title: l.Name + " latency", Unit: UnitMillis, Series: []ChartSeries{
			{Series: l.Name + SeriesP50, Label: "p50"}, {Series: l.Name + SeriesP95, Label: "p95"}, {Series: l.Name + SeriesP99, Label: "p99"}}})
	}
	if len(e.Loads) > 0 {
		ch := Chart{Title: "Error rate", Unit: UnitPercent}
		for _, l := range e.Loads {
			ch.Series = append(ch.Series, ChartSeries{Series: l.Name + SeriesErrorRate, Label: l.Name})
		}
		out = append(out, ch)
	}
	byUnit := map[Unit]int{}
	for _, p := range e.Probes {
		u := p.unit()
		i, ok := byUnit[u]
		if !ok {
			i = len(out)
			byUnit[u] = i
			out = append(out, Chart{Title: p.Name, Unit: u})
		} else {
			out[i].Title += ", " + p.Name
		}
		out[i].Series = append(out[i].Series, ChartSeries{Series: p.Name, Label: p.Name})
	}
	return out
}
