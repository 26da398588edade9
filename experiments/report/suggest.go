package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// A rule turns a breakage into remediation: it matches the kind of the
// fault a breakage follows and what kind of assumption broke.
//
//	latency fault            + latency broke      → timeouts, hedging, budgets
//	error, abort, reset      + errors broke       → retries, breaker, fallback
//	pause, kill, blackhole   + a queue broke      → bounded queue, backpressure
//	load spike               + latency/errors/queue → shedding, autoscaling, limits
//	a recovery check failed                       → health checks, half-open, draining
//	no fault yet             + anything broke     → fix the baseline
//	any other fault          + anything broke     → bulkheads
type rule struct {
	name    string
	matches func(f faultInfo, c class) bool
	title   func(f faultInfo, b *Break) string
	actions func(f faultInfo, b *Break) []string
}

// faultInfo is what the rules know of a fault: its kinds (a composite
// block has its parts' kinds), its targets, and whether it raises load.
type faultInfo struct {
	kinds   map[experiments.FaultKind]bool
	targets []string
	load    bool
}

func (f faultInfo) any(kinds ...experiments.FaultKind) bool {
	for _, k := range kinds {
		if f.kinds[k] {
			return true
		}
	}
	return false
}

func (f faultInfo) target(fallback string) string {
	if len(f.targets) == 0 {
		return fallback
	}
	return strings.Join(f.targets, " and ")
}

// class is what kind of thing an assumption watches.
type class struct{ latency, errors, queue bool }

func classify(c *journal.Check) class {
	words := strings.ToLower(c.Name + " " + c.Series)
	has := func(ws ...string) bool {
		for _, w := range ws {
			if strings.Contains(words, w) {
				return true
			}
		}
		return false
	}
	var cl class
	cl.errors = c.Aggregate == experiments.AggErrorRate || has("error", "fail", "5xx")
	switch c.Aggregate {
	case experiments.AggP50, experiments.AggP90, experiments.AggP95, experiments.AggP99:
		cl.latency = !cl.errors
	}
	cl.latency = cl.latency || !cl.errors && (c.Unit == experiments.UnitMillis || has("latency", "duration", "slow"))
	growth := (c.Aggregate == experiments.AggMax || c.Aggregate == experiments.AggRate) &&
		(c.Op == experiments.Below || c.Op == experiments.BelowOrEqual)
	cl.queue = has("queue", "backlog", "depth", "lag") || growth && !cl.latency && !cl.errors
	return cl
}

var rules = []rule{
	{
		name:    "dependency-latency",
		matches: func(f faultInfo, c class) bool { return f.any(experiments.FaultLatency) && c.latency },
		title: func(f faultInfo, b *Break) string {
			return "Bound the time spent waiting for " + f.target(b.Fault)
		},
		actions: func(f faultInfo, b *Break) []string {
			t := f.target("the dependency")
			return []string{
				fmt.Sprintf("Give calls to %s a timeout shorter than the caller's budget (%s here), so a slow %s costs at most that.", t, budget(b), t),
				fmt.Sprintf("Hedge requests to %s: when the first answer is slower than its usual p95, send a second request and take whichever answers first.", t),
				"Give each hop a latency budget and pass the remaining deadline downstream, so no hop waits longer than the request can.",
			}
		},
	},
	{
		name: "dependency-errors",
		matches: func(f faultInfo, c class) bool {
			return f.any(experiments.FaultError, experiments.FaultAbort, experiments.FaultReset) && c.errors
		},
		title: func(f faultInfo, b *Break) string { return "Absorb the errors of " + f.target(b.Fault) },
		actions: func(f faultInfo, b *Break) []string {
			t := f.target("the dependency")
			return []string{
				fmt.Sprintf("Retry failed calls to %s a bounded number of times, with exponential backoff and jitter, inside the request's deadline.", t),
				fmt.Sprintf("Put a circuit breaker on %s: fail fast while its errors last, then let a few requests through half-open.", t),
				fmt.Sprintf("Give %s a fallback (a cached or default answer, or a degraded page) so its failure does not fail the request.", t),
			}
		},
	},
	{
		name: "stalled-consumer",
		matches: func(f faultInfo, c class) bool {
			return f.any(experiments.FaultPause, experiments.FaultKill, experiments.FaultBlackhole) && c.queue
		},
		title: func(f faultInfo, b *Break) string {
			return "Keep the backlog bounded when " + f.target(b.Fault) + " stops consuming"
		},
		actions: func(f faultInfo, b *Break) []string {
			t := f.target("the consumer")
			return []string{
				fmt.Sprintf("Bound the queue in front of %s: give it a capacity and reject or park work once it is full.", t),
				"Apply backpressure: past a high-water mark, slow or refuse the producers instead of accepting more.",
				"Shed load at the edge (503 with Retry-After) rather than queueing work that will time out anyway.",
			}
		},
	},
	{
		name:    "overload",
		matches: func(f faultInfo, c class) bool { return f.load && (c.latency || c.errors || c.queue) },
		title: func(f faultInfo, b *Break) string {
			return "Keep a load spike from breaking " + b.Assumption
		},
		actions: func(faultInfo, *Break) []string {
			return []string{
				"Shed load: refuse what exceeds capacity quickly (429 or 503) so that the requests you accept stay fast.",
				"Autoscale on queue depth or latency, with headroom to absorb a spike while new capacity starts.",
				"Rate-limit per client or per endpoint, so one burst cannot take all of the capacity.",
			}
		},
	},
}

// faultInfo resolves a block into what the rules know of it.
func (a *analysis) faultInfo(b journal.Block) faultInfo {
	f := faultInfo{kinds: map[experiments.FaultKind]bool{}}
	a.resolve(b, &f, map[string]bool{})
	return f
}

// resolve adds what block b does to f: its fault, its load change, and
// those of the blocks it composes.
func (a *analysis) resolve(b journal.Block, f *faultInfo, seen map[string]bool) {
	if seen[b.Name] {
		return
	}
	seen[b.Name] = true
	if b.Kind != "" {
		f.kinds[b.Kind] = true
		if b.Target != "" && !slices.Contains(f.targets, b.Target) {
			f.targets = append(f.targets, b.Target)
		}
	}
	if b.LoadFactor > 1 {
		f.load = true
	}
	parts := slices.Clone(b.Parallel)
	for _, st := range b.Sequence {
		parts = append(parts, st.Block)
	}
	for _, name := range parts {
		for _, i := range a.parts[name] {
			a.resolve(a.h.Blocks[i], f, seen)
		}
	}
}

// suggest chooses remediations for what broke; nothing when nothing did.
// Breakages of one assumption after one fault make one suggestion.
func suggest(a *analysis, cascade []Break) []Suggestion {
	out := []Suggestion{}
	var groups [][]*Break
	index := map[string]int{} // rule, fault, assumption → suggestion
	add := func(s Suggestion, b *Break) {
		key := s.Rule + "\x00" + s.Fault + "\x00" + s.Assumption
		if i, ok := index[key]; ok {
			groups[i] = append(groups[i], b)
			return
		}
		index[key] = len(out)
		out, groups = append(out, s), append(groups, []*Break{b})
	}
	for i := range cascade {
		b := &cascade[i]
		switch {
		case b.Kind == "not recovered":
			var f faultInfo
			if b.act != nil {
				f = a.faultInfo(b.act.block)
			}
			t := f.target("the dependency")
			add(Suggestion{Rule: "slow-recovery", Title: "Recover faster after " + orNone(b.Fault) + " halts",
				Fault: b.Fault, Assumption: b.Assumption,
				Evidence: fmt.Sprintf("%s %s: %s (limit %s).", b.Assumption, breakWords(b), b.Text,
					dur(time.Duration(b.check.Within).Seconds())),
				Actions: []string{
					"Health checks that take an unhealthy instance out of rotation and put it back as soon as it answers again.",
					fmt.Sprintf("A faster half-open in the circuit breaker on %s: probe it sooner after it fails, so traffic returns soon after it heals.", t),
					"Drain what piled up during the fault: more workers for the backlog, or drop work that is already too old to matter.",
				}}, b)
		case b.Kind != "violated":
		case b.act == nil:
			add(Suggestion{Rule: "baseline", Title: "The steady state did not hold before any fault",
				Assumption: b.Assumption,
				Evidence: fmt.Sprintf("%s %s: %s, the worst %s (must stay %s).", b.Assumption, breakWords(b),
					value(b.Unit, b.Value), value(b.Unit, b.Worst), budget(b)),
				Actions: []string{
					"Make the baseline hold first: a breakage without faults says nothing about the faults that follow.",
					"If the system is healthy as it is, the threshold is too tight: set it from what the baseline measures, with a margin.",
				}}, b)
		default:
			f := a.faultInfo(b.act.block)
			cl := classify(b.check)
			matched := false
			for _, r := range rules {
				if r.matches(f, cl) {
					matched = true
					add(Suggestion{Rule: r.name, Title: r.title(f, b), Fault: b.Fault, Assumption: b.Assumption,
						Evidence: evidence(b), Actions: r.actions(f, b)}, b)
				}
			}
			if !matched {
				t := f.target(b.Fault)
				add(Suggestion{Rule: "isolation", Title: "Isolate the rest of the system from " + t,
					Fault: b.Fault, Assumption: b.Assumption, Evidence: evidence(b),
					Actions: []string{
						fmt.Sprintf("Bulkheads: a separate pool of connections and workers for %s, so its trouble cannot take the rest down.", t),
						fmt.Sprintf("A timeout and a circuit breaker on every call to %s.", t),
					}}, b)
			}
		}
	}
	for i, g := range groups {
		if len(g) < 2 {
			continue
		}
		var w *float64
		for _, b := range g {
			if b.Worst != nil && b.check != nil && (w == nil || worse(b.check, *b.Worst, *w)) {
				w = b.Worst
			}
		}
		out[i].Evidence += fmt.Sprintf(" In all it broke %d times after %s", len(g), orNone(g[0].Fault))
		if w != nil {
			out[i].Evidence += ", the worst " + value(g[0].Unit, w)
		}
		out[i].Evidence += "."
	}
	return out
}

// evidence cites a breakage: "error rate broke 0.5s after inventory
// errors started (50 % answered 503 on inventory): 2.3 % at 00:10.5, the
// worst 31 % (must stay < 1 %); it recovered 3s after it halted."
func evidence(b *Break) string {
	return fmt.Sprintf("%s %s (%s): %s at %s, the worst %s (must stay %s); it %s.",
		b.Assumption, breakWords(b), b.act.block.Summary, value(b.Unit, b.Value), clock(b.AtS),
		value(b.Unit, b.Worst), budget(b), heldWords(b))
}

// budget is the threshold of what broke as a condition: "< 250 ms".
func budget(b *Break) string {
	if b.check == nil {
		return "–"
	}
	return budgetOf(b.check)
}

func orNone(s string) string {
	if s == "" {
		return "a fault"
	}
	return s
}
