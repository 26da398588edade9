package report_test

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/gameday-dev/gameday/experiments/journal/journaltest"
	"github.com/gameday-dev/gameday/experiments/report"
)

var oneHour = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := journaltest.Write(&b, journaltest.OneHour()); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// BenchmarkReportOneHour: what `gameday report` does with the 1-hour
// journal (14,400 samples at 250 ms, 30 series, 20 assumptions): read it
// as a stream, analyse it, and write every file (to memory).
func BenchmarkReportOneHour(b *testing.B) {
	in := oneHour()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := report.Read(bytes.NewReader(in))
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range []func(io.Writer) error{r.JSON, r.JUnit, r.Markdown, r.HTML} {
			if err := w(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
		for _, c := range r.Charts {
			if err := c.SVG(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestReportOneHourHeap: the report of the 1-hour journal holds little
// memory (the budget is 100 MB for the whole process; a generous bound
// here, the figures are in docs/benchmarks.md).
func TestReportOneHourHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("a 20 MB journal; not with -short")
	}
	in := oneHour()
	var r *report.Report
	var err error
	peak := peakHeap(func() { r, err = report.Read(bytes.NewReader(in)) })
	if err != nil {
		t.Fatal(err)
	}
	valid(t, r)
	t.Logf("peak heap %d MiB", peak>>20)
	if peak > 80<<20 {
		t.Errorf("the report of the 1-hour journal held %d MiB", peak>>20)
	}
}
