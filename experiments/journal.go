package experiments

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
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

// JournalVersion is the version of the journal format this gameday writes.
const JournalVersion = 1

// JournalHeader opens a journal: what was run.
type JournalHeader struct {
	Type        string         `json:"type"` // "header"
	Version     int            `json:"version"`
	Gameday     string         `json:"gameday"` // gameday's version
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	File        string         `json:"file,omitempty"`
	Case        string         `json:"case,omitempty"`
	Started     time.Time      `json:"started"`
	Interval    Duration       `json:"interval"`
	Window      Duration       `json:"window"`
	Assumptions []JournalCheck `json:"assumptions"`
	Blocks      []JournalBlock `json:"blocks"`
	Charts      []Chart        `json:"charts"`
	Schedule    *Schedule      `json:"schedule,omitempty"`
}

// JournalCheck is an assumption as the journal records it.
type JournalCheck struct {
	Name      string         `json:"name"`
	Kind      AssumptionKind `json:"kind"`
	Series    string         `json:"series,omitempty"`
	Aggregate Aggregate      `json:"aggregate,omitempty"`
	Window    Duration       `json:"window,omitempty"`
	Op        Comparison     `json:"op,omitempty"`
	Threshold float64        `json:"threshold,omitempty"`
	Unit      Unit           `json:"unit,omitempty"`
	Within    Duration       `json:"within,omitempty"`
	Of        []string       `json:"of,omitempty"`
	// Relative thresholds are Factor times the baseline; the threshold
	// this came to is in the end record.
	Relative bool    `json:"relative,omitempty"`
	Factor   float64 `json:"factor,omitempty"`
	During   Phase   `json:"during,omitempty"`
}

// JournalBlock is a block as the journal records it.
type JournalBlock struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Summary     string    `json:"summary"`
	Kind        FaultKind `json:"kind,omitempty"`
	Target      string    `json:"target,omitempty"`
}

// JournalSample is one interval: every series sampled, every assumption's
// state, and which blocks were on.
type JournalSample struct {
	Type        string                 `json:"type"` // "sample"
	T           time.Time              `json:"t"`
	Series      map[string]float64     `json:"series"`
	Assumptions map[string]SampleCheck `json:"assumptions,omitempty"`
	Active      map[string]float64     `json:"active,omitempty"` // block → intensity
	Loads       map[string]float64     `json:"loads,omitempty"`  // load → target rate
}

// SampleCheck is an assumption's state in a sample.
type SampleCheck struct {
	Status Status   `json:"status"`
	Value  *float64 `json:"value,omitempty"`
}

// JournalEvent is one event of the timeline.
type JournalEvent struct {
	Type string `json:"type"` // "event"
	Event
}

// JournalEnd closes a journal: the verdict and each assumption's outcome.
type JournalEnd struct {
	Type        string            `json:"type"` // "end"
	T           time.Time         `json:"t"`
	Verdict     RunVerdict        `json:"verdict"`
	Aborted     string            `json:"aborted,omitempty"`
	Assumptions []AssumptionFinal `json:"assumptions"`
}

// AssumptionFinal is an assumption's outcome at the end.
type AssumptionFinal struct {
	Name          string   `json:"name"`
	Passed        bool     `json:"passed"`
	Symbol        string   `json:"symbol"`
	Text          string   `json:"text"`
	Status        Status   `json:"status"`
	Worst         *float64 `json:"worst,omitempty"`
	Violations    int      `json:"violations"`
	ViolatedFor   Duration `json:"violated_for"`
	SlowestRecov  Duration `json:"slowest_recovery,omitempty"`
	RecoveredOK   int      `json:"recovered,omitempty"`
	RecoveryFails int      `json:"recovery_failed,omitempty"`
	// Threshold is the one in force at the end (for a relative one, the
	// factor times the baseline); Baseline is that baseline.
	Threshold *float64 `json:"threshold,omitempty"`
	Baseline  *float64 `json:"baseline,omitempty"`
	BlindFor  Duration `json:"blind_for,omitempty"`
}

// Duration is a time.Duration written as "1.5s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// JournalWriter writes a journal as the session runs.
type JournalWriter struct {
	f       io.WriteCloser
	w       *bufio.Writer
	err     error // the first write error: the file is lost from there
	skipped int   // records that could not be encoded (and were left out)
}

// CreateJournal creates the journal file at path.
func CreateJournal(path string) (*JournalWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return NewJournalWriter(f), nil
}

// NewJournalWriter writes a journal to w, which it closes at the end.
func NewJournalWriter(w io.WriteCloser) *JournalWriter {
	return &JournalWriter{f: w, w: bufio.NewWriterSize(w, 64<<10)}
}

// put writes a record. One that cannot be encoded is left out (and
// counted) rather than ending the journal; a write error ends it.
func (j *JournalWriter) put(v any) {
	if j.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		j.skipped++
		return
	}
	if _, j.err = j.w.Write(append(b, '\n')); j.err != nil {
		return
	}
}

// flush writes out the interval: after a kill -9, what was flushed is in
// the file.
func (j *JournalWriter) flush() {
	if j.err == nil {
		j.err = j.w.Flush()
	}
}

// Close flushes and closes the journal.
func (j *JournalWriter) Close() error {
	j.flush()
	return errors.Join(j.err, j.f.Close())
}

// Err is the first write error, if any.
func (j *JournalWriter) Err() error { return j.err }

// journalHeader describes the experiment for the journal.
func journalHeader(e *Experiment, started time.Time) JournalHeader {
	h := JournalHeader{Type: "header", Version: JournalVersion, Gameday: Version, Name: e.Name,
		Description: e.Description, File: e.File, Case: e.Case, Started: started,
		Interval: Duration(e.interval()), Window: Duration(e.window()), Charts: e.Charts, Schedule: e.Schedule}
	for _, a := range e.Assumptions {
		if a.Kind == "" {
			a.Kind = AssumeThreshold
		}
		h.Assumptions = append(h.Assumptions, JournalCheck{Name: a.Name, Kind: a.Kind, Series: a.Series,
			Aggregate: a.Aggregate, Window: Duration(a.Window), Op: a.Op, Threshold: a.Threshold, Unit: a.Unit,
			Within: Duration(a.Within), Of: a.Of, Relative: a.Relative, Factor: a.Factor, During: a.During})
	}
	for _, b := range e.Blocks {
		jb := JournalBlock{Name: b.Name, Description: b.Description, Summary: e.Redact(b.Summary())}
		if b.Fault != nil {
			jb.Kind, jb.Target = b.Fault.Kind, b.Fault.Target
		}
		h.Blocks = append(h.Blocks, jb)
	}
	return h
}

// Version is gameday's version, written into journals and reports.
var Version = "dev"

// ReadJournal reads a journal back. A journal cut short by a crash reads
// up to its last whole line, with End nil.
func ReadJournal(r io.Reader) (*Journal, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	j := &Journal{}
	for i, b := range lines {
		line := i + 1
		if len(b) == 0 {
			continue
		}
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &kind); err != nil {
			if i == len(lines)-1 {
				break // the last line, cut short by a crash
			}
			return nil, fmt.Errorf("journal line %d: %v", line, err)
		}
		var err error
		switch kind.Type {
		case "header":
			err = json.Unmarshal(b, &j.Header)
			if err == nil && j.Header.Version != JournalVersion {
				err = fmt.Errorf("journal version %d; this gameday reads version %d", j.Header.Version, JournalVersion)
			}
		case "event":
			var e JournalEvent
			if err = json.Unmarshal(b, &e); err == nil {
				j.Events = append(j.Events, e.Event)
			}
		case "sample":
			var s JournalSample
			if err = json.Unmarshal(b, &s); err == nil {
				j.Samples = append(j.Samples, s)
			}
		case "end":
			j.End = &JournalEnd{}
			err = json.Unmarshal(b, j.End)
		default:
			err = fmt.Errorf("unknown record type %q", kind.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("journal line %d: %w", line, err)
		}
	}
	if j.Header.Type != "header" {
		return nil, errors.New("not a gameday journal: no header")
	}
	return j, nil
}

// Journal is a game day read back from its journal.
type Journal struct {
	Header  JournalHeader
	Events  []Event
	Samples []JournalSample
	End     *JournalEnd // nil when the game day did not end (a crash)
}
