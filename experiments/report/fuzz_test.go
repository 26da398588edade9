package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
)

// FuzzReport: whatever a journal holds, reading it ends in an error (that
// names its line) or a report whose every file renders and is valid (see
// valid): escaped, XML and JSON that parse, no NaN in a chart.
func FuzzReport(f *testing.F) {
	f.Add([]byte(hostileHeader + "\n" + hostileSample(0, "1") + "\n" + hostileEvent(0) + "\n" + hostileEvent(1) + "\n" +
		hostileSample(1, "1e308") + "\n" + hostileEvent(3) + "\n" + hostileEvent(4) + "\n" + hostileSample(9, "-3") + "\n" +
		hostileEvent(5) + "\n" + hostileEvent(6) + "\n" +
		`{"type":"end","t":"2026-11-27T10:00:09Z","verdict":"aborted","aborted":"g","assumptions":[{"name":"p","passed":false,"symbol":"<b>|","text":"t","status":"x","violations":1,"violated_for":"1s"}]}` + "\n"))
	f.Add([]byte(hostileHeader + "\n" + hostileSample(0, "1")[:50]))
	var evil bytes.Buffer
	enc := json.NewEncoder(&evil)
	j := evilJournal()
	_ = enc.Encode(j.Header)
	for _, e := range j.Events {
		_ = enc.Encode(journal.EventRecord{Type: "event", Event: e})
	}
	for _, s := range j.Samples {
		_ = enc.Encode(s)
	}
	_ = enc.Encode(j.End)
	f.Add(evil.Bytes())
	for _, name := range []string{"aborted", "crashed"} {
		f.Add(journalBytes(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := report.Read(bytes.NewReader(b))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "journal line ") && !strings.Contains(err.Error(), "no header") {
				t.Fatalf("an error without its line: %v", err)
			}
			return
		}
		began := time.Now()
		valid(t, r)
		if took := time.Since(began); took > 10*time.Second {
			t.Fatalf("%v to write a report of %d bytes", took, len(b))
		}
	})
}
