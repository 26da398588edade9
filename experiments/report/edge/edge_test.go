package edge_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/report/edge"
	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
	"github.com/gameday-dev/gameday/experiments/session"
)

// shop is a search like the demo's: a 300 ms latency block expected to
// hold to 150 ms; p99 (< 250 ms) is 15 + 330 ms × intensity, plus each
// repeat's noise; the error rate (< 1 %) never breaks; "blind" has no
// value at all.
type shop struct {
	names   [3]string // p99, error rate, blind
	noise   []float64 // ms, per repeat
	levels  []float64
	bisect  int
	expect  float64 // intensity, 0: none
	ended   bool
	p99Base float64
}

func demoShop(repeats int) shop {
	s := shop{names: [3]string{"checkout p99", "error rate", "blind"}, noise: []float64{0, 25, -20, 10, -5}[:repeats],
		bisect: 2, expect: 0.5, ended: true, p99Base: 15}
	for i := 1; i <= 10; i++ {
		s.levels = append(s.levels, float64(i)/10)
	}
	return s
}

func (s shop) block() *experiments.Block {
	b := &experiments.Block{Name: "inventory latency", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "inventory",
		Delay: 300 * time.Millisecond, Jitter: 50 * time.Millisecond}}
	if s.expect > 0 {
		b.ExpectEdge, b.ExpectEdgeText = s.expect, "150ms"
	}
	return b
}

// try is one level of one repeat.
func (s shop) try(level float64, repeat int) session.EdgeProbe {
	p99 := s.p99Base + 330*level + s.noise[repeat-1]
	p := session.EdgeProbe{Level: level, Repeat: repeat, Recovered: true, Measured: []session.EdgeMeasure{
		{Assumption: s.names[0], Worst: p99, Margin: 250 - p99},
		{Assumption: s.names[1], Worst: 0.2, Margin: 0.8},
		{Assumption: s.names[2], Worst: math.NaN(), Margin: math.NaN()}}}
	if p99 >= 250 {
		p.Broke = []string{s.names[0]}
	}
	return p
}

// final runs the search as the session would: the sweeps, then each
// repeat's bisections.
func (s shop) final() (session.Snapshot, session.EdgePlan) {
	var probes []session.EdgeProbe
	for k := range s.noise {
		for _, l := range s.levels {
			probes = append(probes, s.try(l, k+1))
		}
	}
	watched := s.names[:]
	for range s.bisect {
		rs := session.EdgeResults(watched, probes)
		for k := range s.noise {
			br := rs[0].Repeats[k]
			if !math.IsNaN(br.Broke) {
				lo := br.Held
				if math.IsNaN(lo) {
					lo = 0
				}
				probes = append(probes, s.try(math.Round((lo+br.Broke)/2*1000)/1000, k+1))
			}
		}
	}
	snap := session.Snapshot{Ended: s.ended, Edges: session.EdgeResults(watched, probes), EdgeProbes: probes}
	for i, n := range s.names {
		a := experiments.Assumption{Name: n, Kind: experiments.AssumeThreshold, Aggregate: experiments.AggP99, Op: experiments.Below,
			Threshold: 250, Unit: experiments.UnitMillis}
		if i == 1 {
			a.Aggregate, a.Threshold, a.Unit = experiments.AggErrorRate, 1, experiments.UnitPercent
		}
		snap.Assumptions = append(snap.Assumptions, assume.AssumptionState{Assumption: a})
	}
	return snap, session.EdgePlan{Block: "inventory latency", Levels: s.levels, Dwell: 10 * time.Second, Bisect: s.bisect,
		Repeat: len(s.noise)}
}

func (s shop) build() *edge.File {
	final, plan := s.final()
	return edge.Build(s.block(), final, plan)
}

func write(t *testing.T, f *edge.File, doc func(*edge.File) func(w *bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := doc(f)(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func htmlOf(f *edge.File) func(*bytes.Buffer) error {
	return func(b *bytes.Buffer) error { return f.HTML(b) }
}
func mdOf(f *edge.File) func(*bytes.Buffer) error {
	return func(b *bytes.Buffer) error { return f.Markdown(b) }
}
func textOf(f *edge.File) func(*bytes.Buffer) error {
	return func(b *bytes.Buffer) error { return f.Text(b) }
}
func jsonOf(f *edge.File) func(*bytes.Buffer) error {
	return func(b *bytes.Buffer) error { return f.JSON(b) }
}

// TestJSON: edge.json keeps the schema (block, param, and per
// assumption name, edge or null, intensity, interval) and adds the
// repeats: p99's edges are 218ms (72.5 %), 195ms (noise +25) and 233ms
// (-20), after two bisections each: the median 218ms, held at 210ms (the
// median of 210, 188 and 225ms), the spread 195ms to 233ms.
func TestJSON(t *testing.T) {
	out := write(t, demoShop(3).build(), jsonOf)
	var f struct {
		Block, Param, Unit, Full string
		ExpectEdge               string `json:"expect_edge"`
		Assumptions              []struct {
			Name      string
			Edge      *string
			Intensity *float64
			Interval  [2]*string
			Spread    [2]*string
			Never     int
			Repeats   []struct{ Edge *string }
			Condition string
		}
		Levels []struct {
			Intensity   float64
			ParamValue  float64 `json:"param_value"`
			Repeat      int
			Broke       []string
			Assumptions []struct {
				Name          string
				Worst, Margin *float64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"block"`, `"param"`, `"assumptions"`, `"name"`, `"edge"`, `"intensity"`, `"interval"`, `"spread"`, `"repeats"`} {
		if !strings.Contains(out, key+":") {
			t.Errorf("edge.json has no %s", key)
		}
	}
	if f.Block != "inventory latency" || f.Param != "delay" || f.Unit != "ms" || f.Full != "300ms" || f.ExpectEdge != "150ms" || len(f.Assumptions) != 3 {
		t.Fatalf("edge.json:\n%s", out)
	}
	p99, errs := f.Assumptions[0], f.Assumptions[1]
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return *p
	}
	var each []string
	for _, r := range p99.Repeats {
		each = append(each, str(r.Edge))
	}
	if str(p99.Edge) != "218ms" || *p99.Intensity != 0.725 || str(p99.Interval[0]) != "210ms" || str(p99.Interval[1]) != "218ms" ||
		str(p99.Spread[0]) != "195ms" || str(p99.Spread[1]) != "233ms" || strings.Join(each, " ") != "218ms 195ms 233ms" || p99.Condition != "< 250 ms" {
		t.Errorf("p99: edge %s at %v, interval %s..%s, spread %s..%s, repeats %v\n%s", str(p99.Edge), *p99.Intensity, str(p99.Interval[0]),
			str(p99.Interval[1]), str(p99.Spread[0]), str(p99.Spread[1]), each, out)
	}
	if errs.Edge != nil || errs.Intensity != nil || str(errs.Interval[0]) != "300ms" || errs.Interval[1] != nil || errs.Never != 3 ||
		errs.Spread[0] != nil || errs.Spread[1] != nil {
		t.Errorf("error rate, never broken: %+v", errs)
	}
	if n := len(f.Levels); n != 36 { // 3 × 10, and 2 bisections each
		t.Errorf("%d levels, want 36", n)
	}
	l := f.Levels[6] // repeat 1 at 70 %: p99 246 ms, margin 4 ms
	if l.Intensity != 0.7 || l.ParamValue != 210 || l.Repeat != 1 || len(l.Assumptions) != 3 || math.Abs(*l.Assumptions[0].Margin-4) > 1e-9 ||
		l.Assumptions[2].Worst != nil || l.Assumptions[2].Margin != nil {
		t.Errorf("level 7: %+v", l)
	}
}

var svgFragment = regexp.MustCompile(`(?s)<svg[ >].*?</svg>`)

// svgOf is edge.html's chart, read as XML.
type svgOf struct {
	Groups []struct {
		Class string `xml:"class,attr"`
		Texts []struct {
			Class string `xml:"class,attr"`
			Text  string `xml:",chardata"`
		} `xml:"text"`
		Paths []struct {
			Class string `xml:"class,attr"`
			D     string `xml:"d,attr"`
		} `xml:"path"`
		Circles []struct {
			Class string `xml:"class,attr"`
		} `xml:"circle"`
		Rects []struct {
			Class string `xml:"class,attr"`
		} `xml:"rect"`
		Groups []struct {
			Class string   `xml:"class,attr"`
			Texts []string `xml:"text"`
		} `xml:"g"`
	} `xml:"g"`
}

func chartOf(t *testing.T, page string) svgOf {
	t.Helper()
	if err := htmltest.Balanced(page); err != nil {
		t.Fatal(err)
	}
	for _, bad := range htmltest.NotSelfContained(page) {
		t.Errorf("edge.html: %s", bad)
	}
	svgs := svgFragment.FindAllString(page, -1)
	if len(svgs) != 1 {
		t.Fatalf("%d charts, want 1", len(svgs))
	}
	var svg svgOf
	if err := xml.Unmarshal([]byte(svgs[0]), &svg); err != nil {
		t.Fatalf("the chart is not well-formed XML: %v", err)
	}
	return svg
}

// TestHTMLChart: a panel per assumption, each with its curve through the
// levels tried, a point per level and repeat, the threshold, the edge
// where it broke (and the repeats' spread around it), the expected edge.
func TestHTMLChart(t *testing.T) {
	for _, repeats := range []int{1, 3} {
		s := demoShop(repeats)
		svg := chartOf(t, write(t, s.build(), htmlOf))
		var panels []int
		for i, g := range svg.Groups {
			if g.Class == "panel" {
				panels = append(panels, i)
			}
		}
		if len(panels) != 3 {
			t.Fatalf("%d repeats: %d panels, want 3", repeats, len(panels))
		}
		trials := repeats * (10 + s.bisect)
		for k, i := range panels {
			g := svg.Groups[i]
			count := func(class string) (n int) {
				for _, sub := range g.Groups {
					if sub.Class == class {
						n++
					}
				}
				return n
			}
			var curves []string
			for _, p := range g.Paths {
				if p.Class == "curve" {
					curves = append(curves, p.D)
				}
			}
			broke, held, spread := 0, 0, 0
			for _, c := range g.Circles {
				switch c.Class {
				case "trial broke":
					broke++
				case "trial held":
					held++
				}
			}
			for _, r := range g.Rects {
				if r.Class == "spread" {
					spread++
				}
			}
			name := s.names[k]
			if !strings.Contains(g.Texts[0].Text, name) {
				t.Errorf("%d repeats: panel %d is titled %q, want %q", repeats, k+1, g.Texts[0].Text, name)
			}
			switch k {
			case 0: // p99: broke from 70-75 %
				if len(curves) != 1 || len(strings.Split(curves[0], "L")) < 10 {
					t.Errorf("%d repeats: p99's curve %q", repeats, curves)
				}
				if broke+held != trials || broke == 0 || held == 0 {
					t.Errorf("%d repeats: p99 has %d points broken and %d held, want %d in all", repeats, broke, held, trials)
				}
				if count("edge") != 1 || count("threshold") != 1 || count("expect") != 1 {
					t.Errorf("%d repeats: p99 has %d edges, %d thresholds, %d expected edges; want one each", repeats, count("edge"), count("threshold"), count("expect"))
				}
				if want := min(repeats-1, 1); spread != want {
					t.Errorf("%d repeats: p99 has %d spread bands, want %d", repeats, spread, want)
				}
			case 1: // the error rate never broke: no edge
				if len(curves) != 1 || broke != 0 || held != trials || count("edge") != 0 || spread != 0 {
					t.Errorf("%d repeats: error rate: %d curves, %d broke, %d held, %d edges", repeats, len(curves), broke, held, count("edge"))
				}
			case 2: // blind: no value, no curve, and says so
				if len(curves) != 0 || broke+held != 0 || !strings.Contains(strings.Join(textsOf(g.Texts), " "), "no value") {
					t.Errorf("%d repeats: blind: %d curves, %d points", repeats, len(curves), broke+held)
				}
			}
		}
	}
}

func textsOf(ts []struct {
	Class string `xml:"class,attr"`
	Text  string `xml:",chardata"`
}) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Text)
	}
	return out
}

// TestHostileNames: names from the experiment cannot inject markup into
// edge.html nor break edge.md's tables.
func TestHostileNames(t *testing.T) {
	s := demoShop(2)
	s.names = [3]string{`<script>alert("x")</script> | *b*`, "rate</title><img src=x onerror=alert(1)>", "a\nb | c"}
	f := s.build()
	page := write(t, f, htmlOf)
	svg := chartOf(t, page)
	for _, bad := range []string{"<script", "<img", "</title><img"} {
		if i := strings.Index(page, bad); i >= 0 {
			t.Errorf("edge.html contains %q from a name: %s", bad, page[max(0, i-200):min(len(page), i+100)])
		}
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Error("edge.html does not show the escaped name")
	}
	curves := 0
	for _, g := range svg.Groups {
		for _, p := range g.Paths {
			if p.Class == "curve" {
				curves++
			}
		}
	}
	if curves != 2 {
		t.Errorf("%d curves, want 2", curves)
	}
	md := write(t, f, mdOf)
	for _, err := range htmltest.TableRows(md) {
		t.Errorf("edge.md: %v", err)
	}
	if strings.Contains(md, "<script") || strings.Contains(md, "<img") {
		t.Errorf("edge.md has markup from a name:\n%s", md)
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(write(t, f, jsonOf)), &js); err != nil {
		t.Errorf("edge.json: %v", err)
	}
}

// TestExpectEdge: an edge at or below expect_edge is said, and so is a
// repeat that broke at or below it when the median did not.
func TestExpectEdge(t *testing.T) {
	s := demoShop(3)
	if below := s.build().Below(); len(below) != 0 {
		t.Errorf("edges above 150ms: %v", below)
	}
	text := write(t, s.build(), textOf)
	for _, want := range []string{"checkout p99                 broke at 218ms (73 %), held at 210ms; repeats 195ms to 233ms",
		"error rate                   held up to 300ms (never broke); never in 3 repeats", "every assumption held above the expected edge 150ms"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	s.noise = []float64{0, 100, -20} // the second repeat breaks at 42.5 %
	text = write(t, s.build(), textOf)
	if !strings.Contains(text, "! checkout p99 broke at 128ms in a repeat, at or below the expected edge 150ms (the median, 218ms, is above it)") {
		t.Errorf("a repeat below the expected edge is not said:\n%s", text)
	}
	s.p99Base = 90 // the median breaks at 50 %
	f := s.build()
	if below := f.Below(); len(below) != 1 || !strings.Contains(below[0], "checkout p99 broke at 150ms, at or below the expected edge 150ms") {
		t.Errorf("below: %v", below)
	}
	if md := write(t, f, mdOf); !strings.Contains(md, "✗ at or below the expected edge") {
		t.Errorf("edge.md does not mark it:\n%s", md)
	}
}

// TestMarkdown: the edges, the repeats and every level with its margins.
func TestMarkdown(t *testing.T) {
	md := write(t, demoShop(3).build(), mdOf)
	for _, want := range []string{
		"| checkout p99 | 218ms | 210ms | 73 % | 195ms to 233ms | 218ms, 195ms, 233ms | < 250 ms |",
		"| error rate | never (up to the last level) | 300ms | – | – | never, never, never | < 1 % |",
		"10 levels from 30ms to 300ms, each on for 10s, then 2 rounds of bisection; 3 repeats",
		"| 7 | 1 | 70 % | 210ms | ✓ 246 ms (+4 ms) | ✓ 0.2 % (+0.8 %) | no value | yes |",
		"| 8 | 1 | 80 % | 240ms | ✗ 279 ms (−29 ms) |",
		"| blind | no value while the fault was on | – | – | – | – | < 250 ms |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("edge.md lacks %q:\n%s", want, md)
		}
	}
	one := write(t, demoShop(1).build(), mdOf)
	if !strings.Contains(one, "| checkout p99 | 218ms | 210ms | 73 % | < 250 ms |") || strings.Contains(one, "spread") {
		t.Errorf("edge.md of one search:\n%s", one)
	}
}

// TestHTMLInChromium renders edge.html in headless Chromium: the DOM has
// the chart with its curves, the page logs nothing, and a screenshot
// comes out (GAMEDAY_EDGE_SCREENSHOT=file.png keeps it).
func TestHTMLInChromium(t *testing.T) {
	browser := htmltest.NewChromium(t, "edge.html")
	dir := t.TempDir()
	if err := demoShop(3).build().WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"edge.json", "edge.md", "edge.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	page := filepath.Join(dir, "edge.html")
	dom, console := browser.DOM(page)
	for _, l := range console {
		t.Errorf("the page logged to the console: %s", l)
	}
	if n := strings.Count(dom, `<path class="curve"`); n != 2 {
		t.Errorf("the DOM has %d curves, want 2", n)
	}
	for _, want := range []string{"edge 218ms", "expect_edge 150ms", "threshold &lt; 250 ms", "Levels tried (36)"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM lacks %q", want)
		}
	}
	img := browser.Screenshot(page, 1100, 1300, "GAMEDAY_EDGE_SCREENSHOT")
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("the screenshot is %v", b)
	}
}

// TestRepeatsAgree: repeats that found the same edge say so.
func TestRepeatsAgree(t *testing.T) {
	s := demoShop(3)
	s.noise = []float64{0, 0, 0}
	text := write(t, s.build(), textOf)
	if !strings.Contains(text, "broke at 218ms (73 %), held at 210ms; the same in all 3 repeats") {
		t.Errorf("the text:\n%s", text)
	}
	if md := write(t, s.build(), mdOf); !strings.Contains(md, "| 218ms in every repeat | 218ms, 218ms, 218ms |") {
		t.Errorf("edge.md:\n%s", md)
	}
}

// An infinite worst value or margin broke its level: it is kept (clamped
// to what JSON and the chart can carry), never shown as no value; a NaN
// stays no value.
func TestInfiniteMargins(t *testing.T) {
	s := demoShop(1)
	final, plan := s.final()
	final.EdgeProbes[0].Measured[0].Worst, final.EdgeProbes[0].Measured[0].Margin = math.Inf(1), math.Inf(-1)
	f := edge.Build(s.block(), final, plan)
	m := f.Levels[0].Assumptions[0]
	if m.Worst == nil || m.Margin == nil || *m.Worst < 1e299 || *m.Margin > -1e299 {
		t.Fatalf("an infinite measure: worst %v, margin %v", m.Worst, m.Margin)
	}
	if n := f.Levels[0].Assumptions[2]; n.Worst != nil || n.Margin != nil {
		t.Errorf("a NaN measure: %+v, want no value", n)
	}
	write(t, f, jsonOf) // and it is valid JSON
}
