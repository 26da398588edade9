package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The JUnit XML that CI systems read (GitHub, GitLab, Jenkins): the common
// schema of Jenkins' junit-10.xsd.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

// junitCounts sum up a suite (or all of them) and say how long it took.
type junitCounts struct {
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Skipped   *junitResult `xml:"skipped"`
	Error     *junitResult `xml:"error"`
	Failure   *junitResult `xml:"failure"`
	SystemOut string       `xml:"system-out,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit writes junit.xml: a test case per assumption (a failed one with
// its worst value and when it broke, one not tested or without data
// skipped), a failing "guardrails" case when a guardrail aborted the run,
// and an erring "journal" case when the journal has no end record.
func (r *Report) JUnit(w io.Writer) error {
	class := r.Experiment.Name
	if r.Experiment.Case != "" {
		class += " [" + r.Experiment.Case + "]"
	}
	s := junitSuite{Name: "gameday: " + class, junitCounts: junitCounts{Time: fmt.Sprintf("%.3f", r.DurationS)},
		Timestamp:  r.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{{"verdict", string(r.Verdict)}, {"headline", r.Headline}}}
	if r.Experiment.File != "" {
		s.Properties = append(s.Properties, junitProperty{"file", r.Experiment.File})
	}
	if r.Experiment.Hypothesis != "" {
		s.Properties = append(s.Properties, junitProperty{"hypothesis", r.Experiment.Hypothesis})
	}
	s.Properties = append(s.Properties, r.junitDebrief()...)
	for _, a := range r.Assumptions {
		c := junitCase{Name: a.Name, Classname: class, Time: "0", SystemOut: a.Text}
		switch a.Verdict {
		case OutcomeFailed:
			c.Failure = &junitResult{Message: r.failure(a), Type: "assumption failed", Text: r.breaksOf(a.Name)}
		case OutcomeNotTested, OutcomeNoData:
			c.Skipped = &junitResult{Message: string(a.Verdict) + ": " + a.Text}
		}
		s.Cases = append(s.Cases, c)
	}
	if r.Verdict == Aborted {
		s.Cases = append(s.Cases, junitCase{Name: "guardrails", Classname: class, Time: "0",
			Failure: &junitResult{Message: "aborted: " + r.Aborted, Type: "aborted", Text: r.breaksOf("")}})
	}
	if r.Verdict == Incomplete {
		s.Cases = append(s.Cases, junitCase{Name: "journal", Classname: class, Time: "0",
			Error: &junitResult{Type: "incomplete", Message: fmt.Sprintf(
				"incomplete: the journal ends at %s without an end record (gameday stopped or crashed)", clock(r.DurationS))}})
	}
	for _, c := range s.Cases {
		s.Tests++
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	all := junitSuites{Name: "gameday", junitCounts: s.junitCounts, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// failure is the message of a failed assumption: when it broke, against
// which fault, and how badly.
func (r *Report) failure(a Assumption) string {
	for i := range r.Cascade {
		b := &r.Cascade[i]
		if b.Assumption != a.Name || b.Kind == "aborted" {
			continue
		}
		if b.Kind == "not recovered" {
			return fmt.Sprintf("not recovered in time: at %s, %s; %s", clock(b.AtS), relation(b), b.Text)
		}
		return fmt.Sprintf("broke at %s, %s; worst %s (must stay %s); violated %d× for %s in all",
			clock(b.AtS), relation(b), value(a.Unit, a.Worst), budget(b), a.Violations, dur(a.ViolatedForS))
	}
	return a.Text
}

// breaksOf lists the breakages of an assumption (of the guardrails for
// ""), one a line.
func (r *Report) breaksOf(name string) string {
	var lines []string
	for i := range r.Cascade {
		b := &r.Cascade[i]
		if name == "" && b.Kind != "aborted" || name != "" && b.Assumption != name {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s %s: %s", clock(b.AtS), b.Assumption, breakWords(b), b.Text))
	}
	return strings.Join(lines, "\n")
}
