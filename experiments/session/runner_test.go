package session_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestRunScheduleAndJournal runs a short schedule headless against a real
// service behind a real proxy, and reads its journal back.
func TestRunScheduleAndJournal(t *testing.T) {
	proxy := proxiedService(t)
	exp := &experiments.Experiment{
		Name: "scheduled", Interval: 100 * time.Millisecond,
		Loads: []experiments.Load{{Name: "api", URL: proxy.URL(), Rate: 100, Timeout: 2 * time.Second, Window: time.Second}},
		Assumptions: []experiments.Assumption{
			{Name: "p99", Series: "api", Aggregate: experiments.AggP99, Op: experiments.Below, Threshold: 250, Unit: experiments.UnitMillis, Window: time.Second},
			{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 5 * time.Second},
		},
		Blocks: []experiments.Block{{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "svc", Delay: 500 * time.Millisecond}}},
		Schedule: &experiments.Schedule{Baseline: time.Second, Recovery: 3 * time.Second,
			Steps: []experiments.ScheduleStep{{Blocks: []string{"slow"}, For: 2 * time.Second, Note: "slow svc"}}},
		Charts: []experiments.Chart{{Title: "p99", Series: []experiments.ChartSeries{{Series: "api.p99", Label: "p99"}}}},
	}
	var buf bytes.Buffer
	j := journal.NewWriter(nopCloser{&buf}, "test")
	sess, err := session.NewSession(exp, session.Env{Proxies: map[string]*inject.HTTPProxy{"svc": proxy}}, session.WithSink(j))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	res, err := session.RunSchedule(context.Background(), sess, func(l string) { lines = append(lines, l) })
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	log := strings.Join(lines, "\n")
	for _, want := range []string{"baseline, no fault for 1s", "step 1 of 1, slow on for 2s", "slow fault-started",
		"p99 violated", "recovery, no fault for 3s", "slow fault-halted: the schedule's step ended", "recovery recovered"} {
		if !strings.Contains(log, want) {
			t.Errorf("progress lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "\x1b") {
		t.Error("progress lines carry escape codes")
	}
	f := res.Final
	if f.Verdict() != assume.VerdictFailed || f.ActiveFaults() != 0 || res.FaultErrors != 0 {
		t.Fatalf("final: verdict %s, %d active, %d fault errors; want failed (p99 broke), none active", f.Verdict(), f.ActiveFaults(), res.FaultErrors)
	}
	if took := f.Now.Sub(f.Started); took < 6*time.Second || took > 9*time.Second {
		t.Errorf("the run took %v for a 6 s schedule", took)
	}

	jr, err := journal.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if jr.Header.Name != "scheduled" || len(jr.Header.Assumptions) != 2 || jr.Header.Assumptions[0].Kind != experiments.AssumeThreshold {
		t.Fatalf("header %+v", jr.Header)
	}
	if n := len(jr.Samples); n < 30 || n > 90 { // a loaded machine drops ticks
		t.Errorf("%d samples for about 6 s at 100 ms", n)
	}
	if jr.End == nil || jr.End.Verdict != assume.VerdictFailed || len(jr.End.Assumptions) != 2 {
		t.Fatalf("end record %+v", jr.End)
	}
	var started, halted bool
	for _, e := range jr.Events {
		started = started || e.Kind == experiments.EventFaultStarted
		halted = halted || e.Kind == experiments.EventFaultHalted
	}
	if !started || !halted {
		t.Errorf("journal events lack the fault's start or halt: %v", jr.Events)
	}
	var on int
	for _, s := range jr.Samples {
		if _, ok := s.Active["slow"]; ok {
			on++
		}
	}
	if on < 15 || on > 25 {
		t.Errorf("%d samples with the fault on, want about 20 (2 s at 100 ms)", on)
	}
}

func TestReadJournalCutShort(t *testing.T) {
	full := `{"type":"header","version":1,"name":"x","started":"2026-11-27T10:00:00Z","interval":"250ms","window":"3m0s"}
{"type":"sample","t":"2026-11-27T10:00:00.25Z","series":{"a":1}}
{"type":"sample","t":"2026-11-27T10:00:00.5Z","ser`
	j, err := journal.Read(strings.NewReader(full))
	if err != nil {
		t.Fatalf("a journal cut short by a crash should read up to its last whole line: %v", err)
	}
	if len(j.Samples) != 1 || j.End != nil {
		t.Fatalf("%d samples, end %v; want 1 sample and no end", len(j.Samples), j.End)
	}
	if _, err := journal.Read(strings.NewReader("{\"type\":\"header\",\"version\":9}\n")); err == nil {
		t.Fatal("a journal of another version should be refused")
	}
	if _, err := journal.Read(strings.NewReader("garbage\n{}\n")); err == nil {
		t.Fatal("garbage is not a journal")
	}
}
