package journal

import (
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
)

// The journal is a game day written down as JSON lines: a header, then
// every event and one sample per interval, then an end record. It is
// written as the game day goes, a flush per interval, so a crash (even
// kill -9) loses at most the last interval. Reports and replays are made
// from the journal alone.
//
//	{"type":"header","version":1,...}
//	{"type":"event","t":"...","kind":"fault-started",...}
//	{"type":"sample","t":"...","series":{"checkout.p99":12.5},...}
//	{"type":"end","t":"...","verdict":"failed",...}

// FormatVersion is the version of the journal format this gameday writes.
const FormatVersion = 1

// Header opens a journal: what was run.
type Header struct {
	Type        string                `json:"type"` // "header"
	Version     int                   `json:"version"`
	Gameday     string                `json:"gameday"` // gameday's version
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Hypothesis  string                `json:"hypothesis,omitempty"` // absent from journals written before it existed
	File        string                `json:"file,omitempty"`
	Case        string                `json:"case,omitempty"`
	Started     time.Time             `json:"started"`
	Interval    experiments.Duration  `json:"interval"`
	Window      experiments.Duration  `json:"window"`
	Assumptions []Check               `json:"assumptions"`
	Blocks      []Block               `json:"blocks"`
	Charts      []experiments.Chart   `json:"charts"`
	Schedule    *experiments.Schedule `json:"schedule,omitempty"`

	// Matrix is the matrix case's value of each parameter, in order.
	Matrix []experiments.MatrixValue `json:"matrix,omitempty"`
}

// Check is an assumption as the journal records it.
type Check struct {
	Name      string                     `json:"name"`
	Kind      experiments.AssumptionKind `json:"kind"`
	Series    string                     `json:"series,omitempty"`
	Aggregate experiments.Aggregate      `json:"aggregate,omitempty"`
	Window    experiments.Duration       `json:"window,omitempty"`
	Op        experiments.Comparison     `json:"op,omitempty"`
	Threshold float64                    `json:"threshold,omitempty"`
	Unit      experiments.Unit           `json:"unit,omitempty"`
	Within    experiments.Duration       `json:"within,omitempty"`
	Of        []string                   `json:"of,omitempty"`
	// Relative thresholds are Factor times the baseline; the threshold
	// this came to is in the end record.
	Relative bool              `json:"relative,omitempty"`
	Factor   float64           `json:"factor,omitempty"`
	During   experiments.Phase `json:"during,omitempty"`
}

// Block is a block as the journal records it: what it does in words
// (Summary), and its structure, so that a report need not read the
// words: its fault's kind and target, its load change, the blocks it
// runs together or in turn.
type Block struct {
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Summary     string                `json:"summary"`
	Kind        experiments.FaultKind `json:"kind,omitempty"`
	Target      string                `json:"target,omitempty"`
	// LoadFactor multiplies the rate of the load LoadTarget while on.
	LoadTarget string  `json:"load_target,omitempty"`
	LoadFactor float64 `json:"load_factor,omitempty"`
	// Parallel and Sequence name the blocks a composition runs.
	Parallel []string `json:"parallel,omitempty"`
	Sequence []Step   `json:"sequence,omitempty"`
}

// Step is one step of a sequence block: a block on for a time.
type Step struct {
	Block string               `json:"block"`
	For   experiments.Duration `json:"for"`
}

// Sample is one interval: every series sampled, every assumption's
// state, and which blocks were on.
type Sample struct {
	Type        string                 `json:"type"` // "sample"
	T           time.Time              `json:"t"`
	Series      map[string]float64     `json:"series"`
	Assumptions map[string]SampleCheck `json:"assumptions,omitempty"`
	Active      map[string]float64     `json:"active,omitempty"` // block → intensity
	Loads       map[string]float64     `json:"loads,omitempty"`  // load → target rate
}

// SampleCheck is an assumption's state in a sample.
type SampleCheck struct {
	Status assume.Status `json:"status"`
	Value  *float64      `json:"value,omitempty"`
}

// EventRecord is one event of the timeline.
type EventRecord struct {
	Type string `json:"type"` // "event"
	experiments.Event
}

// End closes a journal: the verdict and each assumption's outcome.
type End struct {
	Type        string                   `json:"type"` // "end"
	T           time.Time                `json:"t"`
	Verdict     assume.RunVerdict        `json:"verdict"`
	Aborted     string                   `json:"aborted,omitempty"`
	Assumptions []assume.AssumptionFinal `json:"assumptions"`
}

// Journal is a game day read back from its journal.
type Journal struct {
	Header  Header
	Events  []experiments.Event
	Samples []Sample
	End     *End // nil when the game day did not end (a crash)
}
