package report_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments/report"
)

// What CI reads of junit.xml.
type junitResult struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Failure   *junitResult `xml:"failure"`
	Error     *junitResult `xml:"error"`
	Skipped   *junitResult `xml:"skipped"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	tests := []struct {
		journal                          string
		tests, failures, errors, skipped int
		failing                          []string
		messages                         []string // in the failure messages
	}{
		{"demo", 4, 2, 0, 0, []string{"error rate", "queue depth"},
			[]string{"broke at 00:10.5, 0.5s after inventory errors started; worst 26 % (must stay < 1 %)",
				"broke at 00:32.2, 2.2s after payments paused started; worst 601.5 (must stay < 100)"}},
		{"aborted", 5, 3, 0, 0, []string{"checkout p99", "error rate", "guardrails"},
			[]string{"broke at 00:10.5, 0.5s after inventory latency started; worst 431 ms", "aborted: checkout down: checkout 77 % > 50 %"}},
		{"crashed", 5, 2, 1, 1, []string{"error rate", "queue depth"},
			[]string{"worst 332.1 (must stay < 100)"}},
	}
	for _, tt := range tests {
		t.Run(tt.journal, func(t *testing.T) {
			r := report.Build(readJournal(t, tt.journal))
			var b bytes.Buffer
			if err := r.JUnit(&b); err != nil {
				t.Fatal(err)
			}
			var got junitSuites
			if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("junit.xml does not parse: %v\n%s", err, b.String())
			}
			if len(got.Suites) != 1 {
				t.Fatalf("%d suites, want 1", len(got.Suites))
			}
			s := got.Suites[0]
			if s.Name != "gameday: "+r.Experiment.Name {
				t.Errorf("suite %q, want %q", s.Name, "gameday: "+r.Experiment.Name)
			}
			if s.Tests != tt.tests || s.Failures != tt.failures || s.Errors != tt.errors || s.Skipped != tt.skipped ||
				got.Tests != tt.tests || got.Failures != tt.failures {
				t.Errorf("tests/failures/errors/skipped %d/%d/%d/%d, want %d/%d/%d/%d", s.Tests, s.Failures, s.Errors, s.Skipped,
					tt.tests, tt.failures, tt.errors, tt.skipped)
			}
			var failing, messages []string
			var failures, errors, skipped int
			for _, c := range s.Cases {
				if c.Classname != r.Experiment.Name {
					t.Errorf("case %q: classname %q", c.Name, c.Classname)
				}
				if c.Failure != nil {
					failures++
					failing = append(failing, c.Name)
					messages = append(messages, c.Failure.Message)
				}
				if c.Error != nil {
					errors++
				}
				if c.Skipped != nil {
					skipped++
				}
			}
			if len(s.Cases) != s.Tests || failures != s.Failures || errors != s.Errors || skipped != s.Skipped {
				t.Errorf("the counts do not match the cases: %d cases, %d failures, %d errors, %d skipped",
					len(s.Cases), failures, errors, skipped)
			}
			if strings.Join(failing, ", ") != strings.Join(tt.failing, ", ") {
				t.Errorf("failing %q, want %q", failing, tt.failing)
			}
			all := strings.Join(messages, "\n")
			for _, m := range tt.messages {
				if !strings.Contains(all, m) {
					t.Errorf("no failure message says %q:\n%s", m, all)
				}
			}
		})
	}
}
