package session

import (
	"fmt"
	"time"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
)

// loadRun is a running load profile and the scale factors blocks put on it.
type loadRun struct {
	spec   experiments.Load
	gen    *probes.Load
	scales map[string]float64
	curve  inject.Curve
	at     time.Duration // when the curve was last applied, since the start
	last   probes.LoadSample
}

func (l *loadRun) setScale(block string, f float64) {
	if f == 1 {
		delete(l.scales, block)
	} else {
		l.scales[block] = f
	}
	l.apply(l.at)
}

// apply sets the generator's scale: the blocks' factors times the curve
// at elapsed.
func (l *loadRun) apply(elapsed time.Duration) {
	l.at = elapsed
	total := 1.0
	for _, v := range l.scales {
		total *= v
	}
	if l.curve != nil {
		total *= l.curve.At(elapsed)
	}
	l.gen.SetScale(total)
}

func (s *Session) load(name string) *loadRun {
	for _, l := range s.loads {
		if l.spec.Name == name {
			return l
		}
	}
	return nil
}

// newLoadRun builds a load whose histograms cover window, the longest
// window anything asks of it.
func newLoadRun(spec experiments.Load, window time.Duration, onResult func(string, time.Duration)) (*loadRun, error) {
	gen, err := probes.NewLoad(spec.LoadConfig(window, onResult))
	if err != nil {
		return nil, fmt.Errorf("load %q: %w", spec.Name, err)
	}
	lr := &loadRun{spec: spec, gen: gen, scales: map[string]float64{}}
	if spec.Curve != nil {
		if lr.curve, err = spec.Curve.Build(); err != nil {
			return nil, fmt.Errorf("load %q: %w", spec.Name, err)
		}
		lr.apply(0)
	}
	return lr, nil
}

// record appends one load sample to the store as its series.
func (l *loadRun) record(store *probes.Store, now time.Time) {
	smp := l.gen.Collect(now)
	l.last = smp
	n := l.spec.Name
	store.Append(n+experiments.SeriesRate, probes.Point{T: now, V: smp.TargetRate})
	store.Append(n+experiments.SeriesThroughput, probes.Point{T: now, V: smp.Throughput})
	if smp.Count == 0 {
		return // no completed request in the window: no latency, no error rate
	}
	store.Append(n+experiments.SeriesErrorRate, probes.Point{T: now, V: smp.ErrorRate * 100})
	if smp.Max == 0 {
		return // only hits that were not sent: no latency
	}
	store.Append(n+experiments.SeriesP50, probes.Point{T: now, V: ms(smp.P50)})
	store.Append(n+experiments.SeriesP90, probes.Point{T: now, V: ms(smp.P90)})
	store.Append(n+experiments.SeriesP95, probes.Point{T: now, V: ms(smp.P95)})
	store.Append(n+experiments.SeriesP99, probes.Point{T: now, V: ms(smp.P99)})
	store.Append(n+experiments.SeriesMax, probes.Point{T: now, V: ms(smp.Max)})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadWindows is, per load, the longest window an assumption or guardrail
// asks of it (at least the load's own window).
func loadWindows(e *experiments.Experiment) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, l := range e.Loads {
		out[l.Name] = max(l.Window, 5*time.Second)
	}
	judge := func(a experiments.Assumption) {
		if _, ok := out[a.Series]; ok {
			out[a.Series] = max(out[a.Series], a.EffectiveWindow())
		}
	}
	for _, a := range e.Assumptions {
		judge(a)
	}
	for _, a := range e.Guardrails.Abort {
		judge(a.Assumption)
	}
	return out
}
