package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// FuzzFastSample holds the fast decoder of samples to encoding/json:
// what it accepts, encoding/json reads the same.
func FuzzFastSample(f *testing.F) {
	for _, s := range []string{
		`{"type":"sample","t":"2026-11-27T10:00:00.25Z","series":{"a":1,"b":-2.5e3},"assumptions":{"p":{"status":"holding","value":2}},"active":{"x":1},"loads":{"l":40}}`,
		`{"type":"sample","t":"2026-11-27T10:00:00Z","series":{}}`,
		`{"type":"sample" , "t" : "2026-11-27T10:00:00+02:00" ,"series":{"é":0.1}}`,
		`{"type":"sample","t":"2026-11-27T10:00:00Z","series":{"a":1,"a":2},"assumptions":{"p":{"value":1,"status":"x","value":3}}}`,
		`{"type":"sample","t":"2026-11-27T10:00:00Z","series":{"a":1e308,"b":-0,"c":0.000001}}`,
		`{"type":"sample","t":"2026-11-27T10:00:00Z","series":{"a":01}}`,
		`{"type":"sample","Series":{"a":1}}`,
		`{"type":"sample","series":{"a\u0062":1}}`,
		`{"type":"sample","series":{"a":null}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(nil)
		r.header = true
		if !r.fastSample(b) {
			return
		}
		fast := describe(&r.smp)
		var s Sample
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("the fast decoder took %q; encoding/json: %v", b, err)
		}
		if slow := describe(&s); slow != fast {
			t.Fatalf("%q:\nfast %s\njson %s", b, fast, slow)
		}
	})
}

// describe prints a sample, its values rather than their pointers, the
// empty maps as none.
func describe(s *Sample) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %v %v", s.Type, s.T, s.T.Location())
	for _, m := range []map[string]float64{s.Series, s.Active, s.Loads} {
		if len(m) > 0 {
			fmt.Fprintf(&b, " %v", m)
		} else {
			b.WriteString(" {}")
		}
	}
	checks := map[string]string{}
	for k, c := range s.Assumptions {
		v := "nil"
		if c.Value != nil {
			v = fmt.Sprint(*c.Value)
		}
		checks[k] = string(c.Status) + " " + v
	}
	fmt.Fprintf(&b, " %v", checks)
	return b.String()
}

// TestFastSampleTakesWhatTheWriterWrites: the samples of a journal take
// the fast path.
func TestFastSampleTakesWhatTheWriterWrites(t *testing.T) {
	v := 2.5
	line, err := json.Marshal(Sample{Type: "sample", Series: map[string]float64{"a": 1, "é b": 1e-7},
		Assumptions: map[string]SampleCheck{"p": {Status: "holding", Value: &v}, "q": {Status: "waiting"}},
		Active:      map[string]float64{"x": 0.5}, Loads: map[string]float64{"l": 40}})
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(nil)
	r.header = true
	if !r.fastSample(line) {
		t.Fatalf("the fast decoder left %s to encoding/json", line)
	}
}
