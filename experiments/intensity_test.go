package experiments_test

import (
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// TestParamAt: a block's main parameter, as a number and as words, at an
// intensity.
func TestParamAt(t *testing.T) {
	for _, c := range []struct {
		fault     *experiments.Fault
		i         float64
		name, at  string
		full      float64
		unit      experiments.Unit
		fullWords string
	}{
		{&experiments.Fault{Kind: experiments.FaultLatency, Delay: 300 * time.Millisecond}, 0.675, "delay", "203ms", 300, experiments.UnitMillis, "300ms"},
		{&experiments.Fault{Kind: experiments.FaultLatency, Delay: 2 * time.Second}, 0.75, "delay", "1.5s", 2000, experiments.UnitMillis, "2s"},
		{&experiments.Fault{Kind: experiments.FaultError, Probability: 0.2}, 0.5, "probability", "10%", 20, experiments.UnitPercent, "20%"},
		{&experiments.Fault{Kind: experiments.FaultPause}, 0.62, "intensity", "62%", 100, experiments.UnitPercent, "100%"},
		{nil, 0.3, "intensity", "30%", 100, experiments.UnitPercent, "100%"},
	} {
		b := &experiments.Block{Name: "b", Fault: c.fault}
		name, at := b.ParamAt(c.i)
		_, full := b.ParamAt(1)
		pname, pfull, unit := b.Param()
		if name != c.name || at != c.at || full != c.fullWords || pname != c.name || pfull != c.full || unit != c.unit {
			t.Errorf("%+v at %g: %s %s (full %s), Param %s %g %s; want %s %s (full %s), %g %s",
				c.fault, c.i, name, at, full, pname, pfull, unit, c.name, c.at, c.fullWords, c.full, c.unit)
		}
	}
}
