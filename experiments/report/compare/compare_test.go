package compare_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/compare"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

func compareNoneHardened() *compare.Comparison {
	none, hardened := noneAndHardened()
	return compare.Compare([]compare.Run{{Name: "none", Report: report.Build(none)}, {Name: "hardened", Report: report.Build(hardened)}})
}

// TestCompareCells: every assumption of either run, by name, in the
// first run's order, then the others'; a run without one has "–".
func TestCompareCells(t *testing.T) {
	c := compareNoneHardened()
	type want struct {
		verdict, worst, violated, recovery string
	}
	wants := map[string][2]want{
		"checkout p99": {{"✗ failed", "358 ms", "4.2s (1×)", "1.2s"}, {"✓ passed", "45.8 ms", "–", "–"}},
		"queue depth":  {{"✗ failed", "742", "3.2s (1×)", "1.2s"}, {"✓ passed", "50", "–", "–"}},
		"recovery":     {{"✓ passed", "–", "–", "1.2s"}, {"✓ passed", "–", "–", "6.5s"}},
		"old check":    {{"– no data", "–", "–", "–"}, {"–", "–", "–", "–"}},
		"error rate":   {{"–", "–", "–", "–"}, {"✗ failed", "100 %", "9.5s (1×)", "6.5s"}},
	}
	var order []string
	for _, row := range c.Assumptions {
		order = append(order, row.Name)
		w, ok := wants[row.Name]
		if !ok {
			t.Errorf("an assumption %q that no run has", row.Name)
			continue
		}
		if len(row.Cells) != 2 {
			t.Fatalf("%s: %d cells, want 2", row.Name, len(row.Cells))
		}
		for k, cl := range row.Cells {
			got := want{compare.VerdictWords(cl), compare.WorstWords(cl), compare.ViolatedWords(cl), compare.RecoveryWords(cl)}
			if got != w[k] {
				t.Errorf("%s in run %d: %+v, want %+v", row.Name, k+1, got, w[k])
			}
		}
	}
	if got := strings.Join(order, ", "); got != "checkout p99, queue depth, recovery, old check, error rate" {
		t.Errorf("assumptions in the order %s", got)
	}
	if r := c.Runs[1]; r.Name != "hardened" || r.Verdict != report.Failed || r.Failed != 1 || r.Judged != 4 || r.DurationS != 12 {
		t.Errorf("the second run: %+v", r)
	}
}

// TestCompareDeltas: what changed from the first run, in words, the
// other run's value first.
func TestCompareDeltas(t *testing.T) {
	c := compareNoneHardened()
	want := map[string]compare.Delta{
		"":             {Change: compare.Better, Text: "1 assumption failed vs 2"},
		"checkout p99": {Change: compare.Better, Text: "passed vs failed, worst 45.8 ms vs 358 ms, never violated vs violated for 4.2s, nothing to recover from vs recovered in 1.2s"},
		"queue depth":  {Change: compare.Better, Text: "passed vs failed, worst 50 vs 742, never violated vs violated for 3.2s, nothing to recover from vs recovered in 1.2s"},
		"recovery":     {Change: compare.Worse, Text: "recovered in 6.5s vs 1.2s"},
		"old check":    {Change: compare.Differ, Text: "not in hardened"},
		"error rate":   {Change: compare.Differ, Text: "not in none; failed here"},
	}
	if len(c.Deltas) != len(want) {
		t.Errorf("%d deltas, want %d: %+v", len(c.Deltas), len(want), c.Deltas)
	}
	for _, d := range c.Deltas {
		w, ok := want[d.Assumption]
		if !ok || d.Run != 1 || d.Change != w.Change || d.Text != w.Text {
			t.Errorf("delta of %q: run %d, %q %q; want run 1, %q %q", d.Assumption, d.Run, d.Change, d.Text, w.Change, w.Text)
		}
	}
}

// TestCompareSameRun: a run against itself changed in nothing.
func TestCompareSameRun(t *testing.T) {
	none, _ := noneAndHardened()
	r := report.Build(none)
	c := compare.Compare([]compare.Run{{Name: "a", Report: r}, {Name: "a", Report: r}})
	if c.Runs[1].Name != "a (2)" {
		t.Errorf("a second run of a name is called %q", c.Runs[1].Name)
	}
	for _, d := range c.Deltas {
		if d.Change != compare.Same || d.Text != "no difference" {
			t.Errorf("%q: %q %q", d.Assumption, d.Change, d.Text)
		}
	}
}

// TestCompareNothingInCommon: two runs with no assumption in common, or
// none at all, and fewer than two runs, still make every output.
func TestCompareNothingInCommon(t *testing.T) {
	a := newGame("a", p99Check).on(1).off(2).sample(1, 10, 1, 0).end(3, "passed")
	b := newGame("b", queueCheck).sample(1, 10, 1, 0).end(3, "passed")
	b.Header.Charts = nil
	empty := newGame("empty").end(0, "passed")
	empty.Header.Charts = nil
	for name, runs := range map[string][]compare.Run{
		"disjoint":  {{Name: "a", Report: report.Build(a)}, {Name: "b", Report: report.Build(b)}},
		"empty":     {{Name: "e", Report: report.Build(empty)}, {Name: "e", Report: report.Build(empty)}},
		"one":       {{Name: "a", Report: report.Build(a)}},
		"none":      nil,
		"no report": {{Name: "x"}, {Name: "a", Report: report.Build(a)}},
	} {
		t.Run(name, func(t *testing.T) {
			c := compare.Compare(runs)
			out := outputs(t, c)
			if name == "disjoint" {
				for _, row := range c.Assumptions {
					present := 0
					for _, cl := range row.Cells {
						if cl.Present {
							present++
						}
					}
					if present != 1 {
						t.Errorf("%s is in %d runs", row.Name, present)
					}
				}
				if !strings.Contains(out["text"], "checkout p99: not in b") || !strings.Contains(out["text"], "queue depth: not in a; passed here") {
					t.Errorf("the text does not say what is missing:\n%s", out["text"])
				}
			}
		})
	}
}

// outputs renders every format of c, and checks that each one is whole.
func outputs(t *testing.T, c *compare.Comparison) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return c.Text(b) },
		"markdown": func(b *bytes.Buffer) error { return c.Markdown(b) },
		"html":     func(b *bytes.Buffer) error { return c.HTML(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.String()
	}
	if err := htmltest.Balanced(out["html"]); err != nil {
		t.Errorf("compare.html: %v", err)
	}
	for _, line := range strings.Split(out["text"], "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("a line of %d columns: %s", n, line)
		}
	}
	return out
}
