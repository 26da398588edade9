// Package svgaxis holds what the report's charts and the comparison's
// charts draw alike: round steps, tick labels, text widths.
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
	s := strconv.FormatFloat(v, 'f', int(math.Ceil(-math.Log10(step))), 64)
	switch u {
	case experiments.UnitMillis:
		return s + "ms"
	case experiments.UnitPercent:
		return s + "%"
	}
	return s
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
