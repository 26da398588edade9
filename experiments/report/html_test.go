package report_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/report"
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
			if err := balanced(page); err != nil {
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

var voids = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// balanced reads page as XML tokens and checks that its elements nest.
func balanced(page string) error {
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.Entity = false, xml.HTMLEntity
	var open []string
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !voids[tok.Name.Local] {
				open = append(open, tok.Name.Local)
			}
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != tok.Name.Local {
				line, _ := d.InputPos()
				return fmt.Errorf("line %d: </%s> closes %v", line, tok.Name.Local, open)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("elements left open: %v", open)
	}
	return nil
}

func TestBalanced(t *testing.T) {
	for _, page := range []string{`<table><tr><td>x</table>`, `<p><b>x</p>`, `<p>x`} {
		if balanced(page) == nil {
			t.Errorf("balanced(%q) finds nothing wrong", page)
		}
	}
	if err := balanced(`<!DOCTYPE html><p>x<br>y<meta charset="x"><svg><line x1="1"/></svg></p>`); err != nil {
		t.Error(err)
	}
}

// TestHTMLSelfContained: no external resource, no script.
func TestHTMLSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?//`)
	for _, name := range journals {
		page := html(t, readJournal(t, name))
		if m := external.FindString(page); m != "" {
			t.Errorf("%s: an external resource: %s", name, m)
		}
		for _, bad := range []string{"<script", "<link", "@import", "url(", "<iframe", "<img"} {
			if strings.Contains(strings.ToLower(page), bad) {
				t.Errorf("%s: report.html contains %q", name, bad)
			}
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
	// Every row of a table has as many cells as its header.
	pipe := regexp.MustCompile(`(^|[^\\])\|`)
	want := -1
	for _, line := range strings.Split(md.String(), "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		n := len(pipe.FindAllString(line, -1))
		if want < 0 {
			want = n
		} else if n != want {
			t.Errorf("a table row has %d cells, its header %d: %s", n-1, want-1, line)
		}
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
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		msg := "chromium is not on PATH (apt-get install chromium): the HTML report is not rendered"
		if os.Getenv("GAMEDAY_REQUIRE_ALL") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(html(t, readJournal(t, "demo"))), 0o644); err != nil {
		t.Fatal(err)
	}
	chromium := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir=" + filepath.Join(dir, "profile")}
		cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
		cmd.Dir = dir
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out.Bytes()
	}
	dom := string(chromium("--dump-dom", "file://"+page))
	if n := strings.Count(dom, "<svg"); n != 3 {
		t.Errorf("the DOM has %d <svg>, want 3", n)
	}
	if n := strings.Count(dom, `<path class="series"`); n != 5 {
		t.Errorf("the DOM has %d series paths, want 5", n)
	}
	if !strings.Contains(dom, "FAILED") || !strings.Contains(dom, "What to fix") {
		t.Error("the DOM lacks the verdict or the suggestions")
	}
	shot := filepath.Join(dir, "report.png")
	chromium("--window-size=1100,2400", "--hide-scrollbars", "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("the screenshot is %v", b)
	}
	if dst := os.Getenv("GAMEDAY_REPORT_SCREENSHOT"); dst != "" { // to look at it
		if data, err := os.ReadFile(shot); err == nil {
			_ = os.WriteFile(dst, data, 0o644)
		}
	}
}
