package journal_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// TestHeaderHypothesis: the hypothesis goes into the header and comes
// back from it, into a replay's snapshots; a journal written before the
// hypothesis existed reads as one without.
func TestHeaderHypothesis(t *testing.T) {
	e := &experiments.Experiment{Name: "x", Hypothesis: "p99 stays under 250 ms while inventory is slow."}
	line, err := json.Marshal(journal.HeaderOf(e, t0, "test"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(line), `"hypothesis":"p99 stays under 250 ms while inventory is slow."`) {
		t.Fatalf("the header lacks the hypothesis: %s", line)
	}
	for _, tc := range []struct{ name, journal, want string }{
		{"new", string(line) + "\n" + sampleLine("01") + "\n", e.Hypothesis},
		{"old", head + "\n" + sampleLine("01") + "\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := journal.Read(strings.NewReader(tc.journal))
			if err != nil {
				t.Fatal(err)
			}
			if j.Header.Hypothesis != tc.want {
				t.Fatalf("header hypothesis %q, want %q", j.Header.Hypothesis, tc.want)
			}
			if got := journal.NewReplay(j).SnapshotAt(0).Hypothesis; got != tc.want {
				t.Fatalf("replayed hypothesis %q, want %q", got, tc.want)
			}
		})
	}
}
