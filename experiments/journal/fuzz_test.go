package journal_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments/journal"
)

// seeds are the fuzzers' starting journals: small ones that reach every
// kind of record, and the report's.
func seeds(f *testing.F) {
	ev := func(t, kind, subject string) string {
		return fmt.Sprintf(`{"type":"event","seq":1,"t":"2026-11-27T10:00:%sZ","kind":%q,"subject":%q,"text":"x"}`, t, kind, subject)
	}
	h := `{"type":"header","version":1,"name":"n","started":"2026-11-27T10:00:00Z","interval":"250ms","window":"3m0s",` +
		`"assumptions":[{"name":"p","kind":"threshold","series":"a","op":"<","threshold":5,"unit":"ms"},{"name":"r","kind":"recovery","within":"3s"}],` +
		`"blocks":[{"name":"b","summary":"s","kind":"latency","target":"t"}],"charts":[{"Title":"c","Unit":"ms","Series":[{"Series":"a","Label":"A"}]}]}`
	lines := []string{h, ev("00", "started", "n"), sampleLine("01"), ev("02", "fault-started", "b"),
		strings.Replace(sampleLine("02"), `"status":"holding","value":2`, `"status":"violated","value":1e308`, 1),
		ev("02", "violated", "p"), ev("03", "fault-halted", "b"), ev("04", "restored", "p"), ev("05", "recovered", "r"),
		strings.Replace(sampleLine("05"), `"series":{"a":1}`, `"series":{"a":-1e308},"active":{"b":0.5},"loads":{"l":3}`, 1),
		`{"type":"end","t":"2026-11-27T10:00:06Z","verdict":"failed","assumptions":[{"name":"p","passed":false,"symbol":"<b>","text":"t","status":"holding","violations":1,"violated_for":"1s"}]}`}
	f.Add([]byte(strings.Join(lines, "\n") + "\n"))
	f.Add([]byte(strings.Join(lines[:6], "\n") + "\n" + lines[6][:20]))
	f.Add([]byte(strings.Replace(lines[0], `"window":"3m0s"`, `"window":"2562047h47m16s","interval":"0s"`, 1) + "\n" + lines[2] + "\n"))
	f.Add([]byte(head + "\n"))
	for _, name := range []string{"aborted", "crashed"} {
		if b, err := os.ReadFile(filepath.Join("..", "report", "testdata", name+".jsonl")); err == nil {
			f.Add(b)
		}
	}
}

// FuzzRead: whatever the bytes, reading them ends in records or an error,
// never a panic; what reads is replayed at any offset.
func FuzzRead(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _, err := readAll(bytes.NewReader(b))
		r, rerr := journal.ReadReplay(bytes.NewReader(b))
		if (err == nil) != (rerr == nil) && !strings.Contains(fmt.Sprint(rerr), "too many events") {
			t.Fatalf("the reader says %v, the replay %v", err, rerr)
		}
		if rerr != nil {
			var le *journal.LineError
			if !errors.As(rerr, &le) && !strings.Contains(rerr.Error(), "no header") {
				t.Fatalf("an error without its line: %v", rerr)
			}
			return
		}
		for _, d := range []time.Duration{-time.Second, 0, r.Duration() / 2, r.Duration(), r.Duration() + time.Hour, math.MaxInt64} {
			s := r.SnapshotAt(d)
			for _, a := range s.Assumptions {
				_ = a.Detail(s.Now)
			}
		}
	})
}
