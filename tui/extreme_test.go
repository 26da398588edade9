package tui_test

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/probes"
	"github.com/gameday-dev/gameday/tui"
)

var (
	inf  = math.Inf(1)
	nan  = math.NaN()
	tiny = 5e-324
)

// setLast replaces the last n points of a series with vals.
func setLast(s *session.Snapshot, series string, vals ...float64) {
	pts := s.Series[series]
	for i, v := range vals {
		pts[len(pts)-len(vals)+i].V = v
	}
}

// fill replaces every point of a series with v.
func fill(s *session.Snapshot, series string, v float64) {
	for i := range s.Series[series] {
		s.Series[series][i].V = v
	}
}

// threshold sets the threshold of the assumption named name.
func threshold(s *session.Snapshot, name string, t float64) {
	for i := range s.Assumptions {
		if s.Assumptions[i].Name == name {
			s.Assumptions[i].Threshold = t
		}
	}
}

var sizes = []struct {
	name string
	w, h int
}{{"160x48", 160, 48}, {"100x30", 100, 30}, {"80x24", 80, 24}}

// extremeCases are snapshots carrying values and times that no session
// means to send, and what the cockpit must show of them at every size.
var extremeCases = []struct {
	name   string
	change func(s *session.Snapshot)
	want   []string // in the view at every size
}{
	{"a probe reads 1e308", func(s *session.Snapshot) { setLast(s, "queue", 1e308) }, []string{"▲", "1e308"}},
	{"a probe reads -1e308", func(s *session.Snapshot) { setLast(s, "queue", -1e308) }, []string{"▼", "-1e308"}},
	{"a probe reads +Inf", func(s *session.Snapshot) { setLast(s, "queue", inf) }, []string{"▲", "+Inf"}},
	{"a probe reads -Inf", func(s *session.Snapshot) { setLast(s, "queue", -inf) }, []string{"▼", "-Inf"}},
	{"a probe reads NaN", func(s *session.Snapshot) { setLast(s, "queue", nan) }, nil},
	{"a probe reads 5e-324", func(s *session.Snapshot) { fill(s, "queue", tiny) }, nil},
	{"the largest float64", func(s *session.Snapshot) { setLast(s, "checkout.p99", math.MaxFloat64) }, []string{"▲", "1.8e308"}},
	{"values jump between extremes", func(s *session.Snapshot) {
		setLast(s, "checkout.p99", 1e308, -1e308, nan, inf, -inf, tiny, 20, 1e308, 0, -inf, 1e15, -1e15, 2e15)
	}, []string{"▲", "▼"}},
	{"a series of one point", func(s *session.Snapshot) {
		s.Series["queue"] = s.Series["queue"][len(s.Series["queue"])-1:]
	}, nil},
	{"a series of one point at 1e308", func(s *session.Snapshot) {
		s.Series["queue"] = []probes.Point{{T: s.Now, V: 1e308}}
	}, []string{"▲", "1e308"}},
	{"every point equal", func(s *session.Snapshot) { fill(s, "queue", 42) }, nil},
	{"every point 1e308", func(s *session.Snapshot) { fill(s, "queue", 1e308) }, []string{"▲", "1e308"}},
	{"every point negative", func(s *session.Snapshot) { fill(s, "queue", -7) }, nil},
	{"a series that goes negative", func(s *session.Snapshot) {
		for i := range s.Series["queue"] {
			s.Series["queue"][i].V = 100 * math.Sin(float64(i)/20)
		}
	}, nil},
	{"a large but finite series", func(s *session.Snapshot) { setLast(s, "queue", 3e14, 7e14) }, nil},
	{"every point NaN", func(s *session.Snapshot) { fill(s, "queue", nan) }, []string{"NaN"}},
	{"a threshold of 1e308", func(s *session.Snapshot) { threshold(s, "queue depth", 1e308) }, []string{"┄", "1e308"}},
	{"a threshold of -Inf", func(s *session.Snapshot) { threshold(s, "queue depth", -inf) }, []string{"┄", "-Inf"}},
	{"a threshold of NaN", func(s *session.Snapshot) { threshold(s, "queue depth", nan) }, nil},
	{"a value and a threshold off scale", func(s *session.Snapshot) {
		threshold(s, "queue depth", 1e300)
		setLast(s, "queue", inf)
	}, []string{"▲", "+Inf"}},
	{"error rate off scale", func(s *session.Snapshot) {
		setLast(s, "checkout.error_rate", 1e308, 150, -inf)
		threshold(s, "error rate", 1e308)
	}, []string{"▲", "▼"}},
	{"error rate over 100 %", func(s *session.Snapshot) { setLast(s, "checkout.error_rate", 250) }, nil},
	{"assumption values off scale", func(s *session.Snapshot) {
		for i := range s.Assumptions {
			a := &s.Assumptions[i]
			a.Threshold, a.Value, a.Worst, a.HasValue = 1e308, -inf, inf, true
		}
	}, []string{"HOLDING", "VIOLATED", "PENDING"}},
	{"assumption values NaN", func(s *session.Snapshot) {
		for i := range s.Assumptions {
			a := &s.Assumptions[i]
			a.Threshold, a.Value, a.Worst = nan, nan, nan
		}
	}, []string{"HOLDING", "VIOLATED"}},
	{"a load rate of 1e308", func(s *session.Snapshot) { s.Loads[0].TargetRate = 1e308 }, []string{"1e308 req/s", "LIVE"}},
	{"a load rate of +Inf", func(s *session.Snapshot) {
		s.Loads = append(s.Loads, session.LoadState{Name: "b", TargetRate: math.MaxFloat64}, session.LoadState{Name: "c", TargetRate: math.MaxFloat64})
	}, []string{"+Inf req/s", "LIVE"}},
	{"a load rate of NaN", func(s *session.Snapshot) { s.Loads[0].TargetRate = nan }, []string{"LIVE"}},
	{"intensities off scale", func(s *session.Snapshot) {
		for i, v := range []float64{nan, -inf, inf, -1e308, 1e308} {
			s.Blocks[i].Phase, s.Blocks[i].Active, s.Blocks[i].Intensity = session.PhaseOn, true, v
		}
	}, []string{"● ON"}},
	{"a zero-length window", func(s *session.Snapshot) { s.Window = 0 }, nil},
	{"a negative window", func(s *session.Snapshot) { s.Window = -time.Hour }, nil},
	{"the longest window", func(s *session.Snapshot) { s.Window = math.MaxInt64 }, nil},
	{"a 100000 h window", func(s *session.Snapshot) { s.Window = 100000 * time.Hour }, nil},
	{"a window that starts after now", func(s *session.Snapshot) { s.WindowStart = s.Now.Add(time.Hour) }, nil},
	{"now zero", func(s *session.Snapshot) { s.Now = time.Time{} }, nil},
	{"started zero", func(s *session.Snapshot) { s.Started, s.WindowStart = time.Time{}, time.Time{} }, nil},
	{"every time zero", func(s *session.Snapshot) {
		s.Now, s.Started, s.WindowStart = time.Time{}, time.Time{}, time.Time{}
	}, nil},
	{"points far in the past and future", func(s *session.Snapshot) {
		pts := s.Series["queue"]
		pts[0].T = time.Time{}
		pts[1].T = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		pts[len(pts)-1].T = time.Unix(-1<<62, 0)
		pts[len(pts)-2].T = time.Unix(1<<62, 0)
	}, nil},
	{"points out of order", func(s *session.Snapshot) {
		pts := s.Series["checkout.p50"]
		for i, j := 0, len(pts)-1; i < j; i, j = i+2, j-2 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}, nil},
	{"a session far in the future", func(s *session.Snapshot) {
		d := 200 * 365 * 24 * time.Hour
		s.Now, s.Started, s.WindowStart = s.Now.Add(d), s.Started.Add(-d), s.WindowStart.Add(d)
	}, nil},
	{"fault windows out of range", func(s *session.Snapshot) {
		s.FaultWindows = append(s.FaultWindows,
			session.FaultWindow{Block: "a", Index: -3, Start: time.Time{}, End: time.Unix(1<<62, 0)},
			session.FaultWindow{Block: "b", Index: 99, Start: s.Now, End: s.Started},
			session.FaultWindow{Block: "c", Index: 1 << 40, Start: s.Now.Add(time.Hour)})
	}, nil},
}

func TestCockpitExtremeValues(t *testing.T) {
	for _, tc := range extremeCases {
		for _, size := range sizes {
			t.Run(tc.name+"/"+size.name, func(t *testing.T) {
				snap := fixedSnapshot()
				tc.change(&snap)
				view := cockpitAt(t, newFakeSource(), size.w, size.h, snap).View()
				checkFrame(t, view, size.w, size.h)
				checkCharts(t, view, size.w)
				for _, w := range tc.want {
					if !strings.Contains(view, w) {
						t.Errorf("the view should show %q:\n%s", w, view)
					}
				}
				if head := strings.Split(view, "\n")[0]; !strings.Contains(head, "LIVE") {
					t.Errorf("the header lost its badge: %q", head)
				}
			})
		}
	}
}

var (
	yLabel = regexp.MustCompile(`^ *(-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?[kMGTP]?(ms|s|%)?)?$`)
	xLabel = regexp.MustCompile(`^[ 0-9:h-]*$`)
)

// checkCharts checks the labels of every chart in a cockpit view w
// cells wide: Y labels are short numbers, X labels times; nothing reads
// NaN or Inf there.
func checkCharts(t *testing.T, view string, w int) {
	t.Helper()
	left := min(max(w*36/100, 40), 62) // as the cockpit lays out
	lines := strings.Split(view, "\n")
	for i := 1; i < len(lines)-1; i++ {
		row := []rune(ansi.Cut(lines[i], left, w))
		if len(row) < 3 || row[0] != '│' {
			continue
		}
		inner := row[1 : len(row)-1]
		axis := -1
		for j, r := range inner {
			if r == '│' || r == '└' {
				axis = j
				break
			}
		}
		if axis < 0 {
			continue
		}
		if label := string(inner[:axis]); !yLabel.MatchString(label) {
			t.Errorf("line %d: Y label %q is not a short number", i, label)
		}
		if inner[axis] == '└' && i+1 < len(lines) {
			below := []rune(ansi.Cut(lines[i+1], left, w))
			if x := string(below[1 : len(below)-1]); !xLabel.MatchString(x) {
				t.Errorf("line %d: X labels %q are not times", i+1, x)
			}
		}
	}
}

// A chart keeps its scale when a probe reads 1e308 or ±Inf, and marks
// such values at the edge, with a note; a threshold beyond the axis is
// noted, and a window of NaN says so. (Charts alone: the assumptions
// pane renders values with experiments.Unit.Format.)
func TestChartOffScaleGolden(t *testing.T) {
	snap := fixedSnapshot()
	setLast(&snap, "queue", 1e308, 1e308, 300, 310, -inf)
	snap.Series["queue"][200].V = inf
	threshold(&snap, "checkout p99", 1e308)
	fill(&snap, "checkout.error_rate", nan)
	st := tui.DefaultStyles()
	for _, size := range []struct {
		name string
		w, h int
	}{{"60x14", 60, 14}, {"40x8", 40, 8}} {
		t.Run(size.name, func(t *testing.T) {
			var views []string
			for _, spec := range snap.Charts {
				c := tui.NewChart(&st, spec)
				c.SetSize(size.w, size.h)
				c.SetSnapshot(&snap)
				view := c.View()
				checkFrame(t, view, size.w, size.h)
				views = append(views, view)
			}
			golden.RequireEqual(t, []byte(strings.Join(views, "\n")))
		})
	}
}

// The axis of a series that goes negative reaches below zero on round
// values.
func TestChartNegativeAxis(t *testing.T) {
	snap := fixedSnapshot()
	fill(&snap, "queue", -7)
	threshold(&snap, "queue depth", 0)
	view := cockpitAt(t, newFakeSource(), 160, 48, snap).View()
	if !strings.Contains(view, "-10└") {
		t.Errorf("a series at -7 should have an axis down to -10:\n%s", view)
	}
	checkCharts(t, view, 160)
}

// A chart at every size a pane can be given draws, whatever it holds.
func TestChartSizes(t *testing.T) {
	st := tui.DefaultStyles()
	for _, tc := range extremeCases {
		snap := fixedSnapshot()
		tc.change(&snap)
		for _, spec := range snap.Charts {
			for _, w := range []int{0, 4, 9, 10, 12, 20, 40} { // around the smallest that draws, 10×6
				for _, h := range []int{0, 2, 5, 6, 7, 9, 14} {
					c := tui.NewChart(&st, spec)
					c.SetSize(w, h)
					c.SetSnapshot(&snap)
					if lines := c.Lines(); len(lines) != h {
						t.Fatalf("%s, %d×%d: %d lines", tc.name, w, h, len(lines))
					}
				}
			}
		}
	}
}
