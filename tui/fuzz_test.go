package tui_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/probes"
	"github.com/gameday-dev/gameday/tui"
)

// fuzzPoints encodes points for FuzzCockpitSnapshot: per point, the bits
// of its value and a byte whose low two bits pick the series and whose
// high six bits move the time by -16 to +47 quarter-seconds.
func fuzzPoints(step byte, vals ...float64) []byte {
	var b []byte
	for i, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		b = append(b, step|byte(i%4))
	}
	return b
}

// hangAfter is how long an input may take before the fuzz target calls
// it a hang: far beyond what drawing costs on a loaded machine.
const hangAfter = 30 * time.Second

var fuzzSeries = []string{"checkout.p50", "checkout.p99", "checkout.error_rate", "queue"}

// FuzzCockpitSnapshot renders the cockpit from a snapshot built from the
// input: the points of the four charted series, a threshold for every
// assumption, a load rate, the window and the clock.
func FuzzCockpitSnapshot(f *testing.F) {
	fwd := byte(20 << 2) // +1 s
	extremes := []float64{1e308, -1e308, math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, -5e-324,
		math.MaxFloat64, -math.MaxFloat64, 0, math.Copysign(0, -1), 1e15, 1e15 + 1, -1e15, 2.5e15, 42}
	f.Add(fuzzPoints(fwd, extremes...), 100.0, 50.0, int64(3*time.Minute), int64(95*time.Second), int64(0), int64(0), uint8(0))
	f.Add(fuzzPoints(fwd, 1e308), 1e308, 1e308, int64(0), int64(0), int64(0), int64(0), uint8(1<<3))
	f.Add(fuzzPoints(fwd, 42, 42, 42, 42, 42, 42, 42, 42), 42.0, 42.0, int64(time.Minute), int64(time.Second), int64(0), int64(0), uint8(2<<3))
	f.Add(fuzzPoints(fwd, math.NaN(), math.NaN(), math.NaN(), math.NaN()), math.NaN(), math.NaN(), int64(time.Minute), int64(30*time.Second), int64(0), int64(0), uint8(0))
	f.Add(fuzzPoints(0, math.Inf(1), math.Inf(-1), 1e308, -1e308), math.Inf(1), math.Inf(-1), int64(-1), int64(-1), int64(time.Hour), int64(time.Hour), uint8(7))
	f.Add(fuzzPoints(63<<2, extremes...), -1e308, -1.0, int64(math.MaxInt64), int64(math.MinInt64), int64(math.MaxInt64), int64(math.MinInt64), uint8(3))
	f.Add(fuzzPoints(fwd, 1, 2, 3), 2.0, 1.0, int64(100000*time.Hour), int64(math.MaxInt64), int64(0), int64(0), uint8(5))
	f.Add([]byte{}, 0.0, 0.0, int64(0), int64(0), int64(0), int64(0), uint8(0))

	f.Fuzz(func(t *testing.T, data []byte, thr, rate float64, window, nowOff, startOff, wsOff int64, flags uint8) {
		// Go's fuzzing does not notice an input that hangs: this does,
		// with every goroutine's stack. An input takes milliseconds.
		hang := time.AfterFunc(hangAfter, func() {
			debug.SetTraceback("all")
			panic(fmt.Sprintf("an input took more than %s", hangAfter))
		})
		defer hang.Stop()
		snap := fixedSnapshot()
		snap.Now = t0.Add(time.Duration(nowOff))
		snap.Started = t0.Add(time.Duration(startOff))
		snap.WindowStart = t0.Add(time.Duration(wsOff))
		snap.Window = time.Duration(window)
		if flags&1 != 0 {
			snap.Now = time.Time{}
		}
		if flags&2 != 0 {
			snap.Started = time.Time{}
		}
		if flags&4 != 0 {
			snap.WindowStart = time.Time{}
		}
		snap.Loads[0].TargetRate = rate
		for i := range snap.Assumptions {
			if snap.Assumptions[i].Kind == experiments.AssumeThreshold {
				snap.Assumptions[i].Threshold, snap.Assumptions[i].Value = thr, thr
			}
		}
		snap.Series = map[string][]probes.Point{}
		at := snap.Started
		for i := 0; i+9 <= len(data) && i < 9*4096; i += 9 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data[i:]))
			b := data[i+8]
			at = at.Add(time.Duration(int(b>>2)-16) * 250 * time.Millisecond)
			name := fuzzSeries[b&3]
			snap.Series[name] = append(snap.Series[name], probes.Point{T: at, V: v})
		}
		size := sizes[int(flags>>3)%len(sizes)]
		var m tea.Model = tui.New(newFakeSource(), tui.DefaultStyles())
		m, _ = m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
		m, _ = m.Update(tui.SnapshotMsg{Snapshot: snap})
		view := m.View()
		checkFrame(t, view, size.w, size.h)
		checkCharts(t, view, size.w)
		if head := strings.Split(view, "\n")[0]; !strings.Contains(head, "LIVE") {
			t.Errorf("the header lost its badge: %q", head)
		}
		// Another size redraws the same snapshot.
		next := sizes[(int(flags>>3)+1)%len(sizes)]
		m, _ = m.Update(tea.WindowSizeMsg{Width: next.w, Height: next.h})
		view = m.View()
		checkFrame(t, view, next.w, next.h)
		checkCharts(t, view, next.w)
	})
}
