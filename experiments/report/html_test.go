package report_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

func html(t *testing.T, j *journal.Journal) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Build(j).HTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var svgFragment = regexp.MustCompile(`(?s)<svg[ >].*?</svg>`)

// TestHTMLWellFormed checks that the page closes every element it opens
// (but HTML's void ones), parses each chart's SVG as XML, and counts a
// line (a path) per series and a shaded window per fault in each chart.
func TestHTMLWellFormed(t *testing.T) {
	for _, name := range journals {
		t.Run(name, func(t *testing.T) {
			j := readJournal(t, name)
			page := html(t, j)
			windows := len(report.Build(j).Faults)
			if err := htmltest.Balanced(page); err != nil {
				t.Fatalf("report.html: %v", err)
			}
			svgs := svgFragment.FindAllString(page, -1)
			if len(svgs) != len(j.Header.Charts) {
				t.Fatalf("%d charts, want %d", len(svgs), len(j.Header.Charts))
			}
			for i, s := range svgs {
				var svg struct {
					Paths []struct {
						Class string `xml:"class,attr"`
						D     string `xml:"d,attr"`
					} `xml:"path"`
					Groups []struct {
						Class string `xml:"class,attr"`
					} `xml:"g"`
				}
				if err := xml.Unmarshal([]byte(s), &svg); err != nil {
					t.Fatalf("chart %d is not well-formed XML: %v", i+1, err)
				}
				lines := 0
				for _, l := range svg.Paths {
					if l.Class != "series" {
						continue
					}
					lines++
					if n := len(strings.Fields(l.D)); n < 10 {
						t.Errorf("chart %d: a line of %d points", i+1, n)
					}
				}
				if lines != len(j.Header.Charts[i].Series) {
					t.Errorf("chart %d: %d lines, want %d", i+1, lines, len(j.Header.Charts[i].Series))
				}
				faults := 0
				for _, g := range svg.Groups {
					if g.Class == "fault" {
						faults++
					}
				}
				if faults != windows {
					t.Errorf("chart %d: %d fault windows, want %d", i+1, faults, windows)
				}
			}
		})
	}
}

// TestHTMLSelfContained: no external resource, no script.
func TestHTMLSelfContained(t *testing.T) {
	for _, name := range journals {
		for _, bad := range htmltest.NotSelfContained(html(t, readJournal(t, name))) {
			t.Errorf("%s: report.html: %s", name, bad)
		}
	}
}

// TestEscaping: what comes from the journal cannot inject markup into the
// HTML nor break the Markdown tables.
func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script> | *b* [l](http://x)`
	b := fault(evil, experiments.FaultLatency, "inventory", `<img src=x onerror=alert(1)> | delay`)
	c := threshold(`p99 <b>|</b>`, "checkout", experiments.AggP99, 250, experiments.UnitMillis)
	j := newSmall(checks(c), b).on(1, evil).broke(2, c.Name, 300, 400).
		event(3, experiments.EventNote, "operator", "a note <iframe src=//evil.example> | with a pipe").end(5, failed)
	j.Header.Name = evil
	j.Header.Charts = []experiments.Chart{{Title: evil, Unit: experiments.UnitMillis,
		Series: []experiments.ChartSeries{{Series: "checkout.p99", Label: evil}}}}
	j.Samples[0].Series["checkout.p99"] = 300
	page := html(t, j)
	for _, bad := range []string{"<script", "<img", "<iframe", "<b>"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q from the journal", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Error("report.html does not show the escaped name")
	}
	r := report.Build(j)
	var md bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, err := range htmltest.TableRows(md.String()) {
		t.Errorf("report.md: %v", err)
	}
	for _, bad := range []string{"<script", "<img", "<iframe", "<b>"} {
		if strings.Contains(md.String(), bad) {
			t.Errorf("report.md contains %q from the journal", bad)
		}
	}
	if !strings.Contains(md.String(), `\| \*b\* \[l\](http://x)`) {
		t.Errorf("report.md does not escape the pipe, emphasis and link:\n%s", md.String())
	}
}

// TestHTMLInChromium renders report.html in headless Chromium: the DOM it
// builds has the charts with their lines, and a screenshot comes out.
func TestHTMLInChromium(t *testing.T) {
	browser := htmltest.NewChromium(t, "the HTML report")
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, []byte(html(t, readJournal(t, "demo"))), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := browser.DOM(page)
	if n := strings.Count(dom, "<svg"); n != 3 {
		t.Errorf("the DOM has %d <svg>, want 3", n)
	}
	if n := strings.Count(dom, `<path class="series"`); n != 5 {
		t.Errorf("the DOM has %d series paths, want 5", n)
	}
	if !strings.Contains(dom, "FAILED") || !strings.Contains(dom, "What to fix") {
		t.Error("the DOM lacks the verdict or the suggestions")
	}
	img := browser.Screenshot(page, 1100, 2400, "GAMEDAY_REPORT_SCREENSHOT")
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("the screenshot is %v", b)
	}
}
