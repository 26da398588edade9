package report_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
)

var journals = []string{"demo", "aborted", "crashed"}

// updating reports whether the test runs with -update (the flag of the
// golden package).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestJournals checks that testdata/*.jsonl are what the simulated game
// days write, so that they stay true to the experiments package.
func TestJournals(t *testing.T) {
	for _, name := range journals {
		t.Run(name, func(t *testing.T) {
			got := scenarios[name].journal()
			path := filepath.Join("testdata", name+".jsonl")
			if updating() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from the simulated game day; run go test -update to rewrite it", path)
			}
		})
	}
}

func readJournal(t *testing.T, name string) *journal.Journal {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	j, err := journal.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestGolden compares every output for each journal with its golden file
// (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, name := range journals {
		t.Run(name, func(t *testing.T) {
			r := report.Build(readJournal(t, name))
			for _, out := range []struct {
				name  string
				write func(io.Writer) error
			}{{"summary.json", r.JSON}, {"junit.xml", r.JUnit}, {"report.md", r.Markdown}, {"report.html", r.HTML}} {
				t.Run(out.name, func(t *testing.T) {
					var b bytes.Buffer
					if err := out.write(&b); err != nil {
						t.Fatal(err)
					}
					golden.RequireEqual(t, b.Bytes())
				})
			}
		})
	}
}

// TestWrite writes every file into a directory it creates.
func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "demo")
	if err := report.Write(dir, readJournal(t, "demo")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"summary.json", "junit.xml", "report.md", "report.html", "chart-1.svg", "chart-2.svg", "chart-3.svg"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() == 0 {
			t.Errorf("%s is empty", f)
		}
	}
}

// TestOddJournals: whatever a journal holds, every output is written.
func TestOddJournals(t *testing.T) {
	demo := readJournal(t, "demo")
	tests := map[string]*journal.Journal{
		"header only": {Header: journal.Header{Type: "header", Version: 1, Name: "empty", Started: t0}},
		"no samples": newSmall(checks(p99, recov), slowInv).on(1, "slow inventory").
			event(2, experiments.EventViolated, "checkout p99", "").end(3, failed),
		"unknown names": newSmall(checks(p99)).on(1, "ghost").event(2, experiments.EventFaultHalted, "other", "").
			event(3, experiments.EventViolated, "nobody", "").event(4, experiments.EventNotRecovered, "nothing", "").
			event(5, experiments.EventRecovered, "checkout p99", "recovered late, 3s after the halt").end(6, failed),
		"a not-recovered without a halt": newSmall(checks(recov)).
			event(4, experiments.EventNotRecovered, "recovery", "still broken").end(6, failed),
		"charts without samples": {Header: demo.Header},
	}
	for name, j := range tests {
		t.Run(name, func(t *testing.T) {
			if err := report.Write(t.TempDir(), j); err != nil {
				t.Fatal(err)
			}
		})
	}
}
