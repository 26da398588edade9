package session

import (
	"math"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// TestLoadScaleKeepsCurve: a block that scales a load with a curve
// multiplies the curve where it is now, not where it started.
func TestLoadScaleKeepsCurve(t *testing.T) {
	spec := experiments.Load{Name: "l", URL: "http://127.0.0.1:1/", Rate: 100, Timeout: time.Second,
		Curve: &experiments.Curve{Shape: "ramp", From: 0, To: 1, Over: 10 * time.Second}}
	l, err := newLoadRun(spec, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		do   func()
		want float64
	}{
		{"the ramp's start", func() {}, 0},
		{"half way up the ramp", func() { l.apply(5 * time.Second) }, 50},
		{"a block doubles it", func() { l.setScale("spike", 2) }, 100},
		{"the block halts", func() { l.setScale("spike", 1) }, 50},
	} {
		c.do()
		if got := l.gen.TargetRate(); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: target rate %v, want %v", c.what, got, c.want)
		}
	}
}
