package report_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
)

func checks(cs ...journal.Check) []journal.Check { return cs }

const failed = assume.VerdictFailed

func TestSuggestions(t *testing.T) {
	tests := []struct {
		name     string
		journal  *journal.Journal
		rules    []string // the rules that fire, in order
		evidence []string // what the suggestions must say, with this run's numbers
	}{
		{
			name: "slow dependency, latency broke",
			journal: newSmall(checks(p99), slowInv).on(10, "slow inventory").broke(10.5, "checkout p99", 312, 612).
				off(30, "slow inventory").held(33.1, "checkout p99", 80).end(60, failed),
			rules: []string{"dependency-latency"},
			evidence: []string{"checkout p99 broke 0.5s after slow inventory started", "312 ms at 00:10.5", "the worst 612 ms",
				"must stay < 250 ms", "recovered 3.1s after it halted", "timeout shorter than the caller's budget (< 250 ms here)",
				"Hedge requests to inventory", "latency budget"},
		},
		{
			name: "dependency errors, error rate broke",
			journal: newSmall(checks(errs), flakyInv).on(10, "flaky inventory").broke(10.75, "error rate", 4.2, 48).
				off(30, "flaky inventory").held(32, "error rate", 0.5).end(60, failed),
			rules: []string{"dependency-errors"},
			evidence: []string{"error rate broke 0.8s after flaky inventory started", "4.2 % at 00:10.8", "the worst 48 %",
				"recovered 2s after it halted", "backoff and jitter", "circuit breaker on inventory", "fallback"},
		},
		{
			name: "aborts count as errors",
			journal: newSmall(checks(errs), abortInv).on(5, "inventory aborts").broke(6, "error rate", 12, 21).
				end(20, failed),
			rules:    []string{"dependency-errors"},
			evidence: []string{"broke 1s after inventory aborts started", "the worst 21 %", "had not recovered by the end"},
		},
		{
			name: "tcp resets, a failure series broke",
			journal: newSmall(checks(threshold("db failures", "db.failed", experiments.AggAvg, 0.1, experiments.UnitNone)), resetDB).
				on(5, "db resets").broke(7, "db failures", 0.4, 0.9).end(20, failed),
			rules:    []string{"dependency-errors"},
			evidence: []string{"db failures broke 2s after db resets started", "the worst 0.9", "Retry failed calls to db"},
		},
		{
			name: "paused consumer, queue broke",
			journal: newSmall(checks(queue), paused).on(30, "payments paused").broke(32.25, "queue depth", 101, 601.5).
				off(45, "payments paused").held(49, "queue depth", 91).end(75, failed),
			rules: []string{"stalled-consumer"},
			evidence: []string{"queue depth broke 2.2s after payments paused started", "the worst 601.5", "recovered 4s after it halted",
				"Bound the queue in front of payments", "backpressure", "Shed load"},
		},
		{
			name: "killed worker, unbounded growth (max) broke",
			journal: newSmall(checks(jobs), killed).on(10, "worker killed").broke(14, "jobs", 520, 1400).
				off(20, "worker killed").held(26, "jobs", 300).end(40, failed),
			rules:    []string{"stalled-consumer"},
			evidence: []string{"jobs broke 4s after worker killed started", "the worst 1400", "recovered 6s after it halted", "in front of worker"},
		},
		{
			name: "blackholed consumer",
			journal: newSmall(checks(queue), hole).on(10, "payments blackhole").broke(11, "queue depth", 110, 300).
				end(40, failed),
			rules:    []string{"stalled-consumer"},
			evidence: []string{"queue depth broke 1s after payments blackhole started", "traffic to payments held"},
		},
		{
			name: "load spike, latency and errors broke",
			journal: newSmall(checks(p99, errs), spike).on(10, "load spike").broke(12, "checkout p99", 260, 900).
				broke(14, "error rate", 2, 7.5).off(40, "load spike").end(60, failed),
			rules: []string{"overload", "overload"},
			evidence: []string{"checkout p99 broke 2s after load spike started (load checkout ×4)", "the worst 900 ms",
				"error rate broke 4s after load spike started", "Autoscale", "Rate-limit"},
		},
		{
			name: "a composite block has its parts' kinds",
			journal: newSmall(checks(p99), slowInv, flakyInv, both).on(10, "slow and flaky").broke(11, "checkout p99", 280, 700).
				end(30, failed),
			rules:    []string{"dependency-latency"},
			evidence: []string{"broke 1s after slow and flaky started", "Bound the time spent waiting for inventory"},
		},
		{
			name: "a composite names each of its parts' targets",
			journal: newSmall(checks(p99), fault("slow orders-db", experiments.FaultLatency, "orders-db", "300 ms delay on orders-db"),
				fault("slow db", experiments.FaultLatency, "db", "300 ms delay on db"),
				journal.Block{Name: "slow dbs", Summary: "together: slow orders-db, slow db", Parallel: []string{"slow orders-db", "slow db"}}).
				on(10, "slow dbs").broke(11, "checkout p99", 280, 700).end(30, failed),
			rules:    []string{"dependency-latency"},
			evidence: []string{"Bound the time spent waiting for orders-db and db"},
		},
		{
			name: "recovery check ran out of time",
			journal: newSmall(checks(queue, recov), paused).on(30, "payments paused").broke(32, "queue depth", 120, 900).
				off(45, "payments paused").
				event(75.5, experiments.EventNotRecovered, "recovery", "queue depth still broken 30.5s after the halt").
				end(80, failed),
			rules: []string{"stalled-consumer", "slow-recovery"},
			evidence: []string{"recovery did not recover in time 30.5s after payments paused halted",
				"queue depth still broken 30.5s after the halt (limit 30s)", "Health checks", "half-open in the circuit breaker on payments",
				"Drain"},
		},
		{
			name:     "broke before any fault",
			journal:  newSmall(checks(p99), slowInv).broke(3, "checkout p99", 270, 300).held(5, "checkout p99", 200).end(20, failed),
			rules:    []string{"baseline"},
			evidence: []string{"checkout p99 broke at 00:03.0, before any fault started", "270 ms", "the worst 300 ms", "threshold is too tight"},
		},
		{
			name: "no rule matches: isolation, with the evidence",
			journal: newSmall(checks(health), paused).on(10, "payments paused").broke(12, "health latency", 150, 400).
				end(30, failed),
			rules:    []string{"isolation"},
			evidence: []string{"health latency broke 2s after payments paused started", "the worst 400 ms", "Bulkheads"},
		},
		{
			name: "the same assumption broken twice by one fault makes one suggestion",
			journal: newSmall(checks(p99), slowInv).on(10, "slow inventory").broke(11, "checkout p99", 300, 400).
				held(15, "checkout p99", 100).broke(20, "checkout p99", 350, 800).off(30, "slow inventory").
				held(32, "checkout p99", 90).end(40, failed),
			rules:    []string{"dependency-latency"},
			evidence: []string{"broke 1s after slow inventory started", "In all it broke 2 times after slow inventory, the worst 800 ms"},
		},
		{
			name: "nothing broke",
			journal: newSmall(checks(p99, errs), slowInv, flakyInv).on(10, "slow inventory").off(20, "slow inventory").
				on(25, "flaky inventory").off(35, "flaky inventory").end(60, assume.VerdictPassed),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report.Build(tt.journal)
			var rules []string
			var text strings.Builder
			for _, s := range r.Suggestions {
				rules = append(rules, s.Rule)
				text.WriteString(s.Title + "\n" + s.Evidence + "\n" + strings.Join(s.Actions, "\n") + "\n")
			}
			if !slices.Equal(rules, tt.rules) {
				t.Fatalf("rules %q, want %q\n%s", rules, tt.rules, text.String())
			}
			for _, e := range tt.evidence {
				if !strings.Contains(text.String(), e) {
					t.Errorf("the suggestions do not say %q:\n%s", e, text.String())
				}
			}
			var md bytes.Buffer
			if err := r.Markdown(&md); err != nil {
				t.Fatal(err)
			}
			const nothing = "No assumption broke: the system absorbed every fault of this run."
			if got := strings.Contains(md.String(), nothing); got != (len(tt.rules) == 0) {
				t.Errorf("report.md says %q: %v, want %v", nothing, got, len(tt.rules) == 0)
			}
		})
	}
}

func TestCascade(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name    string
		journal *journal.Journal
		want    []report.Break // the fields compared: Assumption, Kind, AtS, Fault, FaultOn, AfterStartS, AfterHaltS, HeldAgainS, RecoveredS
	}{
		{
			name: "broke while on, recovered after the halt",
			journal: newSmall(checks(p99), slowInv).on(10, "slow inventory").broke(10.4, "checkout p99", 300, 400).
				off(30, "slow inventory").held(33.1, "checkout p99", 90).end(40, failed),
			want: []report.Break{{Assumption: "checkout p99", Kind: "violated", AtS: 10.4, Fault: "slow inventory", FaultOn: true,
				AfterStartS: f(0.4), HeldAgainS: f(33.1), RecoveredS: f(3.1)}},
		},
		{
			name: "overlapping faults: the latest started is blamed",
			journal: newSmall(checks(p99, queue), slowInv, paused).on(10, "slow inventory").on(20, "payments paused").
				broke(21.5, "queue depth", 120, 500).broke(22, "checkout p99", 260, 270).held(25, "checkout p99", 100).
				off(30, "payments paused").off(31, "slow inventory").held(36, "queue depth", 50).end(50, failed),
			want: []report.Break{
				{Assumption: "queue depth", Kind: "violated", AtS: 21.5, Fault: "payments paused", FaultOn: true,
					AfterStartS: f(1.5), HeldAgainS: f(36), RecoveredS: f(6)},
				{Assumption: "checkout p99", Kind: "violated", AtS: 22, Fault: "payments paused", FaultOn: true,
					AfterStartS: f(2), HeldAgainS: f(25)},
			},
		},
		{
			name: "broke after the halt: the last fault started before",
			journal: newSmall(checks(queue), paused).on(10, "payments paused").off(20, "payments paused").
				broke(21, "queue depth", 110, 130).held(24, "queue depth", 90).end(40, failed),
			want: []report.Break{{Assumption: "queue depth", Kind: "violated", AtS: 21, Fault: "payments paused",
				AfterStartS: f(11), AfterHaltS: f(1), HeldAgainS: f(24), RecoveredS: f(4)}},
		},
		{
			name:    "broke before any fault, never held again",
			journal: newSmall(checks(p99), slowInv).broke(2, "checkout p99", 300, 300).on(10, "slow inventory").end(20, failed),
			want:    []report.Break{{Assumption: "checkout p99", Kind: "violated", AtS: 2}},
		},
		{
			name: "a guardrail abort and a failed recovery, in order",
			journal: newSmall(checks(errs, recov), flakyInv).on(5, "flaky inventory").broke(6, "error rate", 5, 60).
				event(9, experiments.EventAborted, "site down", "checkout is 60 % (abort when > 50 % for 2s)").
				off(9, "flaky inventory").event(39.25, experiments.EventNotRecovered, "recovery", "error rate still broken").
				end(45, assume.VerdictAborted),
			want: []report.Break{
				{Assumption: "error rate", Kind: "violated", AtS: 6, Fault: "flaky inventory", FaultOn: true, AfterStartS: f(1)},
				{Assumption: "site down", Kind: "aborted", AtS: 9, Fault: "flaky inventory", FaultOn: true, AfterStartS: f(4)},
				{Assumption: "recovery", Kind: "not recovered", AtS: 39.25, Fault: "flaky inventory", AfterStartS: f(34.25),
					AfterHaltS: f(30.25)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := report.Build(tt.journal).Cascade
			if len(got) != len(tt.want) {
				t.Fatalf("%d breaks, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Assumption != w.Assumption || g.Kind != w.Kind || g.AtS != w.AtS || g.Fault != w.Fault || g.FaultOn != w.FaultOn ||
					!same(g.AfterStartS, w.AfterStartS) || !same(g.AfterHaltS, w.AfterHaltS) ||
					!same(g.HeldAgainS, w.HeldAgainS) || !same(g.RecoveredS, w.RecoveredS) {
					t.Errorf("break %d:\n got %s\nwant %s", i+1, show(g), show(w))
				}
			}
		})
	}
}

func same(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func show(b report.Break) string {
	p := func(v *float64) any {
		if v == nil {
			return "nil"
		}
		return *v
	}
	return strings.Join([]string{b.Assumption, b.Kind, fmt.Sprint(b.AtS), b.Fault, fmt.Sprint(b.FaultOn), fmt.Sprint(p(b.AfterStartS)),
		fmt.Sprint(p(b.AfterHaltS)), fmt.Sprint(p(b.HeldAgainS)), fmt.Sprint(p(b.RecoveredS))}, " | ")
}
