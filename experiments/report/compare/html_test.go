package compare_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments/report/compare"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

// demoRuns are the report's sample game days: without resilience
// (aborted by a guardrail), basic, and basic cut short by a crash.
func demoRuns(t testing.TB, names ...string) []compare.Run {
	var runs []compare.Run
	for _, n := range names {
		runs = append(runs, compare.Run{Name: n, Report: readTestdata(t, n)})
	}
	return runs
}

var svgFragment = regexp.MustCompile(`(?s)<svg[ >].*?</svg>`)

// svgOf is a chart of compare.html, read as XML.
type svgOf struct {
	Paths []struct {
		Class string `xml:"class,attr"`
		D     string `xml:"d,attr"`
	} `xml:"path"`
	Groups []struct {
		Class string `xml:"class,attr"`
	} `xml:"g"`
}

// count counts the paths and groups of a class (and maybe more).
func (s svgOf) count(class string) int {
	n := 0
	is := func(c string) bool { return c == class || strings.HasPrefix(c, class+" ") }
	for _, p := range s.Paths {
		if is(p.Class) {
			n++
		}
	}
	for _, g := range s.Groups {
		if is(g.Class) {
			n++
		}
	}
	return n
}

// TestHTMLCharts: a chart per chart of the first run, each with a line
// per run and series and a band per fault window of every run, well-formed.
func TestHTMLCharts(t *testing.T) {
	runs := demoRuns(t, "aborted", "demo", "crashed")
	var b bytes.Buffer
	if err := compare.Compare(runs).HTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if err := htmltest.Balanced(page); err != nil {
		t.Fatal(err)
	}
	svgs := svgFragment.FindAllString(page, -1)
	first := runs[0].Report.Charts
	if len(svgs) != len(first) {
		t.Fatalf("%d charts, want %d", len(svgs), len(first))
	}
	windows := 0
	for _, r := range runs {
		windows += len(r.Report.Faults)
	}
	for i, s := range svgs {
		var svg svgOf
		if err := xml.Unmarshal([]byte(s), &svg); err != nil {
			t.Fatalf("chart %d is not well-formed XML: %v", i+1, err)
		}
		if got, want := svg.count("series"), len(runs)*len(first[i].Series); got != want {
			t.Errorf("chart %d: %d lines, want %d", i+1, got, want)
		}
		for k := range runs {
			if got, want := svg.count(fmt.Sprintf("series run-%d", k+1)), len(first[i].Series); got != want {
				t.Errorf("chart %d: %d lines of run %d, want %d", i+1, got, k+1, want)
			}
		}
		if got := svg.count("fault"); got != windows {
			t.Errorf("chart %d: %d fault windows, want %d", i+1, got, windows)
		}
		for _, p := range svg.Paths {
			if n := len(strings.Fields(p.D)); n < 10 {
				t.Errorf("chart %d: a line of %d points", i+1, n)
			}
		}
	}
	for _, bad := range htmltest.NotSelfContained(page) {
		t.Errorf("compare.html: %s", bad)
	}
}

// TestHTMLInChromium renders compare.html in headless Chromium: the DOM
// it builds has the charts with every run's lines and fault windows, the
// page logs nothing to the console, and a screenshot comes out.
func TestHTMLInChromium(t *testing.T) {
	browser := htmltest.NewChromium(t, "compare.html")
	dir := t.TempDir()
	c := compare.Compare(demoRuns(t, "aborted", "demo"))
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "compare.html")
	d, console := browser.DOM(page)
	for _, l := range console {
		t.Errorf("the page logged to the console: %s", l)
	}
	if n := strings.Count(d, "<svg"); n != 3 {
		t.Errorf("the DOM has %d <svg>, want 3", n)
	}
	// 2 runs × (3 + 1 + 1) series; 3 charts × (1 + 2) fault windows.
	if n := strings.Count(d, `<path class="series run-`); n != 10 {
		t.Errorf("the DOM has %d series paths, want 10", n)
	}
	if n := strings.Count(d, `<g class="fault run-`); n != 9 {
		t.Errorf("the DOM has %d fault windows, want 9", n)
	}
	for _, want := range []string{"What changed", "demo vs aborted", "passed vs failed", "FAILED", "ABORTED"} {
		if !strings.Contains(d, want) {
			t.Errorf("the DOM lacks %q", want)
		}
	}
	img := browser.Screenshot(page, 1100, 2600, "GAMEDAY_COMPARE_SCREENSHOT")
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("the screenshot is %v", b)
	}
}
