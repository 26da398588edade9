package assume

import (
	"math"
	"sort"
	"time"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/probes"
)

// Observations is what assumptions are judged on: the series store, and
// the loads, whose requests are aggregated over any window.
type Observations interface {
	Points(series string, since time.Time) []probes.Point
	// LoadWindow is false when series is not a load.
	LoadWindow(series string, now time.Time, d time.Duration, percentiles ...float64) (probes.WindowStats, bool)
}

// StoreObservations judges on a series store alone (no loads).
func StoreObservations(s *probes.Store) Observations { return storeObs{s} }

type storeObs struct{ s *probes.Store }

func (o storeObs) Points(series string, since time.Time) []probes.Point {
	return o.s.Window(series, since)
}

func (storeObs) LoadWindow(string, time.Time, time.Duration, ...float64) (probes.WindowStats, bool) {
	return probes.WindowStats{}, false
}

var aggPercentile = map[experiments.Aggregate]float64{experiments.AggP50: 50, experiments.AggP90: 90, experiments.AggP95: 95, experiments.AggP99: 99}

// Measure computes the assumption's value at now, NaN when there is no
// data.
func Measure(a *experiments.Assumption, now time.Time, obs Observations) float64 {
	w := a.EffectiveWindow()
	pct := aggPercentile[a.Aggregate]
	if ws, ok := obs.LoadWindow(a.Series, now, w, pct); ok {
		switch a.Aggregate {
		case experiments.AggErrorRate:
			return ws.ErrorRate * 100
		case experiments.AggRate:
			return ws.Throughput
		case experiments.AggMax:
			if ws.Max == 0 {
				return math.NaN()
			}
			return experiments.Millis(ws.Max)
		default:
			if len(ws.Latency) == 0 || ws.Max == 0 {
				return math.NaN()
			}
			return experiments.Millis(ws.Latency[0])
		}
	}
	if a.Aggregate == experiments.AggErrorRate {
		v := aggregate(experiments.AggAvg, obs.Points(a.Series+".failed", now.Add(-w)))
		return v * 100
	}
	return aggregate(a.Aggregate, obs.Points(a.Series, now.Add(-w)))
}

func aggregate(agg experiments.Aggregate, pts []probes.Point) float64 {
	if len(pts) == 0 {
		return math.NaN()
	}
	if p, ok := aggPercentile[agg]; ok {
		vs := make([]float64, len(pts))
		for i, pt := range pts {
			vs[i] = pt.V
		}
		sort.Float64s(vs)
		rank := int(math.Ceil(p/100*float64(len(vs)))) - 1
		return vs[max(rank, 0)]
	}
	switch agg {
	case experiments.AggSlope:
		return slope(pts)
	case experiments.AggRate:
		if len(pts) < 2 {
			return math.NaN()
		}
		// The increase of a counter; a drop is a reset, after which the
		// new value is all increase.
		var inc float64
		for i := 1; i < len(pts); i++ {
			if d := pts[i].V - pts[i-1].V; d >= 0 {
				inc += d
			} else {
				inc += pts[i].V
			}
		}
		dt := pts[len(pts)-1].T.Sub(pts[0].T).Seconds()
		if dt <= 0 {
			return math.NaN()
		}
		return inc / dt
	case experiments.AggAvg:
		var sum float64
		for _, p := range pts {
			sum += p.V
		}
		return sum / float64(len(pts))
	case experiments.AggMax:
		m := pts[0].V
		for _, p := range pts[1:] {
			m = math.Max(m, p.V)
		}
		return m
	case experiments.AggMin:
		m := pts[0].V
		for _, p := range pts[1:] {
			m = math.Min(m, p.V)
		}
		return m
	default:
		return pts[len(pts)-1].V
	}
}

// slope fits a line to the points by least squares and returns its slope
// per second; NaN with fewer than two distinct times.
func slope(pts []probes.Point) float64 {
	if len(pts) < 2 {
		return math.NaN()
	}
	t0 := pts[0].T
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		x := p.T.Sub(t0).Seconds()
		sx += x
		sy += p.V
		sxx += x * x
		sxy += x * p.V
	}
	n := float64(len(pts))
	den := n*sxx - sx*sx
	if den == 0 {
		return math.NaN()
	}
	return (n*sxy - sx*sy) / den
}
