package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

// valid renders every file of a report and checks it: summary.json is
// JSON, junit.xml and each chart are XML, report.html nests; no file holds
// invalid UTF-8, a control character, a bidirectional override, or a NaN
// or an infinity in an SVG attribute.
func valid(t testing.TB, r *report.Report) map[string]string {
	t.Helper()
	out := outputs(t, r)
	if !json.Valid([]byte(out["summary.json"])) {
		t.Errorf("summary.json is not JSON")
	}
	if err := xml.Unmarshal([]byte(out["junit.xml"]), new(junitSuites)); err != nil {
		t.Errorf("junit.xml: %v", err)
	}
	if err := htmltest.Balanced(out["report.html"]); err != nil {
		t.Errorf("report.html: %v", err)
	}
	for name, s := range out {
		if strings.HasSuffix(name, ".svg") {
			if err := wellFormed(s); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if !utf8.ValidString(s) {
			t.Errorf("%s: invalid UTF-8", name)
		}
		for _, r := range s {
			if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r >= 0x7f && r <= 0x9f || r == '\u202e' || r == '\u2066' {
				t.Errorf("%s holds %U", name, r)
				break
			}
		}
		if m := badNumber.FindString(s); m != "" && (strings.HasSuffix(name, ".svg") || name == "report.html") {
			t.Errorf("%s: %s", name, m)
		}
	}
	return out
}

var badNumber = regexp.MustCompile(`\b(?:d|x|y|x1|x2|y1|y2|width|height|viewBox)="[^"]*(?:NaN|Inf)[^"]*"`)

// wellFormed reads s as XML, strictly, to its end.
func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// generated is a journal made as it is read: a header, then line(i) for
// i < n.
type generated struct {
	header string
	n, i   int
	line   func(i int) string
	buf    bytes.Buffer
}

func (g *generated) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) {
		switch {
		case g.header != "":
			g.buf.WriteString(g.header + "\n")
			g.header = ""
		case g.i < g.n:
			g.buf.WriteString(g.line(g.i) + "\n")
			g.i++
		default:
			if g.buf.Len() == 0 {
				return 0, io.EOF
			}
			return g.buf.Read(p)
		}
	}
	return g.buf.Read(p)
}

const hostileHeader = `{"type":"header","version":1,"name":"hostile","started":"2026-11-27T10:00:00Z","interval":"250ms","window":"3m0s",` +
	`"assumptions":[{"name":"p","kind":"threshold","series":"a","op":"<","threshold":5,"unit":"ms"},{"name":"r","kind":"recovery","within":"3s"}],` +
	`"blocks":[{"name":"b","summary":"s","kind":"latency","target":"t"}],"charts":[{"Title":"c","Unit":"ms","Series":[{"Series":"a","Label":"A"},{"Series":"z","Label":"Z"}]}]}`

func stamp(i int, step time.Duration) string {
	return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * step).Format(time.RFC3339Nano)
}

func hostileEvent(i int) string {
	kinds := []string{"fault-started", "violated", "note", "restored", "fault-halted", "not-recovered", "aborted"}
	subjects := []string{"b", "p", "operator", "p", "b", "r", "guard"}
	k := i % len(kinds)
	return fmt.Sprintf(`{"type":"event","seq":%d,"t":%q,"kind":%q,"subject":%q,"text":"event %d"}`, i, stamp(i, time.Millisecond), kinds[k], subjects[k], i)
}

func hostileSample(i int, a string) string {
	return fmt.Sprintf(`{"type":"sample","t":%q,"series":{"a":%s,"z":%d},"assumptions":{"p":{"status":"holding","value":%s}},"active":{"b":1}}`,
		stamp(i, 250*time.Millisecond), a, i%7, a)
}

// xs reads as endless x's.
type xs struct{}

func (xs) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// peakHeap runs f and returns the most heap it held, sampled every 10 ms.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak uint64
	var mu sync.Mutex
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak
}

// TestHostileJournals: whatever a journal holds, the report and the
// replay end in a clear error (with the line) or in a sane report, in
// bounded memory, never in a panic.
func TestHostileJournals(t *testing.T) {
	tests := []struct {
		name  string
		in    func() io.Reader
		err   string // in the error ("" none)
		big   bool   // skipped by -short
		check func(t *testing.T, r *report.Report)
	}{
		{name: "many events", big: true,
			in: func() io.Reader { return &generated{header: hostileHeader, n: bigRecords, line: hostileEvent} },
			check: func(t *testing.T, r *report.Report) {
				if len(r.Timeline) > 10000 || len(r.Cascade) > 5000 || len(r.Faults) > 10000 || len(r.LeftOut) == 0 {
					t.Errorf("%d timeline entries, %d breaks, %d faults, left out %q", len(r.Timeline), len(r.Cascade), len(r.Faults), r.LeftOut)
				}
			}},
		{name: "many samples", big: true,
			in: func() io.Reader {
				return &generated{header: hostileHeader, n: bigRecords, line: func(i int) string { return hostileSample(i, fmt.Sprint(i%100)) }}
			},
			check: func(t *testing.T, r *report.Report) {
				if r.DurationS < float64(bigRecords-1)/4 {
					t.Errorf("lasted %vs", r.DurationS)
				}
			}},
		{name: "a line of a gigabyte", err: "journal line 3: line longer than 8 MiB",
			in: func() io.Reader {
				return io.MultiReader(strings.NewReader(hostileHeader+"\n"+hostileSample(0, "1")+"\n"+`{"type":"event","text":"`),
					io.LimitReader(xs{}, 1<<30))
			}},
		{name: "NaN", err: "journal line 2: invalid character 'N'",
			in: func() io.Reader {
				return strings.NewReader(hostileHeader + "\n" + hostileSample(1, "NaN") + "\n" + hostileSample(2, "1") + "\n")
			}},
		{name: "infinity", err: "journal line 2: json: cannot unmarshal number 1e999",
			in: func() io.Reader {
				return strings.NewReader(hostileHeader + "\n" + hostileSample(1, "1e999") + "\n" + hostileSample(2, "1") + "\n")
			}},
		{name: "deeply nested", err: "exceeded max depth",
			in: func() io.Reader {
				return strings.NewReader(hostileHeader + "\n" + `{"type":"event","text":` + strings.Repeat(`{"a":`, 50000) + "\n" + hostileSample(2, "1") + "\n")
			}},
		{name: "a header that lies about its version", err: "journal line 1: journal version 7",
			in: func() io.Reader {
				return strings.NewReader(strings.Replace(hostileHeader, `"version":1`, `"version":7`, 1) + "\n")
			}},
		{name: "extreme values",
			in: func() io.Reader {
				var b strings.Builder
				b.WriteString(strings.Replace(hostileHeader, `"threshold":5`, `"threshold":1e308`, 1) + "\n")
				for i, v := range []string{"1e308", "-1e308", "0", "1.7976931348623157e308", "-5e-324", "1e308"} {
					b.WriteString(hostileSample(i, v) + "\n")
					b.WriteString(hostileEvent(i) + "\n")
				}
				return strings.NewReader(b.String())
			}},
		{name: "a header that lies: no interval, a window of centuries, started in year 1",
			in: func() io.Reader {
				h := strings.Replace(hostileHeader, `"interval":"250ms","window":"3m0s"`, `"interval":"0s","window":"2562047h47m16s"`, 1)
				h = strings.Replace(h, `"started":"2026-11-27T10:00:00Z"`, `"started":"0001-01-01T00:00:00Z"`, 1)
				return &generated{header: h, n: 50, line: func(i int) string { return hostileSample(i, "3") }}
			}},
		{name: "a header that lies: started after everything",
			in: func() io.Reader {
				h := strings.Replace(hostileHeader, `"started":"2026-11-27T10:00:00Z"`, `"started":"9999-12-31T23:59:59Z"`, 1)
				return &generated{header: h, n: 50, line: func(i int) string {
					if i%2 == 0 {
						return hostileEvent(i)
					}
					return hostileSample(i, "3")
				}}
			}},
		{name: "invalid UTF-8 and controls in names and texts",
			in: func() io.Reader {
				h := strings.Replace(hostileHeader, `"name":"hostile"`, "\"name\":\"ho\xff\xfestile\\u0001\\u202e\"", 1)
				return strings.NewReader(h + "\n" + "{\"type\":\"event\",\"t\":\"2026-11-27T10:00:01Z\",\"kind\":\"no\xc3te\",\"subject\":\"\\u0000\",\"text\":\"\\u0007\xed\xa0\x80\"}\n" +
					hostileSample(1, "2") + "\n")
			}},
		{name: "a single point", in: func() io.Reader { return strings.NewReader(hostileHeader + "\n" + hostileSample(3, "4") + "\n") }},
		{name: "only a header", in: func() io.Reader { return strings.NewReader(hostileHeader + "\n") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.big && testing.Short() {
				t.Skip("a big journal; not with -short")
			}
			var r *report.Report
			var err error
			peak := peakHeap(func() { r, err = report.Read(tt.in()) })
			t.Logf("the report held at most %d MiB of heap", peak>>20)
			if peak > 200<<20 {
				t.Errorf("the report held %d MiB", peak>>20)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if _, err := journal.ReadReplay(tt.in()); err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("replay: error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			valid(t, r)
			if tt.check != nil {
				tt.check(t, r)
			}
			var rp *journal.Replay
			peak = peakHeap(func() { rp, err = journal.ReadReplay(tt.in()) })
			t.Logf("the replay held at most %d MiB of heap (%v)", peak>>20, err)
			if peak > 200<<20 {
				t.Errorf("the replay held %d MiB", peak>>20)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "too many events to replay") {
					t.Fatal(err)
				}
				return
			}
			for _, d := range []time.Duration{0, rp.Duration() / 2, rp.Duration(), math.MaxInt64} {
				s := rp.SnapshotAt(d)
				if s.Window <= 0 || s.Window > 24*time.Hour {
					t.Errorf("a window of %v", s.Window)
				}
			}
		})
	}
}
