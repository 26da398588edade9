// Package report makes the report of a game day from its journal alone,
// so that a live game day, a headless run and a replay all end in the same
// report:
//
//	journal ──▶ Read (a stream) or Build (in memory) ──▶ Report ──┬─▶ JSON      summary.json  (CI)
//	                               ├─▶ JUnit     junit.xml     (CI)
//	                               ├─▶ Markdown  report.md, chart-N.svg
//	                               └─▶ HTML      report.html   (self-contained)
//
// The analysis says which assumptions held, where and by how much they
// deviated, which fault came before which breakage (the cascade), how long
// recovery took, and what to fix, each suggestion citing this run's numbers.
package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// Verdict is how a game day ended: the verdict of its end record, or
// Incomplete.
type Verdict string

// Verdicts.
const (
	Passed  = Verdict(assume.VerdictPassed)  // every assumption held (or was not tested)
	Failed  = Verdict(assume.VerdictFailed)  // an assumption did not hold
	Aborted = Verdict(assume.VerdictAborted) // a guardrail halted everything
	// Incomplete: the journal has no end record; gameday stopped or
	// crashed before the game day ended.
	Incomplete Verdict = "incomplete"
)

// Outcome is an assumption's result.
type Outcome string

// Outcomes.
const (
	OutcomePassed    Outcome = "passed"
	OutcomeFailed    Outcome = "failed"
	OutcomeNotTested Outcome = "not tested" // a recovery check that no halt put to the test
	OutcomeNoData    Outcome = "no data"    // a threshold that never had a value
)

// Report is a game day analysed. It is also the layout of summary.json,
// whose field names are stable. Times are offsets from the start in
// seconds (fields ending in _s, rounded to the millisecond); values are in
// the unit of the assumption they belong to; a null is "none" (no value,
// not stopped, never held again).
type Report struct {
	Schema   int     `json:"schema"`            // this layout's version: 1
	Gameday  string  `json:"gameday"`           // the gameday that wrote the journal
	Verdict  Verdict `json:"verdict"`           // passed, failed, aborted or incomplete
	Symbol   string  `json:"symbol"`            // ✓ passed, ✗ failed, ! aborted or incomplete
	Headline string  `json:"headline"`          // the verdict in one sentence
	Aborted  string  `json:"aborted,omitempty"` // the guardrail that halted everything, and why

	Experiment Experiment `json:"experiment"`
	Started    time.Time  `json:"started"`
	DurationS  float64    `json:"duration_s"` // to the end record, or to the last record of a cut journal

	Assumptions []Assumption `json:"assumptions"`
	Faults      []Fault      `json:"faults"`      // every activation of a block, in order
	Cascade     []Break      `json:"cascade"`     // what broke, in order
	Recoveries  []Recovery   `json:"recoveries"`  // how long things took to hold again after a halt
	Suggestions []Suggestion `json:"suggestions"` // what to fix; empty when nothing broke
	Timeline    []Entry      `json:"timeline"`    // every event (of a very long journal, the first and the last ones)
	// The debrief: what the room found, and what it will do.
	Findings    []Finding    `json:"findings,omitempty"`
	ActionItems []ActionItem `json:"action_items,omitempty"`
	// LeftOut says, in sentences, what a journal too long to show whole
	// had more of than the report shows; empty for any game day of a
	// human scale.
	LeftOut []string `json:"left_out,omitempty"`

	// Charts are the header's charts, drawn from the samples.
	Charts []Chart `json:"-"`

	timelineCut     int // where the timeline leaves events out
	timelineOmitted int // how many
}

// Experiment names what was run.
type Experiment struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Hypothesis  string `json:"hypothesis,omitempty"`
	Case        string `json:"case,omitempty"` // the matrix case
	// Matrix is the case's value of each matrix parameter, in order.
	Matrix []experiments.MatrixValue `json:"matrix,omitempty"`
	File   string                    `json:"file,omitempty"`
}

// Assumption is an assumption's outcome.
type Assumption struct {
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`      // threshold or recovery
	Condition string  `json:"condition"` // "p99 of checkout over 3s < 250 ms"
	Verdict   Outcome `json:"verdict"`   // passed, failed, not tested or no data
	Symbol    string  `json:"symbol"`    // ✓, ✗ or –
	Text      string  `json:"text"`      // the verdict line gameday prints

	// Threshold assumptions.
	Series         string    `json:"series,omitempty"`
	Aggregate      string    `json:"aggregate,omitempty"`
	WindowS        float64   `json:"window_s,omitempty"`
	Op             string    `json:"op,omitempty"` // <, <=, > or >=
	Threshold      *float64  `json:"threshold,omitempty"`
	Unit           string    `json:"unit"`                      // ms, %, req/s or empty
	Worst          *float64  `json:"worst"`                     // the worst value seen
	FirstViolatedS *float64  `json:"first_violated_s"`          // when it first broke
	ViolatedForS   float64   `json:"violated_for_s"`            // time spent violated, in all
	Violations     int       `json:"violations"`                // how many times it broke
	WithinS        float64   `json:"within_s,omitempty"`        // recovery: the limit
	Of             []string  `json:"of,omitempty"`              // recovery: what it watches (empty: all)
	RecoveryS      []float64 `json:"recovery_s,omitempty"`      // each time it held again, counted from a halt
	RecoveryFailed int       `json:"recovery_failed,omitempty"` // recovery: halts after which it ran out of time
}

// Fault is one activation of a block: when it was on, and how hard.
type Fault struct {
	Block     string   `json:"block"`
	Summary   string   `json:"summary"`          // what it does: "300 ms ± 50 ms delay on inventory"
	Kind      string   `json:"kind,omitempty"`   // the fault kind (empty: a load change or a composition)
	Target    string   `json:"target,omitempty"` // the proxy or process it acts on
	StartS    float64  `json:"start_s"`
	StopS     *float64 `json:"stop_s"` // null: still on when the journal ends
	DurationS float64  `json:"duration_s"`
	// PeakIntensity is the highest intensity (0..1) sampled while it was
	// on; null when no sample fell in its window.
	PeakIntensity *float64 `json:"peak_intensity"`
	Halted        string   `json:"halted,omitempty"` // why it went off: "halted by operator after 20s"
}

// Break is one breakage of the cascade, and the fault it follows.
type Break struct {
	Assumption string   `json:"assumption"` // the assumption, or the guardrail for an abort
	Kind       string   `json:"kind"`       // violated, not recovered or aborted
	AtS        float64  `json:"at_s"`
	Value      *float64 `json:"value"` // the value when it broke
	Worst      *float64 `json:"worst"` // the worst value until it held again
	Unit       string   `json:"unit"`
	Condition  string   `json:"condition,omitempty"`
	// Fault is the fault on when it broke (the latest started, if several
	// were), or else the last one that started before; empty when no fault
	// had started.
	Fault       string   `json:"fault"`
	FaultOn     bool     `json:"fault_on"`
	AfterStartS *float64 `json:"after_start_s"` // how long after that fault started
	AfterHaltS  *float64 `json:"after_halt_s"`  // how long after it halted, when it broke after
	HeldAgainS  *float64 `json:"held_again_s"`  // when it held again (null: not before the end)
	// RecoveredS is the time from the fault's halt to the assumption
	// holding again; null when it held again while the fault was still on,
	// or never.
	RecoveredS *float64 `json:"recovered_s"`
	Text       string   `json:"text"` // the event's text

	at    time.Time
	ep    *episode
	try   *attempt
	act   *activation
	check *journal.Check
}

// Recovery is how long an assumption took to hold again after a halt: a
// recovery check's attempt, or a threshold assumption whose fault halted
// while it was broken.
type Recovery struct {
	Assumption string   `json:"assumption"`
	Check      bool     `json:"check"` // a recovery check (else a threshold assumption)
	Fault      string   `json:"fault"` // the fault whose halt started the clock
	HaltedS    float64  `json:"halted_s"`
	HeldS      *float64 `json:"held_s"` // when it held again (null: not before the end)
	TookS      *float64 `json:"took_s"` // from the halt to holding again
	WithinS    *float64 `json:"within_s,omitempty"`
	// Outcome: recovered, late (after the check's limit), not recovered,
	// not judged (still recovering when the journal ends) or no data.
	Outcome string `json:"outcome"`
}

// Suggestion is a remediation chosen by a rule on the fault's kind and
// what broke, with the evidence of this run.
type Suggestion struct {
	// Rule: dependency-latency, dependency-errors, stalled-consumer,
	// overload, slow-recovery, baseline or isolation.
	Rule       string   `json:"rule"`
	Title      string   `json:"title"`
	Fault      string   `json:"fault,omitempty"`
	Assumption string   `json:"assumption,omitempty"`
	Evidence   string   `json:"evidence"`
	Actions    []string `json:"actions"`
}

// Entry is one event of the timeline.
type Entry struct {
	AtS     float64 `json:"at_s"`
	Kind    string  `json:"kind"`
	Subject string  `json:"subject,omitempty"`
	// By is who caused it: "alice · operator" in a room, "the schedule"…
	By   string `json:"by,omitempty"`
	Text string `json:"text"`
	Bad  bool   `json:"bad,omitempty"` // bad news: a violation, an error, an abort
}

// JSON writes summary.json.
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
