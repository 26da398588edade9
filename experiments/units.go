package experiments

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Unit says how a series' values read.
type Unit string

// Units.
const (
	UnitNone    Unit = ""
	UnitMillis  Unit = "ms"
	UnitPercent Unit = "%"
	UnitPerSec  Unit = "req/s"
)

// Format renders v in the unit, with a precision that suits its size;
// from 1e9 on, and for ±Inf, in exponent form: "1e308 ms", "+Inf ms".
func (u Unit) Format(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	if math.IsInf(v, 0) || math.Abs(v) >= 1e9 {
		if u == UnitNone {
			return huge(v)
		}
		return huge(v) + " " + string(u)
	}
	switch u {
	case UnitMillis:
		if v >= 10000 {
			return trim(v/1000, 1) + " s"
		}
		if v >= 100 {
			return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
		}
		return trim(v, 1) + " ms"
	case UnitPercent:
		if v >= 10 {
			return strconv.FormatFloat(v, 'f', 0, 64) + " %"
		}
		return trim(v, 1) + " %"
	case UnitPerSec:
		return trim(v, 1) + " req/s"
	default:
		if v == math.Trunc(v) && math.Abs(v) < 1e9 {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		if math.Abs(v) < 1 && math.Abs(v) >= 1e-4 {
			// A ratio (0.01) would read as 0 with one decimal: two
			// significant digits.
			return trim(v, 1-int(math.Floor(math.Log10(math.Abs(v)))))
		}
		return trim(v, 1)
	}
}

// FormatApart renders v as Format does, with as many more digits as it
// takes (up to six decimals) not to read as ref when it is not ref: a
// violation never reads "1 %, threshold < 1 %".
func (u Unit) FormatApart(v, ref float64) string {
	s := u.Format(v)
	if v == ref || math.IsNaN(v) || math.IsNaN(ref) || math.IsInf(v, 0) || math.IsInf(ref, 0) || s != u.Format(ref) {
		return s
	}
	suffix := ""
	if u != UnitNone {
		suffix = " " + string(u)
	}
	for d := 1; d <= 6; d++ {
		a, b := strconv.FormatFloat(v, 'f', d, 64), strconv.FormatFloat(ref, 'f', d, 64)
		if a != b {
			return a + suffix
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64) + suffix
}

// Signed renders a difference with its sign, as Format does the value:
// "+70 ms", "−12 ms", "+0 %".
func (u Unit) Signed(v float64) string {
	if v < 0 {
		return "−" + u.Format(-v)
	}
	return "+" + u.Format(v)
}

// Short renders v without a space before the unit, for axis labels.
func (u Unit) Short(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case (math.IsInf(v, 0) || math.Abs(v) >= 1e9) && u == UnitMillis:
		return huge(v/1000) + "s"
	case (math.IsInf(v, 0) || math.Abs(v) >= 1e9) && u == UnitPercent:
		return huge(v) + "%"
	case math.IsInf(v, 0) || math.Abs(v) >= 1e9:
		return huge(v)
	case u == UnitMillis && v >= 1000:
		return trim(v/1000, 1) + "s"
	case u == UnitMillis:
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	case u == UnitPercent:
		return strconv.FormatFloat(v, 'f', 0, 64) + "%"
	case v >= 10000:
		return trim(v/1000, 0) + "k"
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// huge renders a value too large to read in digits, or ±Inf, with three
// significant digits: 1e308, -1.8e308, 2.5e9, +Inf.
func huge(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	s := strconv.FormatFloat(v, 'g', 3, 64)
	s = strings.Replace(s, "e+", "e", 1)
	return strings.Replace(s, "e0", "e", 1)
}

func trim(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if prec > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	return s
}

// FormatDuration renders a duration for a person: 4.2s, 1m05s, 2h03m.
func FormatDuration(seconds float64) string {
	switch {
	case math.IsNaN(seconds):
		return "–"
	case seconds >= 1e9 || math.IsInf(seconds, 1):
		return huge(seconds) + "s" // not a time anyone reads, but not a lie
	case seconds < 0:
		return "0s"
	case seconds < 60 && seconds == float64(int(seconds)):
		return fmt.Sprintf("%ds", int(seconds))
	case seconds < 60:
		return fmt.Sprintf("%.1fs", seconds)
	case seconds < 3600:
		s := int(seconds)
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		s := int(seconds)
		return fmt.Sprintf("%dh%02dm", s/3600, (s%3600)/60)
	}
}

// Millis is d in milliseconds, the unit of latencies in series and charts.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Duration is a time.Duration written as "1.5s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// Count says how many of a thing, in words that agree: "1 fault",
// "3 faults", "0 faults".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
