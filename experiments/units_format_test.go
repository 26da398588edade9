package experiments_test

import (
	"math"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// A number without a unit keeps what makes it itself: a ratio of 0.01
// (an error ratio's threshold) is not 0.
func TestFormatPlainNumbers(t *testing.T) {
	for v, want := range map[float64]string{
		0.01: "0.01", 0.3: "0.3", 0.0123: "0.012", -0.05: "-0.05", 2.345: "2.3", 1500: "1500", 0: "0",
		0.00001: "0", math.NaN(): "–",
	} {
		if got := experiments.UnitNone.Format(v); got != want {
			t.Errorf("Format(%v) = %q, want %q", v, got, want)
		}
	}
}
