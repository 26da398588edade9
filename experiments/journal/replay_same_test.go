package journal_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/journal/journaltest"
)

// oddJournal is a journal that a session would not write but a replay
// must take: events out of order, a block started twice, an assumption
// named twice, samples without some assumptions or values, values that
// are not numbers, a sample before the start, loads that come and go.
func oddJournal() *journal.Journal {
	j := syntheticJournal()
	h := &j.Header
	h.Assumptions = append(h.Assumptions, h.Assumptions[0],
		journal.Check{Name: "rate", Kind: experiments.AssumeThreshold, Series: "api.rate", Op: experiments.Above, Threshold: 5})
	h.Blocks = append(h.Blocks, journal.Block{Name: "slow"}, journal.Block{Name: "kill"})
	h.Charts = append(h.Charts, experiments.Chart{Title: "rate", Series: []experiments.ChartSeries{{Series: "api.rate"}, {Series: "api.p99"}}})
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	j.Events = append(j.Events,
		experiments.Event{Seq: 5, Time: at(2500), Kind: experiments.EventFaultStarted, Subject: "kill"},
		experiments.Event{Seq: 6, Time: at(3200), Kind: experiments.EventFaultStarted, Subject: "kill"},
		experiments.Event{Seq: 7, Time: at(8000), Kind: experiments.EventFaultError, Subject: "kill", Text: "halt failed"},
		experiments.Event{Seq: 8, Time: at(8500), Kind: experiments.EventAborted, Subject: "guard"},
		experiments.Event{Seq: 9, Time: at(1000), Kind: experiments.EventNote, Subject: "late"},
		experiments.Event{Seq: 10, Time: at(9000), Kind: experiments.EventFaultHalted, Subject: "kill"})
	nan, inf := math.NaN(), math.Inf(1)
	for i := range j.Samples {
		s := &j.Samples[i]
		s.Series["api.rate"] = float64(10 - i)
		s.Assumptions["rate"] = journal.SampleCheck{Status: assume.StatusHolding, Value: ptr(float64(10 - i))}
		switch i {
		case 2:
			delete(s.Assumptions, "p99")
			delete(s.Series, "api.p99")
		case 4:
			s.Assumptions["p99"] = journal.SampleCheck{Status: assume.StatusViolated}
			s.Series["api.p99"] = nan
		case 5:
			s.Assumptions["rate"] = journal.SampleCheck{Status: assume.StatusViolated, Value: &inf}
			s.Loads = map[string]float64{"checkout": 40, "search": 5}
		case 6, 7:
			s.Loads = map[string]float64{"checkout": 40 + float64(i)}
			s.Active = map[string]float64{"kill": 0.5}
		}
	}
	early := journal.Sample{Type: "sample", T: t0.Add(-time.Second), Series: map[string]float64{"api.p99": 1}}
	j.Samples = append([]journal.Sample{early}, j.Samples...)
	return j
}

func ptr(v float64) *float64 { return &v }

func readFile(t testing.TB, path string) *journal.Journal {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func generated(t testing.TB, s journaltest.Spec) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := journaltest.Write(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReplaySameAsBefore holds the replay to the one that kept every
// assumption's state at every sample: the same snapshot at every offset.
func TestReplaySameAsBefore(t *testing.T) {
	small := journaltest.Spec{Samples: 2000, Interval: 250 * time.Millisecond, Series: 12, Assumptions: 8, Blocks: 3, Seed: 7}
	gen, err := journal.Read(bytes.NewReader(generated(t, small)))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]*journal.Journal{"synthetic": syntheticJournal(), "odd": oddJournal(), "generated": gen}
	for _, name := range []string{"demo", "aborted", "crashed"} {
		tests[name] = readFile(t, filepath.Join("..", "report", "testdata", name+".jsonl"))
	}
	for name, j := range tests {
		t.Run(name, func(t *testing.T) {
			old, r := journal.OldReplay(j), journal.NewReplay(j)
			if old.Duration() != r.Duration() {
				t.Fatalf("duration %v, was %v", r.Duration(), old.Duration())
			}
			offsets := []time.Duration{-time.Second, 0, r.Duration(), r.Duration() + time.Minute}
			step := max(1300*time.Millisecond, r.Duration()/80)
			for d := time.Duration(0); d <= r.Duration(); d += step {
				offsets = append(offsets, d, d.Truncate(250*time.Millisecond))
			}
			for _, d := range offsets {
				if got, want := fmt.Sprintf("%+v", r.SnapshotAt(d)), fmt.Sprintf("%+v", old.SnapshotAt(d)); got != want {
					t.Fatalf("at %v:\n got %.3000s\nwant %.3000s", d, got, want)
				}
			}
		})
	}
}

// TestReadReplay: a replay read as a stream is the replay of the journal
// read whole.
func TestReadReplay(t *testing.T) {
	b := generated(t, journaltest.Spec{Samples: 1500, Interval: 250 * time.Millisecond, Series: 7, Assumptions: 5, Blocks: 2, Seed: 3})
	j, err := journal.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := journal.ReadReplay(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	whole := journal.NewReplay(j)
	for d := time.Duration(0); d <= whole.Duration(); d += 7 * time.Second {
		if got, want := fmt.Sprintf("%+v", streamed.SnapshotAt(d)), fmt.Sprintf("%+v", whole.SnapshotAt(d)); got != want {
			t.Fatalf("at %v, streamed and whole differ", d)
		}
	}
}

// TestReplayThinsOut: past its budget a replay keeps fewer frames, and
// still the latest, with the exact state of every assumption there.
func TestReplayThinsOut(t *testing.T) {
	j, err := journal.Read(bytes.NewReader(generated(t, journaltest.Spec{Samples: 4000, Interval: 250 * time.Millisecond,
		Series: 10, Assumptions: 10, Blocks: 3, Seed: 5})))
	if err != nil {
		t.Fatal(err)
	}
	r := journal.NewReplayBudget(j, 200<<10)
	if r.Stride() < 2 {
		t.Fatalf("stride %d: the replay did not thin out", r.Stride())
	}
	old := journal.OldReplay(j)
	end := r.Duration()
	last := j.Samples[len(j.Samples)-1].T.Sub(j.Header.Started)
	for _, d := range []time.Duration{last, end} {
		got, want := r.SnapshotAt(d), old.SnapshotAt(d)
		if g, w := fmt.Sprintf("%+v", got.Assumptions), fmt.Sprintf("%+v", want.Assumptions); g != w {
			t.Fatalf("at %v the assumptions differ:\n got %.2000s\nwant %.2000s", d, g, w)
		}
	}
	for d := time.Duration(0); d < end; d += 10 * time.Second {
		got, want := r.SnapshotAt(d), old.SnapshotAt(d)
		for i := range got.Assumptions {
			if g, w := got.Assumptions[i], want.Assumptions[i]; g.Violations > w.Violations || g.Since.After(w.Since) {
				t.Fatalf("at %v, %s: %d violations since %v; the full replay has %d since %v", d, g.Name, g.Violations, g.Since, w.Violations, w.Since)
			}
		}
		if n, m := len(got.Series["svc0.p00"]), len(want.Series["svc0.p00"]); n > m/r.Stride()+2 {
			t.Fatalf("at %v: %d points of %d at stride %d", d, n, m, r.Stride())
		}
	}
}
