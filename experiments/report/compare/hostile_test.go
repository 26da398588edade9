package compare_test

import (
	"bytes"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal/journaltest"
	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/compare"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

var (
	badNumber = regexp.MustCompile(`\b(?:d|x|y|x1|x2|y1|y2|width|height|viewBox)="[^"]*(?:NaN|Inf)[^"]*"`)
	number    = regexp.MustCompile(`-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?`)
)

// TestHugeValues: values of any size, infinities and NaN are drawn within
// the chart (the ones that are not numbers skipped), never as NaN or Inf.
func TestHugeValues(t *testing.T) {
	a := newGame("a", p99Check).on(1).off(3)
	for i, v := range []float64{1, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.NaN(), math.Inf(-1), 5, 1e-300, 7} {
		a.sample(float64(i)/2, v, v, 0)
	}
	b := newGame("b", p99Check)
	for i := range 8 {
		b.sample(float64(i)*1e6, 1e300, math.NaN(), 0) // a run of 3 months, samples far apart
	}
	c := compare.Compare([]compare.Run{{Name: "a", Report: report.Build(a.end(5, assume.VerdictFailed))},
		{Name: "b", Report: report.Build(b.end(8e6, assume.VerdictPassed))}})
	out := outputs(t, c)
	page := out["html"]
	if m := badNumber.FindString(page); m != "" {
		t.Errorf("compare.html: %s", m)
	}
	for _, d := range regexp.MustCompile(` d="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		for _, n := range number.FindAllString(d[1], -1) {
			if v, err := strconv.ParseFloat(n, 64); err != nil || math.Abs(v) > 1000 {
				t.Errorf("a path with %s, outside the chart: %.80s", n, d[1])
			}
		}
	}
	if n := strings.Count(page, `class="series run-`); n != 3 {
		t.Errorf("%d lines, want 3 (2 runs × 2 charts, but b's queue has no value)", n)
	}
}

// TestLongJournals: two ten-hour game days, one cut short with no end
// record, read as streams and compared: the page stays small.
func TestLongJournals(t *testing.T) {
	if testing.Short() {
		t.Skip("reads two ten-hour journals")
	}
	spec := journaltest.Spec{Samples: 36000, Interval: time.Second, Series: 10, Assumptions: 5, Blocks: 3, Seed: 1}
	var runs []compare.Run
	for _, noEnd := range []bool{false, true} {
		s := spec
		s.NoEnd, s.Seed = noEnd, s.Seed+1
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(journaltest.Write(pw, s)) }()
		r, err := report.Read(pr)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, compare.Run{Name: "run", Report: r})
	}
	if runs[1].Report.Verdict != report.Incomplete {
		t.Fatalf("a journal without an end record reads %s", runs[1].Report.Verdict)
	}
	c := compare.Compare(runs)
	out := outputs(t, c)
	if n := len(out["html"]); n > 4<<20 {
		t.Errorf("compare.html of two ten-hour game days is %d bytes", n)
	}
	if !strings.Contains(out["html"], "10:00:00") {
		t.Error("the time axis does not reach ten hours")
	}
	if !strings.Contains(out["text"], "INCOMPLETE") {
		t.Errorf("the text does not say the second run is incomplete:\n%s", out["text"])
	}
}

// TestEscaping: names from the journals and from the command line cannot
// inject markup into the HTML, break the Markdown table or drive the
// terminal.
func TestEscaping(t *testing.T) {
	evil := "<script>alert(1)</script> | *b* [l](http://x) \x1b[31mred\u202e"
	check := p99Check
	check.Name = evil
	g := newGame(evil, check).on(1).broke(2, evil).off(3).sample(1, 300, 1, 0)
	g.j.Header.Blocks[0].Name = evil
	g.j.Header.Charts[0].Title = evil
	g.j.Events[0].Subject, g.j.Events[2].Subject = evil, evil
	r := report.Build(g.end(4, assume.VerdictFailed))
	c := compare.Compare([]compare.Run{{Name: evil, Report: r}, {Name: "<img src=x onerror=alert(1)>", Report: r}})
	out := outputs(t, c)
	for name, s := range out {
		if strings.ContainsAny(s, "\x1b\u202e") {
			t.Errorf("%s holds a control character from a name", name)
		}
	}
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(out["html"], bad) || strings.Contains(out["markdown"], bad) {
			t.Errorf("compare.html or compare.md holds %q", bad)
		}
	}
	for _, err := range htmltest.TableRows(out["markdown"]) {
		t.Errorf("compare.md: %v", err)
	}
}

// TestManySeries: a chart of many series shows the first ones of each
// run, and says how many it left out.
func TestManySeries(t *testing.T) {
	g := newGame("many", p99Check).sample(1, 10, 1, 0).sample(2, 20, 1, 0)
	ch := experiments.Chart{Title: "many", Unit: experiments.UnitMillis}
	for range 40 {
		ch.Series = append(ch.Series, experiments.ChartSeries{Series: "checkout.p99", Label: "p99"})
	}
	g.j.Header.Charts = []experiments.Chart{ch}
	r := report.Build(g.end(3, assume.VerdictPassed))
	var b bytes.Buffer
	if err := compare.Compare([]compare.Run{{Name: "a", Report: r}, {Name: "b", Report: r}}).HTML(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `class="series run-`); n != 24 {
		t.Errorf("%d lines, want 12 of each run", n)
	}
	if !strings.Contains(b.String(), "28 more series of this chart are left out.") {
		t.Error("the chart does not say what it left out")
	}
}
