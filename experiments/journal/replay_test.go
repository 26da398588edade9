package journal_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// syntheticJournal is 10 s of a game day: a fault from 3 s to 6 s, an
// assumption violated from 4 s to 7 s.
func syntheticJournal() *journal.Journal {
	start := t0
	j := &journal.Journal{Header: journal.Header{Type: "header", Version: 1, Name: "synthetic", Started: start,
		Interval: experiments.Duration(time.Second), Window: experiments.Duration(time.Minute),
		Assumptions: []journal.Check{{Name: "p99", Kind: experiments.AssumeThreshold, Series: "api.p99",
			Op: experiments.Below, Threshold: 100, Unit: experiments.UnitMillis}},
		Blocks: []journal.Block{{Name: "slow", Summary: "200 ms delay on api"}},
		Charts: []experiments.Chart{{Title: "p99", Series: []experiments.ChartSeries{{Series: "api.p99", Label: "p99"}}}}}}
	j.Events = append(j.Events,
		experiments.Event{Seq: 1, Time: start.Add(3 * time.Second), Kind: experiments.EventFaultStarted, Subject: "slow", Text: "200 ms delay on api"},
		experiments.Event{Seq: 2, Time: start.Add(4 * time.Second), Kind: experiments.EventViolated, Subject: "p99", Text: "210 ms"},
		experiments.Event{Seq: 3, Time: start.Add(6 * time.Second), Kind: experiments.EventFaultHalted, Subject: "slow", Text: "halted"},
		experiments.Event{Seq: 4, Time: start.Add(7 * time.Second), Kind: experiments.EventRestored, Subject: "p99", Text: "20 ms"})
	for i := 1; i <= 10; i++ {
		v := 20.0
		st := assume.StatusHolding
		if i >= 4 && i < 7 {
			v, st = 210, assume.StatusViolated
		}
		s := journal.Sample{Type: "sample", T: start.Add(time.Duration(i) * time.Second),
			Series: map[string]float64{"api.p99": v}, Assumptions: map[string]journal.SampleCheck{"p99": {Status: st, Value: &v}}}
		if i >= 3 && i < 6 {
			s.Active = map[string]float64{"slow": 1}
		}
		j.Samples = append(j.Samples, s)
	}
	return j
}

func TestReplaySnapshots(t *testing.T) {
	r := journal.NewReplay(syntheticJournal())
	if r.Duration() != 10*time.Second {
		t.Fatalf("duration %v, want 10s", r.Duration())
	}
	s := r.SnapshotAt(5 * time.Second)
	if !s.Blocks[0].Active || s.Assumptions[0].Status != assume.StatusViolated || s.Assumptions[0].Value != 210 {
		t.Fatalf("at 5s: block active %v, p99 %s %v; want on, violated at 210", s.Blocks[0].Active, s.Assumptions[0].Status, s.Assumptions[0].Value)
	}
	if len(s.Timeline) != 2 || len(s.Series["api.p99"]) != 5 || len(s.FaultWindows) != 1 || !s.FaultWindows[0].End.IsZero() {
		t.Fatalf("at 5s: %d events, %d points, windows %+v; want 2 events, 5 points, one open window", len(s.Timeline), len(s.Series["api.p99"]), s.FaultWindows)
	}
	if s.Assumptions[0].Violations != 1 || !s.Assumptions[0].Since.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("at 5s: violations %d since %v", s.Assumptions[0].Violations, s.Assumptions[0].Since)
	}
	s = r.SnapshotAt(9 * time.Second)
	if s.Blocks[0].Active || s.Assumptions[0].Status != assume.StatusHolding || s.Assumptions[0].ViolatedFor != 3*time.Second {
		t.Fatalf("at 9s: active %v, %s, violated for %v; want off, holding, 3s", s.Blocks[0].Active, s.Assumptions[0].Status, s.Assumptions[0].ViolatedFor)
	}
	if len(s.FaultWindows) != 1 || s.FaultWindows[0].End.IsZero() || len(s.Timeline) != 4 {
		t.Fatalf("at 9s: windows %+v, %d events", s.FaultWindows, len(s.Timeline))
	}
}

func TestReplayControls(t *testing.T) {
	r := journal.NewReplay(syntheticJournal())
	stop := make(chan struct{})
	defer close(stop)
	go r.Run(stop)
	next := func() session.Snapshot {
		select {
		case s := <-r.Snapshots():
			return s
		case <-time.After(3 * time.Second):
			t.Fatal("no snapshot")
		}
		return session.Snapshot{}
	}
	r.Do(session.Command{Kind: journal.CmdReplayPause})
	r.Do(session.Command{Kind: journal.CmdReplaySeek, Delta: 6})
	var s session.Snapshot
	for i := 0; i < 10; i++ {
		if s = next(); s.Replay.Paused && s.Replay.At == 6*time.Second {
			break
		}
	}
	if !s.Replay.Paused || s.Replay.At != 6*time.Second {
		t.Fatalf("after pause and seek 6s: %+v", s.Replay)
	}
	r.Do(session.Command{Kind: journal.CmdReplaySpeed, Delta: 10})
	r.Do(session.Command{Kind: journal.CmdReplayPause})
	for i := 0; i < 20; i++ {
		if s = next(); s.Replay.At >= 10*time.Second {
			break
		}
	}
	if s.Replay.At != 10*time.Second || !s.Replay.Paused || s.Replay.Speed != 10 {
		t.Fatalf("at 10× from 6s, the end (10s) comes in under 1s and pauses: %+v", s.Replay)
	}
}

// TestReplayOverlappingFaults: faults on at the same time each have their
// window closed at their own halt.
func TestReplayOverlappingFaults(t *testing.T) {
	j := syntheticJournal()
	j.Header.Blocks = append(j.Header.Blocks, journal.Block{Name: "errors", Summary: "503 on api"})
	ev := j.Events // slow on at 3 s, p99 violated at 4 s, slow halted at 6 s, p99 restored at 7 s
	j.Events = []experiments.Event{ev[0],
		{Seq: 5, Time: t0.Add(3500 * time.Millisecond), Kind: experiments.EventFaultStarted, Subject: "errors"},
		ev[1], ev[2],
		{Seq: 6, Time: t0.Add(6500 * time.Millisecond), Kind: experiments.EventFaultHalted, Subject: "errors"},
		ev[3]}
	s := journal.NewReplay(j).SnapshotAt(9 * time.Second)
	if len(s.FaultWindows) != 2 {
		t.Fatalf("%d fault windows, want 2: %+v", len(s.FaultWindows), s.FaultWindows)
	}
	for i, want := range []time.Duration{6 * time.Second, 6500 * time.Millisecond} {
		if w := s.FaultWindows[i]; !w.End.Equal(t0.Add(want)) {
			t.Errorf("window of %s ends at %v, want %v after the start", w.Block, w.End, want)
		}
	}
}

// TestReplayComposedBlock: a block composed during the game day shows in
// the replay from its event on, and its fault like any other's.
func TestReplayComposedBlock(t *testing.T) {
	j := syntheticJournal()
	added := experiments.Event{Seq: 5, Time: t0.Add(8 * time.Second), Kind: experiments.EventBlockAdded, Subject: "slower",
		Text: "composed by the operator: 400 ms delay on api",
		Added: &experiments.AddedBlock{Summary: "400 ms delay on api", Kind: experiments.FaultLatency, Target: "api",
			YAML: "- name: slower\n  fault: {kind: latency, target: api, delay: 400ms}\n"}}
	started := experiments.Event{Seq: 6, Time: t0.Add(9 * time.Second), Kind: experiments.EventFaultStarted, Subject: "slower", Text: "400 ms delay on api"}
	j.Events = append(j.Events, added, started)
	j.Samples[9].Active = map[string]float64{"slower": 1}
	for name, r := range map[string]*journal.Replay{"read whole": journal.NewReplay(j), "streamed": streamed(t, j)} {
		t.Run(name, func(t *testing.T) {
			if s := r.SnapshotAt(7 * time.Second); len(s.Blocks) != 1 {
				t.Fatalf("at 7s, before it was composed: %d blocks", len(s.Blocks))
			}
			s := r.SnapshotAt(10 * time.Second)
			if len(s.Blocks) != 2 || s.Blocks[1].Name != "slower" || !s.Blocks[1].Composed || !s.Blocks[1].Active || s.Blocks[1].Index != 1 {
				t.Fatalf("at 10s: %+v, want slower composed and on", s.Blocks)
			}
			if w := s.FaultWindows; len(w) != 2 || w[1].Block != "slower" || w[1].Index != 1 {
				t.Fatalf("fault windows %+v", w)
			}
		})
	}
}

// streamed is the replay of j written as a journal's lines and read back
// as a stream.
func streamed(t *testing.T, j *journal.Journal) *journal.Replay {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	must := func(v any) {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	must(j.Header)
	for _, e := range j.Events {
		must(journal.EventRecord{Type: "event", Event: e})
	}
	for _, s := range j.Samples {
		must(s)
	}
	r, err := journal.ReadReplay(&b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
