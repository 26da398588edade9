package report_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/journal/journaltest"
	"github.com/gameday-dev/gameday/experiments/report"
)

// outputs renders every file of a report.
func outputs(t testing.TB, r *report.Report) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, write := range map[string]func(io.Writer) error{"summary.json": r.JSON, "junit.xml": r.JUnit,
		"report.md": r.Markdown, "report.html": r.HTML} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.String()
	}
	for _, c := range r.Charts {
		var b bytes.Buffer
		if err := c.SVG(&b); err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		out[c.File] = b.String()
	}
	return out
}

func sameOutputs(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d files, want %d", len(got), len(want))
	}
	for name, w := range want {
		if g := got[name]; g != w {
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s differs at byte %d:\n got …%.200s\nwant …%.200s", name, i, g[max(0, i-80):], w[max(0, i-80):])
		}
	}
}

func journalBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadIsBuild: the report of a journal read as a stream is the report
// of the journal read whole, to the byte; a long one (whose charts keep
// buckets, not points) too.
func TestReadIsBuild(t *testing.T) {
	var long bytes.Buffer
	if err := journaltest.Write(&long, journaltest.Spec{Samples: 6000, Interval: 250 * time.Millisecond, Series: 10,
		Assumptions: 6, Blocks: 3, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{"long": long.Bytes()}
	for _, name := range journals {
		tests[name] = journalBytes(t, name)
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			j, err := journal.Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			r, err := report.Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			sameOutputs(t, outputs(t, r), outputs(t, report.Build(j)))
		})
	}
}

// TestReadLateEvents: events written a little after samples of a later
// time (a fault's start stamped when it happened, written when the loop
// heard of it) are put back in their place, as Build puts them.
func TestReadLateEvents(t *testing.T) {
	b := journalBytes(t, "demo")
	j, err := journal.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := outputs(t, report.Build(j))
	// Move every event after the next three samples (0.75 s).
	lines := strings.SplitAfter(string(b), "\n")
	var out, held []string
	samples := 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, `{"type":"event"`):
			held = append(held, l)
			samples = 0
			continue
		case strings.HasPrefix(l, `{"type":"sample"`):
			samples++
		}
		out = append(out, l)
		if samples == 3 || strings.HasPrefix(l, `{"type":"end"`) {
			out = append(out[:len(out)-1], append(held, l)...)
			held = nil
		}
	}
	moved := strings.Join(append(out, held...), "")
	if moved == string(b) {
		t.Fatal("no event was moved")
	}
	r, err := report.Read(strings.NewReader(moved))
	if err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, outputs(t, r), want)
}
