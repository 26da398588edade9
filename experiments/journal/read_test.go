package journal_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments/journal"
)

const head = `{"type":"header","version":1,"name":"x","started":"2026-11-27T10:00:00Z","interval":"250ms","window":"3m0s"}`

func sampleLine(t string) string {
	return `{"type":"sample","t":"2026-11-27T10:00:` + t + `Z","series":{"a":1},"assumptions":{"p":{"status":"holding","value":2}}}`
}

// readAll reads every record, and how many of each kind.
func readAll(r io.Reader) (samples, events int, cut bool, err error) {
	jr := journal.NewReader(r)
	for {
		rec, err := jr.Next()
		if errors.Is(err, io.EOF) {
			return samples, events, jr.Cut(), nil
		}
		if err != nil {
			return samples, events, jr.Cut(), err
		}
		if rec.Sample != nil {
			samples++
		}
		if rec.Event != nil {
			events++
		}
	}
}

// TestReaderLines: what a line can be, and the line an error names.
func TestReaderLines(t *testing.T) {
	s1, s2 := sampleLine("01"), sampleLine("02")
	tests := []struct {
		name    string
		in      string
		samples int
		cut     bool
		err     string // in the error; "" none
		line    int    // the line the error names (0: not a LineError)
	}{
		{name: "whole", in: head + "\n" + s1 + "\n" + s2 + "\n", samples: 2},
		{name: "no final newline", in: head + "\n" + s1 + "\n" + s2, samples: 2},
		{name: "CRLF and blank lines", in: head + "\r\n\r\n" + s1 + "\r\n   \r\n" + s2 + "\r\n", samples: 2},
		{name: "cut short by a crash", in: head + "\n" + s1 + "\n" + s2[:40], samples: 1, cut: true},
		{name: "cut, then its newline", in: head + "\n" + s1 + "\n" + s2[:40] + "\n", samples: 1, cut: true},
		{name: "zeros at the end (a crash on some file systems)", in: head + "\n" + s1 + "\n\x00\x00\x00\x00", samples: 1, cut: true},
		{name: "a bad line in the middle", in: head + "\n" + s1 + "\n" + s2[:40] + "\n" + s2 + "\n", err: "unexpected end", line: 3},
		{name: "garbage", in: "garbage\n{}\n", err: "invalid character", line: 1},
		{name: "empty", in: "", err: "no header"},
		{name: "only a cut header", in: head[:30], err: "no header"},
		{name: "a sample first", in: s1 + "\n" + head + "\n", err: "starts with a \"sample\" record, not a header", line: 1},
		{name: "a second header", in: head + "\n" + s1 + "\n" + head + "\n" + s2 + "\n", err: "a second header", line: 3},
		{name: "another version", in: strings.Replace(head, `"version":1`, `"version":9`, 1) + "\n", err: "journal version 9", line: 1},
		{name: "an unknown record", in: head + "\n" + `{"type":"surprise"}` + "\n" + s1 + "\n", err: `unknown record type "surprise"`, line: 2},
		{name: "NaN is not JSON", in: head + "\n" + strings.Replace(s1, `"a":1`, `"a":NaN`, 1) + "\n" + s2 + "\n", err: "invalid character", line: 2},
		{name: "1e309 does not fit", in: head + "\n" + strings.Replace(s1, `"a":1`, `"a":1e309`, 1) + "\n" + s2 + "\n", err: "1e309", line: 2},
		{name: "1e308 fits", in: head + "\n" + strings.Replace(s1, `"a":1`, `"a":1e308`, 1) + "\n" + s2 + "\n", samples: 2},
		{name: "deeply nested", in: head + "\n" + `{"type":"event","text":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}\n" + s1 + "\n",
			err: "exceeded max depth", line: 2},
		{name: "a wrong type", in: head + "\n" + `{"type":"sample","series":"no"}` + "\n" + s1 + "\n", err: "cannot unmarshal", line: 2},
		{name: "invalid UTF-8 in a name", in: head + "\n" + strings.Replace(s1, `"a"`, "\"a\xff\xfe\"", 1) + "\n", samples: 1},
		{name: "too many charts", in: strings.Replace(head, `"window":"3m0s"`, `"window":"3m0s","charts":[`+
			strings.TrimSuffix(strings.Repeat(`{"Title":"c"},`, journal.MaxCharts+1), ",")+`]`, 1) + "\n", err: "33 charts; gameday reads at most 32", line: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples, _, cut, err := readAll(strings.NewReader(tt.in))
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if samples != tt.samples || cut != tt.cut {
					t.Fatalf("%d samples, cut %v; want %d, %v", samples, cut, tt.samples, tt.cut)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one that says %q", err, tt.err)
			}
			var le *journal.LineError
			if errors.As(err, &le) != (tt.line > 0) || tt.line > 0 && le.Line != tt.line {
				t.Fatalf("error %v: want line %d", err, tt.line)
			}
		})
	}
}

// endless is a line of n bytes of c, made as it is read.
type endless struct {
	prefix string
	n      int64
	c      byte
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.prefix) > 0 {
		n := copy(p, e.prefix)
		e.prefix = e.prefix[n:]
		return n, nil
	}
	if e.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.n)
	for i := range p[:n] {
		p[i] = e.c
	}
	e.n -= n
	return int(n), nil
}

// TestReaderLongLine: a line of a gigabyte is an error that names it,
// found after MaxLine bytes, not after a gigabyte.
func TestReaderLongLine(t *testing.T) {
	in := &endless{prefix: head + "\n" + sampleLine("01") + "\n" + `{"type":"event","text":"`, n: 1 << 30, c: 'x'}
	_, _, _, err := readAll(in)
	var le *journal.LineError
	if !errors.As(err, &le) || le.Line != 3 || !strings.Contains(err.Error(), "longer than 8 MiB") {
		t.Fatalf("error %v, want line 3 longer than 8 MiB", err)
	}
	if read := int64(1<<30) - in.n; read > 2*journal.MaxLine {
		t.Fatalf("read %d MiB of the line to say it is too long", read>>20)
	}
}

// TestReadKeepsSamples: Read gives each sample maps of its own, though
// the Reader reuses its.
func TestReadKeepsSamples(t *testing.T) {
	in := head + "\n" + sampleLine("01") + "\n" + strings.Replace(sampleLine("02"), `"value":2`, `"value":3`, 1) + "\n"
	j, err := journal.Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Samples) != 2 || *j.Samples[0].Assumptions["p"].Value != 2 || *j.Samples[1].Assumptions["p"].Value != 3 {
		t.Fatalf("samples %+v", j.Samples)
	}
}
