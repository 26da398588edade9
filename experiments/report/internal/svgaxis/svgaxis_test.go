package svgaxis_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/experiments/report/internal/svgaxis"
)

func TestRange(t *testing.T) {
	for _, c := range []struct {
		lo, hi             float64
		wantLo, wantHi, st float64
	}{
		{0, 250, 0, 300, 100},
		{-40, 120, -50, 150, 50},
		{0, math.Inf(-1), 0, 1.25, 0.25}, // empty: 0 to 1
		{5, 5, 5, 6.25, 0.25},            // one value
	} {
		lo, hi, step := svgaxis.Range(c.lo, c.hi)
		if lo != c.wantLo || hi != c.wantHi || step != c.st {
			t.Errorf("Range(%g, %g) = %g, %g, %g; want %g, %g, %g", c.lo, c.hi, lo, hi, step, c.wantLo, c.wantHi, c.st)
		}
		if ticks := svgaxis.Ticks(lo, hi, step); len(ticks) < 2 || ticks[0] != lo || len(ticks) > 50 {
			t.Errorf("Ticks(%g, %g, %g) = %v", lo, hi, step, ticks)
		}
	}
	// The largest range stays finite and holds both ends.
	if lo, hi, step := svgaxis.Range(-svgaxis.MaxValue, svgaxis.MaxValue); lo > -svgaxis.MaxValue || hi < svgaxis.MaxValue ||
		math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(step > 0) {
		t.Errorf("Range(±MaxValue) = %g, %g, %g", lo, hi, step)
	}
	if got := svgaxis.Ticks(0, 300, 100); !slices.Equal(got, []float64{0, 100, 200, 300}) {
		t.Errorf("Ticks(0, 300, 100) = %v", got)
	}
}

func TestTimeStep(t *testing.T) {
	for span, want := range map[float64]float64{5: 1, 60: 10, 600: 120, 100000: 14400} {
		if got := svgaxis.TimeStep(span); got != want {
			t.Errorf("TimeStep(%g) = %g, want %g", span, got, want)
		}
	}
}

func TestLabel(t *testing.T) {
	for _, c := range []struct {
		u       experiments.Unit
		v, step float64
		want    string
	}{
		{experiments.UnitMillis, 250, 50, "250ms"},
		{experiments.UnitMillis, 1500, 500, "1.5s"},
		{experiments.UnitPercent, 0.75, 0.25, "0.75%"},
		{experiments.UnitPercent, 0.4, 0.2, "0.4%"},
		{experiments.UnitNone, 0.05, 0.05, "0.05"},
		{experiments.UnitMillis, -100, 100, "-100ms"},
	} {
		if got := svgaxis.Label(c.u, c.v, c.step); got != c.want {
			t.Errorf("Label(%q, %g, %g) = %q, want %q", c.u, c.v, c.step, got, c.want)
		}
	}
}
