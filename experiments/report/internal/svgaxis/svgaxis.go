// Package svgaxis holds what the report's charts and the comparison's
// charts draw alike: round steps and ranges, ticks and their labels,
// time steps, text widths, the largest value an axis takes.
package svgaxis

import (
	"math"
	"strconv"

	"github.com/gameday-dev/gameday/experiments"
)

// NiceStep rounds a raw step up to 1, 2, 2.5, 5 or 10 times a power of
// ten; 1 for a step that is not a positive finite number.
func NiceStep(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*e {
			return m * e
		}
	}
	return 10 * e
}

// Label renders a y tick: 250ms, 1.5s, 20%, 0.5 (1e+300ms for a huge
// one).
func Label(u experiments.Unit, v, step float64) string {
	if math.Abs(v) >= 1e9 {
		return strconv.FormatFloat(v, 'g', 3, 64) + UnitSuffix(u, "")
	}
	if step >= 1 || u == experiments.UnitMillis && v >= 1000 {
		return u.Short(v)
	}
	s := strconv.FormatFloat(v, 'f', Decimals(step), 64)
	switch u {
	case experiments.UnitMillis:
		return s + "ms"
	case experiments.UnitPercent:
		return s + "%"
	}
	return s
}

// Decimals is how many decimals tell a step's ticks apart: 1 for 0.1,
// 0.2 and 0.5, 2 for 0.25; 0 from 1 on.
func Decimals(step float64) int {
	if !(step > 0) || step >= 1 || math.IsInf(step, 0) {
		return 0
	}
	d := int(math.Ceil(-math.Log10(step)))
	for ; d < 15; d++ {
		r := math.Pow(10, float64(d))
		if math.Abs(math.Round(step*r)/r-step) <= step*1e-9 {
			break
		}
	}
	return d
}

// UnitSuffix is the unit written after a number, after sep; "" for none.
func UnitSuffix(u experiments.Unit, sep string) string {
	switch u {
	case experiments.UnitMillis:
		return sep + "ms"
	case experiments.UnitPercent:
		return sep + "%"
	case experiments.UnitPerSec:
		return sep + "req/s"
	}
	return ""
}

// TextWidth is about how wide a text is drawn at the charts' font size.
func TextWidth(s string) float64 { return 6.6 * float64(len([]rune(s))) }

// Round1 rounds a coordinate to a tenth, for shorter SVG.
func Round1(v float64) float64 { return math.Round(v*10) / 10 }

// MaxValue is the largest magnitude an axis takes; a value beyond it (or
// infinite) is drawn at the axis' end.
const MaxValue = 1e300

// Clamp brings v within ±MaxValue.
func Clamp(v float64) float64 { return math.Max(-MaxValue, math.Min(MaxValue, v)) }

// Range rounds a value range out to round ticks, about four steps with a
// little room above the highest value: the low end, the high end and the
// step. An empty range (hi below lo, or -Inf) is lo to lo+1.
func Range(lo, hi float64) (float64, float64, float64) {
	if math.IsInf(hi, -1) || hi <= lo {
		hi = lo + 1
	}
	if hi-lo < math.Abs(lo)*1e-9 { // all equal, and so large that 1 is lost in them
		hi = lo + math.Abs(lo)*0.1
	}
	step := NiceStep((hi - lo) / 4)
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi*1.04/step) * step
	if !(hi > lo) || math.IsInf(hi, 0) || math.IsInf(lo, 0) {
		lo, hi, step = -MaxValue, MaxValue, MaxValue/2
	}
	return lo, hi, step
}

// Ticks are the values from lo to hi by step, at most 50.
func Ticks(lo, hi, step float64) []float64 {
	var out []float64
	for k, v := 0, lo; v <= hi+step/2 && k < 50; k, v = k+1, v+step {
		out = append(out, v)
	}
	return out
}

// TimeStep is the step, in seconds, of a time axis span seconds long:
// a round one (1s, 2s, 5s ... 1h, 2h, doubled beyond) for at most about
// eight ticks.
func TimeStep(span float64) float64 {
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200} {
		if step = s; span/s <= 8 {
			break
		}
	}
	for span/step > 8 {
		step *= 2
	}
	return step
}
