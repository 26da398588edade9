package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// A journal is read as a stream, a record at a time, so that reports and
// replays keep only what they need of it, whatever its length:
//
//	file ──lines──▶ Reader.Next ──▶ Record ──▶ report analysis (bounded)
//	                  │                    └─▶ replay (state changes)
//	                  └─ samples: a fast decoder, encoding/json otherwise
//
// What one journal may hold is bounded, so that a hostile one gets a clear
// error with its line number rather than all of the machine's memory.
const (
	// MaxLine is the longest line read (a header with thousands of
	// assumptions takes a few hundred KB).
	MaxLine = 8 << 20
	// MaxAssumptions, MaxBlocks, MaxCharts and MaxChartSeries bound
	// what a header may describe; MaxChartSeries counts the series of all
	// its charts.
	MaxAssumptions = 10000
	MaxBlocks      = 10000
	MaxCharts      = 32
	MaxChartSeries = 256
	// maxInterned bounds the names (of series, assumptions, blocks)
	// whose strings the Reader keeps to reuse from one sample to the next.
	maxInterned = 1 << 16
)

// LineError is an error in one line of a journal.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("journal line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Record is one record of a journal: exactly one of its pointers is set.
type Record struct {
	Line   int // its line in the journal, from 1
	Header *Header
	Event  *experiments.Event
	// Sample is valid until the next call to Next: the Reader reuses its
	// maps and values.
	Sample *Sample
	End    *End
}

// Reader reads a journal record by record. The first record is always the
// header; a line cut short at the very end (a crash) ends the journal as
// if it were not there; any other line that does not read is an error
// that names its line.
type Reader struct {
	br     *bufio.Reader
	line   int
	long   []byte // a line longer than the bufio.Reader's buffer
	header bool
	cut    bool
	err    error // sticky: once Next fails, it keeps failing
	smp    Sample
	values [][]float64 // the slabs the sample's values point into
	intern map[string]string
}

// NewReader reads a journal from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), intern: map[string]string{}}
}

// Cut reports whether the journal ended in a line cut short (a crash).
func (r *Reader) Cut() bool { return r.cut }

// Next returns the next record, or io.EOF after the last one.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
	}
	return rec, err
}

func (r *Reader) next() (Record, error) {
	for {
		b, err := r.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) && !r.header {
				return Record{}, errors.New("not a gameday journal: no header")
			}
			return Record{}, err
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		rec, err := r.decode(b)
		if err != nil {
			if !json.Valid(b) && r.atEnd() {
				// The last line, cut short by a crash (a whole line that
				// is refused is an error wherever it is).
				r.cut = true
				if !r.header {
					return Record{}, errors.New("not a gameday journal: no header")
				}
				return Record{}, io.EOF
			}
			return Record{}, &LineError{Line: r.line, Err: err}
		}
		rec.Line = r.line
		return rec, nil
	}
}

// readLine reads the next line, without its newline; io.EOF when there
// is none. A line longer than MaxLine is an error, found without reading
// the rest of it.
func (r *Reader) readLine() ([]byte, error) {
	r.long = r.long[:0]
	for {
		b, err := r.br.ReadSlice('\n')
		switch {
		case err == nil || errors.Is(err, io.EOF):
			if len(r.long)+len(b) > MaxLine+1 {
				return nil, r.tooLong()
			}
			if err != nil && len(r.long)+len(b) == 0 {
				return nil, io.EOF
			}
			r.line++
			if len(r.long) > 0 {
				r.long = append(r.long, b...)
				b = r.long
			}
			return bytes.TrimSuffix(b, []byte("\n")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(r.long)+len(b) > MaxLine {
				return nil, r.tooLong()
			}
			r.long = append(r.long, b...)
		default:
			return nil, &LineError{Line: r.line + 1, Err: err}
		}
	}
}

func (r *Reader) tooLong() error {
	r.long = nil
	return &LineError{Line: r.line + 1, Err: fmt.Errorf("line longer than %d MiB", MaxLine>>20)}
}

// atEnd reports whether nothing but blank space follows the line just
// read.
func (r *Reader) atEnd() bool {
	for {
		b, err := r.br.Peek(1)
		if err != nil || len(b) == 0 {
			return true
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			if _, err := r.br.ReadByte(); err != nil {
				return true
			}
		default:
			return false
		}
	}
}

var samplePrefix = []byte(`{"type":"sample"`)

// decode reads one line into a record.
func (r *Reader) decode(b []byte) (Record, error) {
	if bytes.HasPrefix(b, samplePrefix) && r.header {
		if r.fastSample(b) {
			return Record{Sample: &r.smp}, nil
		}
	}
	var kind struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &kind); err != nil {
		return Record{}, err
	}
	if !r.header && kind.Type != "header" {
		return Record{}, fmt.Errorf("not a gameday journal: it starts with %s, not a header", recordName(kind.Type))
	}
	switch kind.Type {
	case "header":
		if r.header {
			return Record{}, errors.New("a second header")
		}
		h := &Header{}
		if err := json.Unmarshal(b, h); err != nil {
			return Record{}, err
		}
		if err := h.check(); err != nil {
			return Record{}, err
		}
		r.header = true
		return Record{Header: h}, nil
	case "event":
		var e EventRecord
		if err := json.Unmarshal(b, &e); err != nil {
			return Record{}, err
		}
		return Record{Event: &e.Event}, nil
	case "sample":
		r.resetSample()
		if err := json.Unmarshal(b, &r.smp); err != nil {
			return Record{}, err
		}
		return Record{Sample: &r.smp}, nil
	case "end":
		e := &End{}
		if err := json.Unmarshal(b, e); err != nil {
			return Record{}, err
		}
		return Record{End: e}, nil
	}
	return Record{}, fmt.Errorf("unknown record type %q", excerpt(kind.Type))
}

func recordName(t string) string {
	if t == "" {
		return "a record without a type"
	}
	return fmt.Sprintf("a %q record", excerpt(t))
}

// excerpt shortens text from a journal for an error message.
func excerpt(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// check refuses a header this gameday cannot read, or one that describes
// more than a journal may hold.
func (h *Header) check() error {
	if h.Version != FormatVersion {
		return fmt.Errorf("journal version %d; this gameday reads version %d", h.Version, FormatVersion)
	}
	series := 0
	for _, c := range h.Charts {
		series += len(c.Series)
	}
	for _, lim := range []struct {
		what   string
		n, max int
	}{{"assumptions", len(h.Assumptions), MaxAssumptions}, {"blocks", len(h.Blocks), MaxBlocks},
		{"charts", len(h.Charts), MaxCharts}, {"chart series", series, MaxChartSeries}} {
		if lim.n > lim.max {
			return fmt.Errorf("the header has %d %s; gameday reads at most %d", lim.n, lim.what, lim.max)
		}
	}
	return nil
}

// resetSample empties the reused sample before a line is decoded into it.
func (r *Reader) resetSample() {
	s := &r.smp
	s.Type, s.T = "", time.Time{}
	for _, m := range []map[string]float64{s.Series, s.Active, s.Loads} {
		clear(m)
	}
	clear(s.Assumptions)
	if s.Series == nil {
		s.Series = map[string]float64{}
	}
	if s.Assumptions == nil {
		s.Assumptions = map[string]SampleCheck{}
	}
	if s.Active == nil {
		s.Active = map[string]float64{}
	}
	if s.Loads == nil {
		s.Loads = map[string]float64{}
	}
	if len(r.values) > 0 {
		r.values = r.values[:1]
		r.values[0] = r.values[0][:0]
	}
}

// Read reads a whole journal into memory: every record is kept. It is for
// small journals and tests; reports and replays of journals of any size
// read them as a stream (NewReader, report.Read, ReadReplay). A journal
// cut short by a crash reads up to its last whole line, with End nil.
func Read(r io.Reader) (*Journal, error) {
	jr := NewReader(r)
	j := &Journal{}
	for {
		rec, err := jr.Next()
		if errors.Is(err, io.EOF) {
			return j, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case rec.Header != nil:
			j.Header = *rec.Header
		case rec.Event != nil:
			j.Events = append(j.Events, *rec.Event)
		case rec.Sample != nil:
			j.Samples = append(j.Samples, rec.Sample.Clone())
		case rec.End != nil:
			j.End = rec.End
		}
	}
}

// Clone copies a sample, its maps and values included.
func (s *Sample) Clone() Sample {
	c := Sample{Type: s.Type, T: s.T}
	if len(s.Series) > 0 {
		c.Series = make(map[string]float64, len(s.Series))
		for k, v := range s.Series {
			c.Series[k] = v
		}
	}
	if len(s.Assumptions) > 0 {
		c.Assumptions = make(map[string]SampleCheck, len(s.Assumptions))
		vals := make([]float64, 0, len(s.Assumptions))
		for k, v := range s.Assumptions {
			if v.Value != nil {
				vals = append(vals, *v.Value)
				v.Value = &vals[len(vals)-1]
			}
			c.Assumptions[k] = v
		}
	}
	if len(s.Active) > 0 {
		c.Active = make(map[string]float64, len(s.Active))
		for k, v := range s.Active {
			c.Active[k] = v
		}
	}
	if len(s.Loads) > 0 {
		c.Loads = make(map[string]float64, len(s.Loads))
		for k, v := range s.Loads {
			c.Loads[k] = v
		}
	}
	return c
}
