package report_test

import (
	"bytes"
	"encoding/json"
	htmlpkg "html"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

// evil is markup for every format, and characters no report should hold.
const evil = "<b>x</b>|`*_y_*[z](javascript:alert(1))&amp;~~s~~\x01\u202e]]><!--\n# h"

// evilJournal plants evil (with a tag, so that each one is its own) in
// every text of a journal: names, texts, symbols, units, labels, titles.
func evilJournal() *journal.Journal {
	e := func(tag string) string { return tag + evil }
	p := journal.Check{Name: e("p"), Kind: experiments.AssumeThreshold, Series: e("series"), Aggregate: experiments.Aggregate(e("agg")),
		Op: experiments.Comparison(e("op")), Threshold: 5, Unit: experiments.Unit(e("unit")), During: experiments.Phase(e("during"))}
	p2 := p
	p2.Name, p2.Op, p2.Unit, p2.Aggregate = e("p2"), experiments.Below, experiments.UnitMillis, experiments.AggP99
	r := journal.Check{Name: e("r"), Kind: experiments.AssumeRecovery, Within: experiments.Duration(3 * time.Second), Of: []string{e("of")}}
	b := journal.Block{Name: e("b"), Description: e("description"), Summary: e("summary"), Kind: experiments.FaultKind(e("kind")),
		Target: e("target"), LoadTarget: e("load"), LoadFactor: 2, Parallel: []string{e("parallel")},
		Sequence: []journal.Step{{Block: e("step")}}}
	lat := journal.Block{Name: e("lat"), Summary: e("latsummary"), Kind: experiments.FaultLatency, Target: e("lattarget")}
	j := &journal.Journal{Header: journal.Header{Type: "header", Version: 1, Gameday: e("gameday"), Name: e("name"),
		Description: e("desc"), Hypothesis: e("hyp"), File: e("file"), Case: e("case"), Started: t0, Interval: experiments.Duration(tick),
		Assumptions: []journal.Check{p, p2, r}, Blocks: []journal.Block{b, lat},
		Charts: []experiments.Chart{{Title: e("title"), Unit: experiments.UnitMillis, Series: []experiments.ChartSeries{
			{Series: p.Series, Label: e("label")}, {Series: "plain"}}}}}}
	ev := func(s float64, kind experiments.EventKind, subject, text string) {
		j.Events = append(j.Events, experiments.Event{Time: at(s), Kind: kind, Subject: subject, By: e("by"), Text: text})
	}
	ev(1, experiments.EventFaultStarted, b.Name, e("started"))
	ev(1.5, experiments.EventFaultStarted, lat.Name, e("started"))
	ev(2, experiments.EventViolated, p.Name, e("violated"))
	ev(2, experiments.EventViolated, p2.Name, e("violated2"))
	ev(3, experiments.EventKind(e("eventkind")), e("subject"), e("text"))
	ev(4, experiments.EventFaultHalted, b.Name, e("halted"))
	ev(4, experiments.EventFaultHalted, lat.Name, e("halted"))
	ev(5, experiments.EventRestored, p.Name, e("restored"))
	ev(9, experiments.EventNotRecovered, r.Name, e("notrecovered"))
	ev(9.5, experiments.EventAborted, e("guardrail"), e("aborted"))
	for i := range 12 {
		v := float64(i)
		j.Samples = append(j.Samples, journal.Sample{Type: "sample", T: at(float64(i)), Series: map[string]float64{p.Series: v, "plain": 1},
			Assumptions: map[string]journal.SampleCheck{p.Name: {Status: assume.StatusHolding, Value: &v}, p2.Name: {Status: assume.StatusViolated, Value: &v}},
			Active:      map[string]float64{b.Name: 1}})
	}
	w := 3.0
	j.End = &journal.End{Type: "end", T: at(12), Verdict: assume.VerdictAborted, Aborted: e("abortedwhy"),
		Assumptions: []assume.AssumptionFinal{{Name: p.Name, Symbol: e("symbol") + "<img src=x onerror=alert(1)>", Text: e("finaltext"),
			Status: assume.Status(e("status")), Worst: &w}}}
	return j
}

// TestEscapedEverywhere: every text of a journal reaches every format
// escaped for it: no markup of its own in report.md or report.html, XML
// that parses, JSON that decodes, no control characters, and Markdown
// tables whose rows keep their columns.
func TestEscapedEverywhere(t *testing.T) {
	j := evilJournal()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, rec := range []any{j.Header} {
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range j.Events {
		if err := enc.Encode(journal.EventRecord{Type: "event", Event: e}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range j.Samples {
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Encode(j.End); err != nil {
		t.Fatal(err)
	}
	streamed, err := report.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*report.Report{"built": report.Build(j), "read": streamed} {
		t.Run(name, func(t *testing.T) {
			out := valid(t, r)
			md := out["report.md"]
			for _, bad := range []string{"<b>", "<img", "<!--", "\n# h"} {
				if strings.Contains(md, bad) {
					t.Errorf("report.md holds %q:\n%s", bad, excerptAround(md, bad))
				}
			}
			if m := regexp.MustCompile(`(^|[^\\])\]\([^c]`).FindString(md); m != "" {
				t.Errorf("report.md holds a link (but to its charts): %s", excerptAround(md, m))
			}
			for _, tag := range []string{"name", "desc", "hyp", "p", "p2", "symbol", "eventkind", "subject", "text", "b", "summary", "title", "label", "abortedwhy", "violated"} {
				if !strings.Contains(md, tag+`&lt;b>x&lt;/b>\|`) {
					t.Errorf("report.md does not show %s, escaped", tag)
				}
			}
			for _, err := range htmltest.TableRows(md) {
				t.Error(err)
			}
			for file, s := range out {
				if file == "report.md" || file == "summary.json" {
					continue
				}
				for _, bad := range []string{"<b>", "<img", "<!--x", "]]>"} {
					if strings.Contains(s, bad) {
						t.Errorf("%s holds %q: %s", file, bad, excerptAround(s, bad))
					}
				}
			}
			var summary map[string]any
			if err := json.Unmarshal([]byte(out["summary.json"]), &summary); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out["summary.json"], `symbol<b>x</b>|`) {
				t.Errorf("summary.json lost the end record's symbol")
			}
		})
	}
}

func excerptAround(s, sub string) string {
	i := strings.Index(s, sub)
	return s[max(0, i-100):min(len(s), i+100)]
}

// TestExtremeCharts: a chart takes any value: NaN, infinities, the
// largest floats, one point, all equal; values beyond the axis are drawn
// at its edge and marked; a series that had no data breaks its line.
func TestExtremeCharts(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name     string
		values   []float64 // a per second; NaN: no value (left out of the sample for the even seconds)
		th       float64
		strokes  int // the line's strokes (M in its path)
		marks    int // values marked as beyond the axis
		axisText string
	}{
		{name: "ordinary", values: []float64{1, 2, 3, 4}, th: 5, strokes: 1},
		{name: "a gap", values: []float64{1, 2, nan, nan, 3, 4}, th: 5, strokes: 2},
		{name: "a lone point between gaps", values: []float64{1, nan, 2, nan, 3}, th: 5, strokes: 3},
		{name: "one point", values: []float64{7}, th: 5, strokes: 1},
		{name: "all equal", values: []float64{3, 3, 3}, th: math.NaN(), strokes: 1},
		{name: "all equal and huge", values: []float64{1e20, 1e20, 1e20}, th: math.NaN(), strokes: 1, axisText: "e+20"},
		{name: "all equal, huge and negative", values: []float64{-1e20, -1e20}, th: math.NaN(), strokes: 1},
		{name: "the largest floats", values: []float64{1, 1e308, -1e308, 2}, th: 5, strokes: 1, marks: 2},
		{name: "infinities", values: []float64{1, inf, -inf, 2}, th: 5, strokes: 1, marks: 2},
		{name: "a threshold of 1e308", values: []float64{1, 2}, th: 1e308, strokes: 1},
		{name: "an infinite threshold", values: []float64{1, 2}, th: inf, strokes: 1},
		{name: "all NaN", values: []float64{nan, nan}, th: 5, strokes: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := threshold("p", "s", "", tt.th, experiments.UnitMillis)
			s := newSmall(checks(c))
			s.j.Header.Charts = []experiments.Chart{{Title: "s", Unit: experiments.UnitMillis, Series: []experiments.ChartSeries{{Series: "s"}}}}
			for i, v := range tt.values {
				smp := journal.Sample{Type: "sample", T: at(float64(i)), Series: map[string]float64{}}
				if !math.IsNaN(v) || i%2 == 1 {
					smp.Series["s"] = v
				}
				s.j.Samples = append(s.j.Samples, smp)
			}
			r := report.Build(s.end(float64(len(tt.values)), assume.VerdictPassed))
			out := valid(t, r)
			svg := out["chart-1.svg"]
			d := regexp.MustCompile(`class="series"[^>]* d="([^"]*)"`).FindStringSubmatch(svg)
			if d == nil {
				t.Fatalf("no line:\n%s", svg)
			}
			if n := strings.Count(d[1], "M"); n != tt.strokes {
				t.Errorf("%d strokes, want %d: %s", n, tt.strokes, d[1])
			}
			marks := regexp.MustCompile(`class="clamped"[^>]* d="([^"]*)"`).FindStringSubmatch(svg)
			if n := 0; marks != nil || tt.marks > 0 {
				if marks != nil {
					n = strings.Count(marks[1], "M")
				}
				if n != tt.marks {
					t.Errorf("%d marks, want %d", n, tt.marks)
				}
			}
			if tt.axisText != "" && !strings.Contains(htmlpkg.UnescapeString(svg), tt.axisText) {
				t.Errorf("the axis does not say %s:\n%s", tt.axisText, svg)
			}
		})
	}
}
